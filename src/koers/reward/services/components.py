"""A month's run, step 2: the engine called per plan component (``compute_month``),
with the returns settled at their original rate and the people who changed plan versions
within a period; nothing is stored here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from koers.engine import comp
from koers.engine.money import to_cents
from koers.engine.periods import (
    add_months,
    month_end,
    month_start,
)
from koers.reward.documents import ComponentSpec, PlanSpec, parse_plan
from koers.reward.models import (
    PayoutLine,
    Plan,
    PlanAssignment,
    RestatedLine,
)
from koers.reward.services.inputs import (
    Context,
    _manager_on,
    _payees,
    paid_in_basis,
    period_of,
    shared_context,
    territory_credits_frame,
)
from koers.reward.services.trace import current_sets

I64, DATE = pl.Int64, pl.Date


@dataclass
class MonthResult:
    """The payout lines of one month (as dicts) and the credits behind them."""

    lines: list[dict[str, Any]]
    trace: pl.DataFrame  # key (index into lines), line_id, value
    # (person id, component code, period start, period end) measured in % of a quota that
    # the person does not have: their attainment cannot be measured
    missing_quotas: list[tuple[int, str, dt.date, dt.date]] = field(default_factory=list)
    # the credited rows each line's trace reads (basis number → person_id, line_id, date,
    # value): stored once per run, whatever number of lines read them (``TraceRow``)
    bases: dict[int, pl.DataFrame] = field(default_factory=dict)
    # what each basis is: (credit key, period start, calculated to) → basis number
    basis_keys: dict[tuple[Any, ...], int] = field(default_factory=dict)


def needs_quota(c: comp.Component) -> bool:
    """Is the component measured in % of a quota (a bonus curve, or tiers on attainment)?"""
    if c.measure == "goals":
        return False
    if c.rule == "bonus":
        return True
    return c.rule in ("marginal", "retroactive") and c.bands == "quota" and len(c.tiers) > 1


def missing_quota_message(missing: list[tuple[int, str, dt.date, dt.date]]) -> str:
    """The people, components and periods without a quota, in the user's language."""
    from koers.org.models import Person

    people = {p.pk: str(p) for p in Person.objects.filter(pk__in={m[0] for m in missing})}
    shown = [
        _("%(person)s for %(component)s, %(start)s – %(end)s")
        % {
            "person": people.get(p, p),
            "component": code,
            "start": f"{start:%d-%m-%Y}",
            "end": f"{end:%d-%m-%Y}",
        }
        for p, code, start, end in missing[:10]
    ]
    more = len(missing) - len(shown)
    text = _(
        "No target to measure attainment against (a quota): %(list)s. Set the targets, or "
        "write the bands in amounts."
    ) % {"list": "; ".join(shown)}
    if more:
        text += " " + _("And %(n)s more.") % {"n": more}
    return text


def _assignments(month: dt.date) -> list[PlanAssignment]:
    end = month_end(month)
    return list(
        PlanAssignment.objects.select_related("plan")
        .filter(valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=add_months(month, -11)))
    )


