"""Making forecasts and keeping them: the nightly fit (what the pages show), snapshots
frozen weekly and at each month start (whose accuracy is measured as the actuals arrive)
and rolling-origin backtests. Each reads the KPI facts through ``series.history`` and the
statistics through ``koers.engine.forecast``; each writes one run in one transaction.

A forecast made on a day sees only the months before the current one (a month still
running is not a whole month yet) and forecasts from the current month on.
"""

from __future__ import annotations

import datetime as dt
import time

import polars as pl
from django.conf import settings
from django.db import models, transaction

from koers.core.bulk import bulk_insert
from koers.engine import forecast as engine
from koers.engine.periods import add_months, month_start
from koers.forecast.models import ForecastRun, ForecastValue, ForecastWeight
from koers.forecast.series import KPIS, history

YEARS_OF_HISTORY = 5


def horizon() -> int:
    return int(getattr(settings, "KOERS_FORECAST_HORIZON", 12))


def _history(kpi: str, before: dt.date, scopes: tuple[str, ...]) -> pl.DataFrame:
    return history(kpi, add_months(before, -12 * YEARS_OF_HISTORY), before, scopes)


def _store(model: type[models.Model], run: ForecastRun, kpi: str, frame: pl.DataFrame) -> int:
    """Write ``frame`` (the model's columns) as ``run``'s rows of ``kpi`` in one bulk write
    (``COPY`` on PostgreSQL): the scale-100 demo writes 1.3 million forecast values, which
    took a minute as model objects."""
    return bulk_insert(
        model._meta.db_table,
        frame.with_columns(
            pl.lit(run.pk, dtype=pl.Int64).alias("run_id"), pl.lit(kpi).alias("kpi")
        ),
    )


@transaction.atomic
def fit(
    *,
    today: dt.date,
    kind: str = ForecastRun.Kind.FIT,
    scopes: tuple[str, ...] = ("unit", "person", "group"),
    n_jobs: int = 1,
) -> ForecastRun:
    """Fit every series of every KPI from the months before ``today``'s month and store
    the forecasts of the next ``horizon()`` months. A snapshot is the same, kept."""
    started = time.perf_counter()
    as_of = month_start(today)
    if kind == ForecastRun.Kind.FIT:
        settle_calls(today)
    run = ForecastRun.objects.create(kind=kind, as_of=as_of, horizon=horizon())
    count = 0
    for kpi in KPIS:
        frame = _history(kpi, as_of, scopes)
        if frame.is_empty():
            continue
        # every series forecast from this month, also one that sold nothing lately
        frame = engine.pad_to(frame, add_months(as_of, -1))
        result = engine.fit(frame, horizon=run.horizon, n_jobs=n_jobs)
        _store(ForecastValue, run, kpi, result.forecasts.rename({"period": "month"}))
        _store(ForecastWeight, run, kpi, result.weights)
        count += result.weights["series"].n_unique()
    run.series, run.seconds = count, round(time.perf_counter() - started, 2)
    run.save(update_fields=["series", "seconds"])
    if kind == ForecastRun.Kind.FIT:  # only the latest fit is kept; snapshots stay
        ForecastRun.objects.filter(kind=ForecastRun.Kind.FIT).exclude(pk=run.pk).delete()
    return run


def settle_calls(today: dt.date) -> bool:
    """Once a month has closed, its calls are measured: refresh the KPI facts of the last
    closed month when it holds calls and no forecast accuracy yet (the nightly fit does
    this first). Returns whether it refreshed."""
    from koers.forecast.models import ForecastCall
    from koers.measure.models import KpiFact
    from koers.measure.services import kpi_facts_refresh

    last = add_months(month_start(today), -1)
    if not ForecastCall.objects.filter(month=last).exists():
        return False
    if KpiFact.objects.filter(kpi="forecast_accuracy", month=last).exists():
        return False
    kpi_facts_refresh(start=last, end=add_months(last, 1) - dt.timedelta(days=1))
    return True


def snapshot(
    *, today: dt.date, scopes: tuple[str, ...] = ("unit", "person", "group"), n_jobs: int = 1
) -> ForecastRun:
    """Freeze the forecast as it stands today (weekly and at each month start)."""
    return fit(today=today, kind=ForecastRun.Kind.SNAPSHOT, scopes=scopes, n_jobs=n_jobs)


@transaction.atomic
def backtest(
    *,
    today: dt.date,
    origins: int = 6,
    months_ahead: int = 3,
    scopes: tuple[str, ...] = ("unit", "group"),
    n_jobs: int = 1,
) -> ForecastRun:
    """A rolling-origin backtest: from each of the last ``origins`` month starts that have
    ``months_ahead`` whole months of actuals after them, every method forecasts from the
    months before it only, and is compared with what followed (the series shared among
    ``n_jobs`` processes)."""
    started = time.perf_counter()
    before = month_start(today)
    last = add_months(before, -months_ahead)
    starts = [add_months(last, -k) for k in range(origins)][::-1]
    run = ForecastRun.objects.create(
        kind=ForecastRun.Kind.BACKTEST, as_of=starts[0], horizon=months_ahead
    )
    count = 0
    for kpi in KPIS:
        frame = _history(kpi, before, scopes)
        if frame.is_empty():
            continue
        result = engine.backtest(frame, horizon=months_ahead, origins=starts, n_jobs=n_jobs)
        _store(
            ForecastValue,
            run,
            kpi,
            result.rename({"period": "month", "forecast": "value"}),
        )
        count += result["series"].n_unique()
    run.series, run.seconds = count, round(time.perf_counter() - started, 2)
    run.save(update_fields=["series", "seconds"])
    ForecastRun.objects.filter(kind=ForecastRun.Kind.BACKTEST).exclude(pk=run.pk).delete()
    return run
