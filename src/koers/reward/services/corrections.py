"""A month's run, step 3: the closed months calculated again with today's data; what
changed becomes a correction in the open month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import polars as pl
from django.db.models import Q

from koers.engine.money import to_cents
from koers.engine.periods import (
    add_months,
)
from koers.reward.models import (
    CalcRun,
    PayoutLine,
    RestatedLine,
)
from koers.reward.services.components import _assignments, compute_month
from koers.reward.services.inputs import Context, paid_in_basis

I64, DATE = pl.Int64, pl.Date
# closed months whose figures are checked again for corrections on every run
LOOKBACK_MONTHS = 12


def _line_key(line: dict[str, Any]) -> tuple[int, int, str, dt.date]:
    return (line["person_id"], line["plan_id"], line["component"], line["period_start"])


def _closed_months(month: dt.date) -> list[CalcRun]:
    """The approved and locked months of the LOOKBACK_MONTHS before ``month``."""
    return list(
        CalcRun.objects.filter(month__lt=month, month__gte=add_months(month, -LOOKBACK_MONTHS))
        .exclude(status=CalcRun.Status.OPEN)
        .order_by("month")
    )


# a correction is a difference of two calculations: it has no credited rows of its own
NO_TRACE = {
    "basis": None,
    "trace_root": None,
    "trace_subtree": False,
    "trace_from": None,
    "trace_to": None,
    "traced": None,
}


# (index, number of parts): the people whose id modulo the number is the index, a part of
# a month calculated on several workers (``koers.reward.services.parts``)
Share = tuple[int, int]


def mine(person_id: int, share: Share | None) -> bool:
    """Is the person in ``share`` (everyone when None)?"""
    return share is None or person_id % share[1] == share[0]


def corrections(
    run: CalcRun | None,
    closed: list[CalcRun],
    context: Context | None = None,
    *,
    share: Share | None = None,
) -> list[dict[str, Any]]:
    """For every closed month (``_closed_months``): what its payable lines would be now,
    less what was paid and corrected since; every difference is a correction line in
    ``run``; only those of the people of ``share`` when given."""
    found: list[dict[str, Any]] = []
    for past in closed:
        assignments = [a for a in _assignments(past.month) if mine(a.person_id, share)]
        # only the components whose period ended with the month: every line is payable
        now = {
            _line_key(line): line
            for line in compute_month(
                past.month,
                assignments=assignments,
                context=context,
                with_trace=False,
                payable_only=True,
            ).lines
        }
        paid: dict[tuple[int, int, str, dt.date], int] = defaultdict(int)
        others = ~Q(run=run) if run is not None and run.pk else Q()
        stored = PayoutLine.objects.filter(
            Q(run=past, payable=True, correction_of__isnull=True)
            | (Q(correction_of=past.month) & others)
        )
        fields = ("person_id", "plan_id", "component", "period_start")
        for *key, total in paid_in_basis(stored, RestatedLine.objects.filter(run=past), fields):
            if mine(key[0], share):
                paid[tuple(key)] += to_cents(total)  # type: ignore[index]
        for key in now.keys() | paid.keys():
            difference = (now[key]["earnings_cents"] if key in now else 0) - paid.get(key, 0)
            if difference == 0:
                continue
            base = now.get(key) or {
                "measure": 0,
                "quota": None,
                "attainment_ppm": None,
                "target_incentive_cents": 0,
            }
            person_id, plan_id, component, period_start = key
            found.append(
                {
                    **base,
                    **NO_TRACE,
                    "person_id": person_id,
                    "plan_id": plan_id,
                    "component": component,
                    "period_start": period_start,
                    "period_end": base.get("period_end") or past.month,
                    "earnings_cents": difference,
                    "payable": True,
                    "correction_of": past.month,
                }
            )
    return found