def compute_month(
    month: dt.date,
    *,
    assignments: list[PlanAssignment] | None = None,
    spec_of: Callable[[Plan], PlanSpec] | None = None,
    context: Context | None = None,
    ytd_totals: bool = False,
    with_trace: bool = True,
    payable_only: bool = False,
) -> MonthResult:
    """Every component's results for ``month``, without storing anything. ``spec_of`` may
    put another plan document in a plan's place (modelling a draft); ``ytd_totals`` gives
    a year-to-date line its total so far instead of this month's part of it; without
    ``with_trace`` the lines come without their trace (a closed month checked for
    corrections: a correction has no credited rows of its own); with ``payable_only`` only
    the components whose period ends with the month are calculated (a closed month
    checked for corrections: a quarter still running then paid nothing)."""
    month = month_start(month)
    end = month_end(month)
    if assignments is None:
        assignments = _assignments(month)
    # people on one plan with the same own rates (most have none) are calculated together
    by_plan: dict[tuple[int, str], list[PlanAssignment]] = {}
    for a in assignments:
        by_plan.setdefault((a.plan_id, a.overrides.strip()), []).append(a)

    def read(a: PlanAssignment) -> PlanSpec:
        return spec_of(a.plan) if spec_of else parse_plan(a.document())

    specs = {key: read(group[0]) for key, group in by_plan.items()}
    if context is None:
        earliest = min(
            (period_of(s.component.period, month)[0] for p in specs.values() for s in p.components),
            default=month,
        )
        context = shared_context(earliest, end)
    else:
        context.manager_of = _manager_on(context.managers, end)
    lines: list[dict[str, Any]] = []
    traces: list[pl.DataFrame] = []
    missing: list[tuple[int, str, dt.date, dt.date]] = []
    bases: dict[tuple, int] = {}
    basis_rows: dict[int, pl.DataFrame] = {}
    for group_key, plan_assignments in by_plan.items():
        plan_id = group_key[0]
        for spec in specs[group_key].components:
            c = spec.component
            start, stop = period_of(c.period, month)
            if payable_only and stop > end:
                continue
            to = min(stop, end)  # the part of the period calculated so far
            first, last = c.window
            if (first and first > to) or (last and last < start):
                continue  # a SPIFF outside its window
            on_plan = [
                a
                for a in plan_assignments
                if a.valid_from <= stop and (a.valid_to or stop) >= start
            ]
            if not on_plan:
                continue
            try:
                payees = _payees(spec, on_plan, start, stop, to, context)
            except OverflowError:  # a quota or measure beyond 64 bits, from the database
                raise ValidationError(_too_large(None, c.code)) from None
            if needs_quota(c):
                missing += [
                    (p, c.code, start, stop)
                    for p in payees.filter(pl.col("quota").is_null())["person_id"]
                ]
            key = (comp.credit_key(c), start, to)
            if c.measure in comp.CREDITED and key not in context.rows:
                source = context.credits
                if c.credit != "holders":
                    kind = "overlay" if c.credit == "territory-overlay" else "primary"
                    source = territory_credits_frame(start, to, kind)
                context.rows[key] = comp.credited(source, c, start, to)
            rows = context.rows.get(key)
            reversed_returns = None
            if rows is not None and settles_returns(c):
                rows, reversed_returns = _returns_at_original_rate(
                    rows, context.credits, c, plan_assignments[0].plan.code, start
                )
            try:
                results, trace = comp.calculate(
                    context.credits, payees, c, start, to, context.managers, rows=rows
                )
                switched = _switched(plan_assignments, assignments, start, stop)
                if switched:
                    results, trace = _across_versions(
                        switched, payees, results, trace, spec, start, to, rows, context
                    )
                if reversed_returns is not None and reversed_returns.height:
                    results, trace = _with_reversals(results, trace, reversed_returns, c.code)
            except comp.AmountTooLarge as error:
                raise ValidationError(_too_large(error.person_id, c.code)) from None
            if c.period == "ytd" and not ytd_totals:
                results = _less_paid_before(results, plan_id, c.code, start, month)
            traced = with_trace and rows is not None and c.scope != "company"
            if with_trace and c.rollup and c.scope == "individual":
                trace = comp.payee_trace(trace, payees, context.managers, start, to)
            if traced and key not in bases:
                bases[key] = len(bases)
                basis_rows[bases[key]] = context.rows[key]
            reach = _trace_reach(c, payees, results, trace, start, to, switched) if traced else {}
            offset = len(lines)
            for row in results.iter_rows(named=True):
                spec_of_trace = reach.get(row["person_id"])  # none without a trace
                lines.append(
                    {
                        **row,
                        "plan_id": plan_id,
                        "component": c.code,
                        "period": c.period,
                        "period_start": start,
                        "period_end": stop,
                        "payable": stop <= end,
                        "correction_of": None,
                        **(
                            {"basis": bases[key], **spec_of_trace}
                            if spec_of_trace is not None
                            else {}
                        ),
                    }
                )
            if not with_trace:
                continue
            index = pl.DataFrame(
                {"person_id": results["person_id"], "key": range(offset, len(lines))},
                schema={"person_id": I64, "key": I64},
            )
            traces.append(trace.join(index, on="person_id").select("key", "line_id", "value"))
    trace = (
        pl.concat(traces)
        if traces
        else pl.DataFrame(schema={"key": I64, "line_id": I64, "value": I64})
    )
    return MonthResult(lines, trace, missing, basis_rows, bases)


