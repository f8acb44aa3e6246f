"""The trace is stored once per credited row and run, and each line's trace is derived
when read: it equals the trace the engine computed for that line (own lines, roll-ups over
a hierarchy that changed mid-month, team lines, someone on the plan part of the month)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from koers.org.services import person_save
from koers.reward.models import PayoutLine, PlanAssignment, TraceRow
from koers.reward.services import run_month
from koers.reward.services.components import compute_month
from koers.reward.services.inputs import shared_context
from tests.conftest import on_plan, sale

NOV, NOV_END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)

REPS = """\
code: reps
components:
  - {code: commission, rule: flat, rate: 3%}
  - {code: team-bonus, rule: flat, rate: 1%, scope: team}
"""
BOSSES = """\
code: bosses
components:
  - {code: override, rule: flat, rate: 1%, rollup: true}
"""


def _engine_traces() -> dict[tuple, list[tuple[int, int]]]:
    """What the engine traced per line, keyed as the stored lines are."""
    result = compute_month(NOV, context=shared_context(dt.date(2026, 1, 1), NOV_END))
    traced: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for key, order_line, value in result.trace.iter_rows():
        line = result.lines[key]
        traced[(line["person_id"], line["component"], line["period_start"])].append(
            (order_line, value)
        )
    return {k: sorted(v) for k, v in traced.items()}


def test_each_lines_trace_read_back_equals_the_engines(cast):
    for day, who, number in ((3, cast.ruud, "A"), (20, cast.ruud, "B"), (5, cast.rosa, "C")):
        sale(cast, who, f"SO-{number}", dt.date(2026, 11, day), "1000.00")
    sale(cast, cast.rik, "SO-D", dt.date(2026, 11, 25), "2000.00")
    on_plan(REPS, cast.ruud, cast.rosa, cast.rik)
    on_plan(BOSSES, cast.mia, cast.max, cast.dirk)
    # Rosa joins the plan on the 10th: her days only
    PlanAssignment.objects.filter(person=cast.rosa).update(valid_from=dt.date(2026, 11, 10))
    # Ruud moves from Mia's team to Max's on the 15th: each sale rolls up as it stood
    cast.ruud.manager = cast.max
    person_save(person=cast.ruud, by=None, on=dt.date(2026, 11, 15))
    run_month(NOV, by=None)
    engine = _engine_traces()
    stored = {
        (line.person_id, line.component, line.period_start): sorted(
            line.trace().values_list("order_line_id", "value")
        )
        for line in PayoutLine.objects.filter(run__month=NOV, correction_of__isnull=True)
    }
    assert {k: v for k, v in stored.items() if v} == engine
    assert engine  # the scenario traces something on every kind of line
    kinds = {component for _person, component, _start in engine}
    assert kinds == {"commission", "team-bonus", "override"}
    # each credited row once per run, however many lines read it
    rows = list(TraceRow.objects.values_list("order_line_id", "person_id", "basis"))
    assert len(rows) == len(set(rows))
    engine_rows = sum(len(v) for v in engine.values())
    assert len(rows) < engine_rows
    # the sums a statement shows come from the line, not from reading its rows
    for line in PayoutLine.objects.filter(run__month=NOV, basis__isnull=False):
        assert line.traced == sum(v for _o, v in line.trace().values_list("order_line", "value"))


def test_without_the_trace_the_lines_are_the_same(cast):
    """A closed month checked for corrections is computed without its trace: its lines,
    earnings and attainments are those of the month computed with it."""
    for day, who, number in ((3, cast.ruud, "A"), (20, cast.rosa, "B")):
        sale(cast, who, f"SO-{number}", dt.date(2026, 11, day), "1000.00")
    on_plan(REPS, cast.ruud, cast.rosa, cast.rik)
    on_plan(BOSSES, cast.mia, cast.max, cast.dirk)
    context = shared_context(dt.date(2026, 1, 1), NOV_END)
    traced = compute_month(NOV, context=context)
    bare = compute_month(NOV, context=context, with_trace=False)
    trace_keys = {"basis", "trace_root", "trace_subtree", "trace_from", "trace_to", "traced"}
    assert [{k: v for k, v in line.items() if k not in trace_keys} for line in traced.lines] == (
        bare.lines
    )
    assert traced.trace.height and bare.trace.is_empty() and not bare.bases


def test_a_closed_month_checked_for_corrections_computes_only_what_it_pays(cast):
    """A quarter still running in a closed month paid nothing then: checked for
    corrections, the month computes only the components whose period ended with it, and
    those lines are the month's payable lines as a full calculation gives them."""
    sale(cast, cast.ruud, "SO-A", dt.date(2026, 11, 3), "1000.00")
    sale(cast, cast.rosa, "SO-B", dt.date(2026, 10, 20), "1000.00")
    on_plan(
        """\
code: mixed
components:
  - {code: monthly, rule: flat, rate: 3%}
  - {code: quarterly, rule: flat, rate: 1%, period: quarter}
  - {code: yearly, rule: flat, rate: 1%, period: ytd}
""",
        cast.ruud,
        cast.rosa,
    )
    context = shared_context(dt.date(2026, 1, 1), NOV_END)
    full = compute_month(NOV, context=context, with_trace=False)
    only = compute_month(NOV, context=context, with_trace=False, payable_only=True)
    assert {line["component"] for line in full.lines} == {"monthly", "quarterly", "yearly"}
    assert [line for line in full.lines if line["payable"]] == only.lines
    assert {line["component"] for line in only.lines} == {"monthly", "yearly"}
    # at a quarter's end the quarter is paid, and computed
    sep = compute_month(dt.date(2026, 9, 1), context=context, payable_only=True)
    assert "quarterly" in {line["component"] for line in sep.lines}
