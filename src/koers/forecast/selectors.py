"""Reading stored forecasts: what a user may see, a series' forecast from the latest fit,
a period's forecast to its end, and accuracy (of the snapshots against the actuals that
arrived, and of the latest backtest)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Sum
from django.utils.translation import gettext as _

from koers.engine import forecast as engine
from koers.engine import periods
from koers.engine.periods import add_months, month_start
from koers.forecast.models import ForecastRun, ForecastValue, ForecastWeight
from koers.forecast.series import history, series_history
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person
from koers.org.setup import fiscal_start_month


@dataclass(frozen=True)
class Scope:
    key: str  # "unit:7"
    name: str


def visible_scopes(user: Any) -> list[Scope]:
    """The series a user may open: their units (a salesperson: their own team's total),
    the people they see who carry a forecast, and, for the organisation-wide roles, the
    product groups."""
    from koers.forecast.series import SERIES_ROLES
    from koers.sales.models import ProductGroup

    # names read as values: thousands of people at scale, no model instance each
    units = vis.visible_units(user).order_by("path").values_list("pk", "name")
    scopes = [Scope(f"unit:{pk}", name) for pk, name in units]
    people = (
        vis.visible_people(user)
        .filter(role__in=SERIES_ROLES)
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", "first_name", "last_name")
    )
    scopes += [Scope(f"person:{pk}", f"{first} {last}") for pk, first, last in people]
    if vis.sees_everything(user):
        scopes += [
            Scope(f"group:{g.pk}", _("Product group %(name)s") % {"name": g.name})
            for g in ProductGroup.objects.order_by("name")
        ]
    return scopes


def may_see(user: Any, key: str) -> bool:
    kind, _sep, ident = key.partition(":")
    if not ident.isdigit():
        return False
    if kind == "unit":
        return vis.visible_units(user).filter(pk=int(ident)).exists()
    if kind == "person":
        return vis.visible_people(user).filter(pk=int(ident)).exists()
    return kind == "group" and vis.sees_everything(user)


def scope_key(obj: OrgUnit | Person) -> str:
    return f"{'unit' if isinstance(obj, OrgUnit) else 'person'}:{obj.pk}"


def latest(kind: str = ForecastRun.Kind.FIT) -> ForecastRun | None:
    return ForecastRun.objects.filter(kind=kind).order_by("-created_at", "-pk").first()


def series_forecast(run: ForecastRun, key: str, kpi: str) -> pl.DataFrame:
    """``month``, ``method``, ``value``, ``lo``, ``hi`` of one series in ``run``."""
    rows = ForecastValue.objects.filter(run=run, series=key, kpi=kpi).values_list(
        "month", "method", "value", "lo", "hi"
    )
    return pl.DataFrame(
        list(rows),
        schema={
            "month": pl.Date,
            "method": pl.String,
            "value": pl.Float64,
            "lo": pl.Float64,
            "hi": pl.Float64,
        },
        orient="row",
    ).sort("method", "month")


def series_weights(run: ForecastRun, key: str, kpi: str) -> list[ForecastWeight]:
    return list(ForecastWeight.objects.filter(run=run, series=key, kpi=kpi).order_by("-weight"))


def combined_between(key: str, kpi: str, first: dt.date, last: dt.date) -> float | None:
    """The latest fit's combined forecast summed over the months ``first``..``last``
    (None when there is no fit)."""
    run = latest()
    if run is None:
        return None
    rows = ForecastValue.objects.filter(
        run=run, series=key, kpi=kpi, method=engine.COMBINED, month__gte=first, month__lte=last
    ).values_list("value", flat=True)
    return float(sum(rows))


def combined_for(
    keys: list[str], kpi: str, month: dt.date, last: dt.date | None = None
) -> dict[str, float]:
    """The latest fit's combined forecast of ``month`` (to the month ``last``, summed) for
    each of ``keys``, in one query."""
    run = latest()
    if run is None:
        return {}
    rows = (
        ForecastValue.objects.filter(
            run=run,
            series__in=keys,
            kpi=kpi,
            method=engine.COMBINED,
            month__gte=month,
            month__lte=last or month,
        )
        .values("series")
        .annotate(v=Sum("value"))
        .values_list("series", "v")
    )
    return {series: float(value) for series, value in rows}


def to_period_end(
    key: str, kpi: str, first: dt.date, last: dt.date, today: dt.date, actual: float
) -> float | None:
    """Where the period ``first``..``last`` ends: ``actual`` (to ``today``) plus the
    combined forecast of the months after today's month; today's month counts at the
    larger of its actual so far and its forecast, which ``actual`` then already holds for
    the part sold. None without a stored fit."""
    run = latest()
    if run is None:
        return None
    this_month = month_start(today)
    rest = combined_between(key, kpi, add_months(this_month, 1), month_start(last))
    current = 0.0
    if first <= this_month <= last:
        forecast_now = combined_between(key, kpi, this_month, this_month) or 0.0
        so_far = _month_actual(key, kpi, this_month, today)
        current = max(forecast_now - so_far, 0.0)
    return actual + (rest or 0.0) + current


@dataclass(frozen=True)
class Pace:
    """The current month and year of one series: sold so far, the run rate to the period's
    end (what was sold per working day so far, times the period's working days:
    ``periods.pace``, the one pace every page shows) and the combined forecast
    to its end (sold so far plus the forecast of the rest)."""

    month_sold: float
    month_run_rate: float | None
    month_forecast: float | None
    year_sold: float
    year_run_rate: float | None
    year_forecast: float | None
    year: int


def pace(key: str, kpi: str, today: dt.date) -> Pace:

    from koers.engine.periods import fiscal_year_start

    this_month = month_start(today)
    next_month = add_months(this_month, 1)
    first = fiscal_year_start(today, fiscal_start_month())
    last = add_months(first, 12) - dt.timedelta(days=1)
    frame = series_history(key, kpi, first, next_month)
    month_sold = float(frame.filter(pl.col("period") == this_month)["value"].sum())
    year_sold = float(frame["value"].sum())
    month_last = next_month - dt.timedelta(days=1)
    return Pace(
        month_sold,
        periods.pace(month_sold, this_month, month_last, today),
        to_period_end(key, kpi, this_month, next_month - dt.timedelta(days=1), today, month_sold),
        year_sold,
        periods.pace(year_sold, first, last, today),
        to_period_end(key, kpi, first, last, today, year_sold),
        first.year,
    )


def _month_actual(key: str, kpi: str, month: dt.date, today: dt.date) -> float:
    row = series_history(key, kpi, month, add_months(month, 1))
    return float(row["value"].sum()) if row.height else 0.0


def snapshot_accuracy(
    today: dt.date,
    by: tuple[str, ...] = ("method",),
    kpi: str = "revenue",
    frame: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every snapshot's forecasts of whole months that have passed, against their actuals:
    ``engine.accuracy`` per ``by`` (of ``method``, ``series``, ``lead``: months between the
    snapshot and the month forecast). ``frame``: :func:`snapshot_forecasts` read before,
    for a page that groups them more than one way."""
    joined = snapshot_forecasts(today, kpi) if frame is None else frame
    return engine.accuracy(joined, by=by) if not joined.is_empty() else pl.DataFrame()


def snapshot_forecasts(today: dt.date, kpi: str = "revenue") -> pl.DataFrame:
    """Every snapshot's forecasts of whole months that have passed, each beside its
    actual and its lead (months between the snapshot and the month forecast)."""
    done = month_start(today)
    rows = list(
        ForecastValue.objects.filter(
            run__kind=ForecastRun.Kind.SNAPSHOT, kpi=kpi, month__lt=done
        ).values_list("run__as_of", "series", "method", "month", "value")
    )
    if not rows:
        return pl.DataFrame()
    frame = pl.DataFrame(
        rows,
        schema={
            "as_of": pl.Date,
            "series": pl.String,
            "method": pl.String,
            "period": pl.Date,
            "forecast": pl.Float64,
        },
        orient="row",
    )
    first = frame["period"].min()
    scopes = tuple({s.partition(":")[0] for s in frame["series"].unique().to_list()})
    actuals = history(kpi, first, done, scopes)  # type: ignore[arg-type]
    return frame.join(actuals, on=["series", "period"], how="left").with_columns(
        pl.col("value").fill_null(0.0).alias("actual"),
        (
            (pl.col("period").dt.year() - pl.col("as_of").dt.year()) * 12
            + pl.col("period").dt.month()
            - pl.col("as_of").dt.month()
            + 1
        ).alias("lead"),
    )


def backtest_accuracy(by: tuple[str, ...] = ("method",), kpi: str = "revenue") -> pl.DataFrame:
    run = latest(ForecastRun.Kind.BACKTEST)
    if run is None:
        return pl.DataFrame()
    rows = list(
        ForecastValue.objects.filter(run=run, kpi=kpi).values_list(
            "series", "method", "origin", "month", "value", "actual"
        )
    )
    frame = pl.DataFrame(
        rows,
        schema={
            "series": pl.String,
            "method": pl.String,
            "origin": pl.Date,
            "period": pl.Date,
            "forecast": pl.Float64,
            "actual": pl.Float64,
        },
        orient="row",
    )
    return engine.accuracy(frame, by=by)


def snapshot_count() -> int:
    return ForecastRun.objects.filter(kind=ForecastRun.Kind.SNAPSHOT).count()