def _trace_reach(
    c: comp.Component,
    payees: pl.DataFrame,
    results: pl.DataFrame,
    trace: pl.DataFrame,
    start: dt.date,
    to: dt.date,
    switched: dict[int, dt.date],
) -> dict[int, dict[str, Any]]:
    """Per payee, which credited rows of the basis their trace is: the holder (their own,
    or with ``trace_subtree`` anyone below them or their team's manager on the row's date)
    and the days (their days on the plan, from the day a new version of it started), and
    the rows' sum as the engine traced them."""
    subtree = c.scope == "team" or (c.rollup and c.scope == "individual")
    sums = (
        dict(trace.group_by("person_id").agg(pl.col("value").sum()).iter_rows())
        if trace.height
        else {}
    )
    columns = ["person_id", "valid_from", "valid_to"]
    if c.scope == "team":
        columns.append("team_id")
    spans = {row["person_id"]: row for row in payees.select(columns).iter_rows(named=True)}
    out: dict[int, dict[str, Any]] = {}
    for person in results["person_id"]:
        span = spans.get(person, {})
        if c.scope == "team":
            first, last, root = start, to, span.get("team_id")
        else:
            first = max(start, span.get("valid_from") or start, switched.get(person, start))
            last = min(to, span.get("valid_to") or to)
            root = person
        out[person] = {
            "trace_root": root,
            "trace_subtree": subtree,
            "trace_from": first,
            "trace_to": last,
            "traced": sums.get(person, 0),
        }
    return out


