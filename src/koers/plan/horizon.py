"""The revenue of the months ahead as Plan reads it: each month from the best source it has,
and which one it was.

1. **target**: the targets set (approved) for the month, the group's own where a unit has
   one (``selectors.monthly_group_targets``);
2. **round**: a month of a year whose round is still open takes the people's numbers in that
   round (agreed, else their own bottom-up number, else the top-down proposal), spread over
   the year by the organisation's seasonality as approval would spread them;
3. **forecast**: the latest fit's combined forecast of the scope;
4. **last_year**: the scope's revenue of the same month a year earlier.

On 4 December the next twelve months are December (targets set), January to November of
next year (the open round's proposals) — never a year of zeros because next year is not
approved yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from koers.engine.periods import add_months, month_end
from koers.plan.models import TargetRound
from koers.plan.selectors import monthly_group_targets

SOURCES = {
    "target": _("target set"),
    "round": _("open round"),
    "forecast": _("forecast"),
    "last_year": _("last year"),
    "none": _("no target"),
}
PLANNED = ("target", "round")  # the sources that are a target: set, or being set


@dataclass(frozen=True)
class MonthPlan:
    month: dt.date
    value: float
    source: str  # a key of SOURCES

    @property
    def source_label(self) -> str:
        return str(SOURCES[self.source])


def _round_months(people: Any, months: list[dt.date], today: dt.date) -> dict[dt.date, float]:
    """Month → the scope's numbers in the open revenue rounds of the years ``months`` fall
    in (each person's number once: the latest round that holds them)."""
    from koers.org.setup import fiscal_start_month
    from koers.plan.services import season_of, year_start

    start_month = fiscal_start_month()
    years = sorted(
        {m.year if m.month >= start_month else m.year - 1 for m in months}
    )  # fiscal years, named by the calendar year they start in
    rounds = TargetRound.objects.filter(
        kpi="revenue",
        product_group=None,
        year__in=years,
        status__in=[TargetRound.Status.DRAFT, TargetRound.Status.OPEN],
    ).order_by("year", "-version", "-pk")
    ids = set(people.values_list("pk", flat=True))
    out: dict[dt.date, float] = {}
    for year in years:
        numbers: dict[int, Decimal] = {}
        for target_round in (r for r in rounds if r.year == year):
            for proposal in target_round.proposals.all():
                if proposal.person_id in ids and proposal.person_id not in numbers:
                    numbers[proposal.person_id] = proposal.standing
        if not numbers:
            continue
        first = year_start(year)
        season = season_of("revenue", first, today)
        total = float(sum(numbers.values(), Decimal(0)))
        for index, weight in enumerate(season):
            out[add_months(first, index)] = total * weight / sum(season)
    return out


def revenue_months(
    people: Any,
    unit: Any,
    first: dt.date,
    today: dt.date,
    count: int = 12,
    *,
    fallback: bool = True,
) -> list[MonthPlan]:
    """The revenue of ``count`` months from ``first`` for the group ``people`` (the unit
    ``unit`` when it is one), each month from its best source; without ``fallback`` only
    targets (set or in an open round), other months 0 with the source "none"."""
    import polars as pl

    from koers.engine.forecast import COMBINED
    from koers.forecast.selectors import latest, series_forecast
    from koers.measure import selectors as msel

    months = [add_months(first, i) for i in range(count)]
    last = month_end(months[-1])
    found: dict[dt.date, MonthPlan] = {}
    targets = monthly_group_targets(people, unit, first, last, ["revenue"]).get("revenue", {})
    for month, value in targets.items():
        found[month] = MonthPlan(month, float(value), "target")
    missing = [m for m in months if m not in found]
    if missing:
        for month, value in _round_months(people, missing, today).items():
            if month in missing:
                found[month] = MonthPlan(month, value, "round")
    missing = [m for m in months if m not in found]
    if not fallback:
        return [found.get(m) or MonthPlan(m, 0.0, "none") for m in months]
    key = _forecast_key(people, unit) if missing else None
    run = latest() if key is not None else None
    if run is not None:  # the latest fit's combined forecast, all months in one read
        frame = series_forecast(run, key, "revenue").filter(pl.col("method") == COMBINED)
        for month, value in frame.select("month", "value").iter_rows():
            if month in missing:
                found[month] = MonthPlan(month, max(value, 0.0), "forecast")
    missing = [m for m in months if m not in found]
    if missing:
        trend = dict(msel.kpi_trend(people, "revenue", add_months(first, -12), first))
        for month in missing:
            found[month] = MonthPlan(
                month, float(trend.get(add_months(month, -12)) or 0), "last_year"
            )
    return [found[m] for m in months]


def _forecast_key(people: Any, unit: Any) -> str | None:
    """The forecast series of the group: the unit's, or the one person's."""
    from koers.forecast.selectors import scope_key

    if unit is not None:
        return scope_key(unit)
    only = list(people.values_list("pk", flat=True)[:2])
    if len(only) == 1:
        from koers.org.models import Person

        return scope_key(Person(pk=only[0]))
    return None


def sources_in_words(plan: list[MonthPlan]) -> str:
    """Which months came from where, e.g. "target set: Dec 2026 · open round: Jan–Nov 2027"."""
    from django.utils.formats import date_format

    parts = []
    for source in SOURCES:
        months = [p.month for p in plan if p.source == source]
        if not months:
            continue
        first = date_format(months[0], "YEAR_MONTH_FORMAT")
        span = (
            first
            if len(months) == 1
            else f"{first} – {date_format(months[-1], 'YEAR_MONTH_FORMAT')}"
        )
        parts.append(f"{SOURCES[source]}: {span}")
    return " · ".join(parts)
