"""The weighted pipeline with win probabilities learned from the organisation's own
closed deals (``koers.engine.stage_probability``) beside the configured ones, per month
of expected close; overdue deals (still open after their expected close date) count in
the current month at their probability times the measured slip factor, and are listed
apart so nobody mistakes them for this month's plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.core.cache import cache
from django.db.models import BooleanField, Case, Count, Max, Min, Sum, Value, When
from django.db.models.functions import TruncMonth

from koers.engine import stage_probability
from koers.engine.periods import month_start
from koers.measure.memo import kept
from koers.sales.models import Opportunity, Stage, StageChange

CACHE_SECONDS = 3600
WON_ALL = 10_000  # a won deal passed every open stage


def open_stages() -> list[int]:
    """The open stages' ids: deals are filtered on these values, so the database reads
    the open deals by the stage index (filtered on the stage's kind through a join, it
    expects a handful and reads every deal ever made)."""
    return list(Stage.objects.filter(kind=Stage.Kind.OPEN).values_list("pk", flat=True))


def deals_version() -> str:
    """Changes whenever a deal is added, closed or moves a stage: the key of the learned
    probabilities and the win model in the cache. Counted once per version of the facts
    (every deal saved, deleted or imported raises it, being audited or refreshing facts):
    counting every deal took 55 ms of each view at scale 100."""
    return kept("deals_version", (), _counted, translated=False)


def _counted() -> str:
    row = Opportunity.objects.aggregate(n=Count("pk"), m=Max("pk"))
    still_open = Opportunity.objects.filter(stage_id__in=open_stages()).count()
    changes = StageChange.objects.aggregate(m=Max("pk"))["m"]
    return f"{row['n']}:{row['m']}:{changes}:{row['n'] - still_open}"


@dataclass
class Learned:
    table: pl.DataFrame
    slip: float
    closed: int
    won: int
    late: int
    late_won: int


def learned(version: str | None = None) -> Learned:
    """The learned probabilities and the slip factor, kept until a deal or stage changes
    (``version``: ``deals_version()``, when the caller asked already)."""
    key = f"koers:stageprob:{version or deals_version()}"
    value = cache.get(key)
    if value is None:
        value = _learn()
        cache.set(key, value, CACHE_SECONDS)
    return value


def _learn() -> Learned:
    stages = pl.DataFrame(
        [
            (s.process_id, s.pk, s.order, float(s.probability) / 100)
            for s in Stage.objects.filter(kind=Stage.Kind.OPEN)
        ],
        schema={
            "process_id": pl.Int64,
            "stage_id": pl.Int64,
            "order": pl.Int64,
            "configured": pl.Float64,
        },
        orient="row",
    )
    furthest = dict(
        StageChange.objects.filter(stage__kind=Stage.Kind.OPEN)
        .values("opportunity")
        .annotate(o=Max("stage__order"))
        .values_list("opportunity", "o")
    )
    first = dict(
        Stage.objects.filter(kind=Stage.Kind.OPEN)
        .values("process")
        .annotate(o=Min("order"))
        .values_list("process", "o")
    )
    rows = []
    late = late_won = won = 0
    deals = Opportunity.objects.exclude(stage__kind=Stage.Kind.OPEN).values_list(
        "pk",
        "stage__process",
        "stage__kind",
        "account__segment",
        "closed_on",
        "expected_close_date",
    )
    for pk, process, kind, segment, closed_on, expected in deals:
        is_won = kind == Stage.Kind.WON
        # a lost deal without an open stage in its history was in the first one
        reached = WON_ALL if is_won else furthest.get(pk, first.get(process, 0))
        rows.append((process, segment or "", reached, is_won))
        won += is_won
        if closed_on and expected and closed_on > expected:
            late += 1
            late_won += is_won
    closed = pl.DataFrame(
        rows,
        schema={
            "process_id": pl.Int64,
            "segment": pl.String,
            "reached_order": pl.Int64,
            "won": pl.Boolean,
        },
        orient="row",
    )
    return Learned(
        stage_probability.learn(closed, stages),
        stage_probability.slip_factor(late, late_won, len(rows), won),
        len(rows),
        won,
        late,
        late_won,
    )


@dataclass
class Month:
    month: dt.date
    count: int = 0
    amount: float = 0.0
    configured: float = 0.0
    learned: float = 0.0
    overdue_count: int = 0
    overdue_amount: float = 0.0


def weighted(people: Any, today: dt.date, model: Learned | None = None) -> list[Month]:
    """The open deals of ``people`` per month of expected close (overdue ones in this
    month), with their amount weighted by the configured and by the learned probability
    (``model``, the learned one when not given). The deals are counted and summed in the
    database per stage, segment and month; each group's amount is then weighted at once
    (a large organisation has hundreds of thousands of open deals)."""
    model = model or learned()
    this_month = month_start(today)
    months: dict[dt.date, Month] = {}
    groups = (
        Opportunity.objects.filter(owner__in=people.values("pk"), stage_id__in=open_stages())
        .annotate(
            month=TruncMonth("expected_close_date"),
            overdue=Case(
                When(expected_close_date__lt=today, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values_list(
            "stage__process", "stage", "stage__probability", "account__segment", "month", "overdue"
        )
        .annotate(deals=Count("pk"), total=Sum("reporting_amount"))
        .order_by()
    )
    probabilities: dict[tuple[int, int, str], float | None] = {}
    for process, stage, configured, segment, month, overdue, deals, total in groups:
        amount = float(total or 0)
        at = this_month if overdue else month
        entry = months.setdefault(at, Month(at))
        key = (process, stage, segment or "")
        if key not in probabilities:
            probabilities[key] = stage_probability.probability_of(
                model.table, process, stage, segment or None
            )
        probability = probabilities[key]
        if probability is None:
            probability = float(configured) / 100
        if overdue:
            probability *= model.slip
            entry.overdue_count += deals
            entry.overdue_amount += amount
        entry.count += deals
        entry.amount += amount
        entry.configured += amount * float(configured) / 100
        entry.learned += amount * min(probability, 1.0)
    return [months[m] for m in sorted(months)]


def stage_rows(model: Learned) -> list[dict[str, Any]]:
    """Each process's open stages: configured, observed and learned probability, with the
    number of closed deals that reached the stage; the segments below their stage."""
    stages = {s.pk: s for s in Stage.objects.filter(kind=Stage.Kind.OPEN).select_related("process")}
    rows = []
    for row in model.table.iter_rows(named=True):
        stage = stages.get(row["stage_id"])
        if stage is None:
            continue
        rows.append(
            {
                "process": stage.process,
                "stage": stage,
                "segment": row["segment"],
                "configured": float(stage.probability),
                "observed": None if row["observed"] is None else row["observed"] * 100,
                "learned": row["probability"] * 100,
                "reached": row["reached"],
                "won": row["won"],
            }
        )
    rows.sort(key=lambda r: (r["process"].pk, r["stage"].order, r["segment"] or ""))
    return rows