def _too_large(person_id: int | None, component: str) -> str:
    """The run is refused: an amount of ``component`` (for ``person_id``) is beyond what
    Koers keeps exact (``comp.MAX_CENTS``)."""
    from koers.org.models import Person

    person = Person.objects.filter(pk=person_id).first() if person_id else None
    return _(
        "%(person)s, %(component)s: an amount beyond € %(limit)s, more than Koers calculates "
        "exactly. Nothing was calculated; check the order lines, targets and plan."
    ) % {
        "person": person or _("someone"),
        "component": component,
        "limit": formats.number_format(comp.MAX_CENTS // 100, use_l10n=True, force_grouping=True),
    }


def _less_paid_before(
    results: pl.DataFrame, plan_id: int, component: str, start: dt.date, month: dt.date
) -> pl.DataFrame:
    """A year-to-date line pays the year's earnings so far less what the earlier months of
    the year paid on it (their corrections included)."""
    code = Plan.objects.filter(pk=plan_id).values("code")[:1]
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for person, total in paid_in_basis(
        PayoutLine.objects.filter(
            plan__code=code,
            component=component,
            period_start=start,
            payable=True,
            run__month__lt=month,
        ),
        RestatedLine.objects.filter(
            plan__code=code, component=component, period_start=start, run__month__lt=month
        ),
        ("person",),
    ):
        paid[person] += total
    if not paid:
        return results
    before = pl.DataFrame(
        [(p, to_cents(t)) for p, t in paid.items()],
        schema={"person_id": I64, "_paid": I64},
        orient="row",
    )
    return (
        results.join(before, on="person_id", how="left")
        .with_columns(
            (pl.col("earnings_cents") - pl.col("_paid").fill_null(0)).alias("earnings_cents")
        )
        .drop("_paid")
    )


def settles_returns(c: comp.Component) -> bool:
    """Does the component reverse a return at its original sale's rate? (Credited to the
    seller themselves; team, company and rolled-up pay count returns in the period.)"""
    return (
        c.clawback == "original"
        and c.measure in comp.CREDITED
        and c.scope == "individual"
        and not c.rollup
    )


def _returns_at_original_rate(
    rows: pl.DataFrame, credits: pl.DataFrame, c: comp.Component, plan_code: str, start: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split the credited rows: returns of sales from before ``start`` whose sale this
    component paid the holder in a period that ended before ``start`` leave the measure,
    and come back as reversals of what the sale earned: the return's share × the original
    payout line's earnings ÷ its measure (its rate, within its cap). Returns of sales it
    never paid stay in the measure.
    Gives (rows, reversals: line_id, person_id, date, value, product_group_id, scaled)."""

    originals = (
        credits.filter((pl.col("amount_cents") < 0) & (pl.col("original_date") < start))
        .select("line_id", "original_id")
        .unique()
    )
    returns = rows.join(originals, on="line_id", how="inner").filter(
        pl.col("original_id").is_not_null()
    )
    empty = rows.head(0).with_columns(pl.lit(0, dtype=comp.WIDE).alias("scaled"))
    if returns.height == 0:
        return rows, empty
    paid = _paid_lines(returns["original_id"].unique().to_list(), c.code, plan_code, start)
    rate: dict[tuple[int, int], tuple[int, int]] = {}
    for original, person, earnings, measure, _month in paid:
        rate.setdefault((original, person), (to_cents(earnings), measure))  # the latest run
    if not rate:
        return rows, empty
    table = pl.DataFrame(
        [(o, p, e, m) for (o, p), (e, m) in rate.items()],
        schema={"original_id": I64, "person_id": I64, "_earned": I64, "_measure": I64},
        orient="row",
    )
    settled = returns.join(table, on=["original_id", "person_id"], how="inner")
    # the return's share at the original rate, in millionths of a cent (one rounding later),
    # truncated towards zero; 128-bit: a € 10^12 line times € 10^11 earned passes 2^63
    product = pl.col("value").cast(comp.WIDE) * pl.col("_earned") * comp.SCALE
    scaled = comp.toward_zero(product, pl.col("_measure"))
    reversals = settled.with_columns(scaled.alias("scaled")).select(*rows.columns, "scaled")
    kept = rows.join(
        reversals.select("line_id", "person_id"), on=["line_id", "person_id"], how="anti"
    )
    return kept, reversals


def _paid_lines(
    originals: list[int], component: str, plan_code: str, start: dt.date
) -> list[tuple[int, int, Any, int, dt.date]]:
    """The own payout lines of ``component`` that paid each of the ``originals`` (order
    lines) in a period that ended before ``start`` (never this period's own earlier run,
    so running a month again finds the same originals and pays the same): (order line,
    person, earnings, measure, month), the latest run first. Read from the trace stored
    once per run (``TraceRow``) and, for runs stored before it, from ``PayoutCredit``."""
    from koers.reward.models import PayoutCredit, PayoutLine, TraceRow

    lines = PayoutLine.objects.filter(
        component=component,
        plan__code=plan_code,
        correction_of__isnull=True,
        measure__gt=0,
        period_end__lt=start,
    )
    found = list(
        PayoutCredit.objects.filter(order_line_id__in=originals, line__in=lines).values_list(
            "order_line_id",
            "line__person_id",
            "line__earnings",
            "line__measure",
            "line__run__month",
        )
    )
    rows = list(
        TraceRow.objects.filter(
            order_line_id__in=originals, trace_set_id__in=current_sets()
        ).values_list("run_id", "basis", "person_id", "order_line_id", "date")
    )
    if rows:
        own = {}
        mine = lines.filter(
            basis__isnull=False,
            trace_subtree=False,
            run_id__in={row[0] for row in rows},
            trace_root__in={row[2] for row in rows},
        )
        for line in mine.values(
            "run_id",
            "basis",
            "trace_root",
            "trace_from",
            "trace_to",
            "person_id",
            "earnings",
            "measure",
            "run__month",
        ):
            own.setdefault((line["run_id"], line["basis"], line["trace_root"]), []).append(line)
        for run_id, basis, holder, order_line, day in rows:
            for line in own.get((run_id, basis, holder), []):
                if line["trace_from"] <= day <= line["trace_to"]:
                    found.append(
                        (
                            order_line,
                            line["person_id"],
                            line["earnings"],
                            line["measure"],
                            line["run__month"],
                        )
                    )
    return sorted(found, key=lambda f: (f[0], f[1], -f[4].toordinal()))


def _with_reversals(
    results: pl.DataFrame, trace: pl.DataFrame, reversals: pl.DataFrame, component: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each person's reversed returns added to their line after its cap (a cap bounds
    what a period earns, not what a return takes back), rounded once with the line."""
    per_person = reversals.group_by("person_id").agg(pl.col("scaled").sum().alias("_rev"))
    joined = results.join(per_person, on="person_id", how="left").with_columns(
        pl.col("_rev").fill_null(0)
    )
    cents = comp.round_scaled(pl.col("_rev"))
    total = joined.with_columns((pl.col("earnings_cents") + cents).alias("earnings_cents"))
    comp.guard(total, comp.OUTPUTS, component)
    results = total.with_columns(pl.col("earnings_cents").cast(pl.Int64)).select(results.columns)
    return results, pl.concat([trace, reversals.select(trace.columns)])


def _switched(
    on_plan: list[PlanAssignment], everyone: list[PlanAssignment], start: dt.date, stop: dt.date
) -> dict[int, dt.date]:
    """The people of ``on_plan`` who change between versions of the plan (same code)
    within ``start``..``stop``, with the day their assignment here starts."""
    code = on_plan[0].plan.code
    spans: dict[int, int] = {}
    for a in everyone:
        if a.plan.code == code and a.valid_from <= stop and (a.valid_to or stop) >= start:
            spans[a.person_id] = spans.get(a.person_id, 0) + 1
    return {a.person_id: max(a.valid_from, start) for a in on_plan if spans.get(a.person_id, 0) > 1}


def _across_versions(
    switched: dict[int, dt.date],
    payees: pl.DataFrame,
    results: pl.DataFrame,
    trace: pl.DataFrame,
    spec: ComponentSpec,
    start: dt.date,
    to: dt.date,
    rows: pl.DataFrame | None,
    context: Context,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Tiers apply to the period's cumulative attainment and each sale is paid at the
    version valid on its date: a version's line earns what its rule pays on everything
    from the period's start to the version's last day, less what the same rule pays on
    everything before its first day. With identical versions the parts add up to the
    whole period's pay, so a version change alone changes no payout. A bonus counts the
    period's full target incentive (each version pays its rise of the curve)."""
    c = spec.component
    ids = list(switched)
    firsts = pl.DataFrame(
        {"person_id": ids, "_first": [switched[p] for p in ids]},
        schema={"person_id": I64, "_first": DATE},
    )
    mine = payees.filter(pl.col("person_id").is_in(ids))
    if c.rule == "bonus":  # the full period's incentive: the versions share its curve
        mine = mine.with_columns(pl.col("full_incentive_cents").alias("target_incentive_cents"))
    upto = mine.with_columns(pl.lit(start).alias("valid_from"))

    def pay(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        return comp.calculate(context.credits, frame, c, start, to, context.managers, rows=rows)

    whole, whole_trace = pay(upto)
    before = (
        upto.join(firsts, on="person_id")
        .filter(pl.col("_first") > start)
        .with_columns((pl.col("_first") - pl.duration(days=1)).alias("valid_to"))
        .drop("_first")
    )
    earlier = pl.DataFrame(schema={"person_id": I64, "_before": I64, "_measured": I64})
    if before.height:
        earlier = pay(before)[0].select(
            "person_id",
            pl.col("earnings_cents").alias("_before"),
            pl.col("measure").alias("_measured"),
        )
    # each version's line pays, and shows as reached, its own part of the period
    less = pl.col("earnings_cents") - pl.col("_before").fill_null(0)
    own = pl.col("measure") - pl.col("_measured").fill_null(0)
    changed = (
        whole.join(earlier, on="person_id", how="left")
        .with_columns(less.alias("earnings_cents"), own.alias("measure"))
        .select(results.columns)
    )
    own_trace = (
        whole_trace.join(firsts, on="person_id", how="inner")
        .filter(pl.col("date") >= pl.col("_first"))
        .drop("_first")
        .select(trace.columns)
    )
    return (
        pl.concat([results.filter(~pl.col("person_id").is_in(ids)), changed]),
        pl.concat([trace.filter(~pl.col("person_id").is_in(ids)), own_trace]),
    )
