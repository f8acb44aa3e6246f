"""Time-series forecasts of monthly revenue and volume, and their combination.

Pure: no Django. The entry point is ``forecast(frame, *, horizon, season_length=12)``.
``frame`` has the columns ``series`` (text), ``period`` (date, the first of a month) and
``value`` (float); it returns a Polars frame with ``series``, ``period`` (the next
``horizon`` months after each series' last month), ``method``, ``value``, ``lo`` and ``hi``
(the 80% prediction interval): one row per series, month and method, the combination as
method ``combined``.

Methods (statsforecast's implementations):

* ``seasonal_naive``: each month as the same month a season earlier (the last value for a
  series of a season or less);
* ``ets``: exponential smoothing with additive errors, a damped additive trend and additive
  seasonality, ETS(A,Ad,A) (without seasonality for a short series);
* ``theta``: the dynamic optimised Theta method, with a multiplicative seasonal
  decomposition (additive when the series holds zeros or negative values);
* ``arima``: the "airline" seasonal ARIMA(0,1,1)(0,1,1)₁₂, ARIMA(0,1,1) for a series of a
  season or less;
* ``trend``: Holt's linear trend on the seasonally adjusted series (STL decomposition,
  the season carried forward: statsforecast's MSTL), Holt alone on a short series.

ETS and Theta need two whole seasons to see a season; seasonal naive and ARIMA use it once
a season and a month are there (a young organisation's history is short). Missing months inside
a series count as zero (no sales that month). A method that cannot be fitted on a series
falls back to the last value (naive), with its interval; an interval is widened to hold
its forecast where a library's misses it. When every value of a series is
zero or positive, no forecast or bound goes below zero.

Combination: each method is fitted again on the series without its last ``holdout``
months (the smaller of ``horizon`` and 12, when a season remains and the shorter series
still makes the same models, see ``holdout_of``) and scored on those months by sMAPE.
The weights are proportional to 1 / sMAPE² (a method that was exact gets the whole weight;
a series too short to hold out gets equal weights); the combined value and both bounds
are the weighted sums of the methods'. ``fit`` returns the weights and holdout errors
beside the forecasts.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from koers.engine.periods import add_months

METHODS = ("seasonal_naive", "ets", "theta", "arima", "trend")
COMBINED = "combined"
LEVEL = 80
MAX_HOLDOUT = 12
POWER = 2  # weights ∝ 1 / error ** POWER

Bounds = tuple[np.ndarray, np.ndarray, np.ndarray]  # mean, lo, hi
Row = tuple[str, dt.date, str, float, float, float]  # series, period, method, value, lo, hi
WeightRow = tuple[str, str, float | None, float]  # series, method, sMAPE, weight


def _models(length: int, season_length: int, positive: bool) -> dict[str, object]:
    """The methods for a series of ``length`` months: seasonal naive and ARIMA use the
    season once a whole season and a month are there, ETS and Theta once two are."""
    from statsforecast.models import (
        ARIMA,
        MSTL,
        AutoETS,
        DynamicOptimizedTheta,
        Holt,
        SeasonalNaive,
    )

    seen_one, seen_two = _seasons_seen(length, season_length)
    one = season_length if seen_one else 1
    two = season_length if seen_two else 1
    return {
        "seasonal_naive": SeasonalNaive(season_length=one),
        "ets": AutoETS(season_length=two, model="AAA" if two > 1 else "AAN", damped=True),
        "theta": DynamicOptimizedTheta(
            season_length=two,
            decomposition_type="multiplicative" if positive else "additive",
        ),
        "arima": ARIMA(
            order=(0, 1, 1),
            seasonal_order=(0, 1, 1) if one > 1 else (0, 0, 0),
            season_length=one,
        ),
        "trend": MSTL(season_length=two, trend_forecaster=Holt()) if two > 1 else Holt(),
    }


def _naive(y: np.ndarray, horizon: int) -> Bounds:
    from statsforecast.models import Naive

    out = Naive().forecast(y=y, h=horizon, level=[LEVEL])
    return out["mean"], out[f"lo-{LEVEL}"], out[f"hi-{LEVEL}"]


def _one(model: object, y: np.ndarray, horizon: int) -> Bounds:
    """One method on one series: mean and 80% bounds; naive when it cannot be fitted or
    gives something that is not a number."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = model.forecast(y=y, h=horizon, level=[LEVEL])  # type: ignore[attr-defined]
        mean, lo, hi = (
            np.asarray(out[key], dtype=float) for key in ("mean", f"lo-{LEVEL}", f"hi-{LEVEL}")
        )
        if np.all(np.isfinite(mean)) and np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)):
            # an interval always holds its forecast (Theta's can miss it on a perfect line)
            return mean, np.minimum(lo, mean), np.maximum(hi, mean)
    except Exception:  # noqa: BLE001 - a fit that fails on odd data falls back to naive
        pass
    return _naive(y, horizon)


def methods_on(y: np.ndarray, horizon: int, season_length: int = 12) -> dict[str, Bounds]:
    """Every method's forecast of ``y`` (a float array, oldest first) for ``horizon``
    months: method → (mean, lo, hi)."""
    positive = bool(len(y)) and bool(np.all(y > 0))
    if len(y) < 3:  # too little to fit anything: the last value, or zero
        y = y if len(y) else np.zeros(1)
        out = dict.fromkeys(METHODS, _naive(y, horizon))
    else:
        models = _models(len(y), season_length, positive)
        out = {name: _one(model, y, horizon) for name, model in models.items()}
    if bool(np.all(y >= 0)):
        out = {
            k: (np.maximum(mean, 0.0), np.maximum(lo, 0.0), np.maximum(hi, 0.0))
            for k, (mean, lo, hi) in out.items()
        }
    return out


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric mean absolute percentage error, 0–200; a month where both are zero counts
    as exact."""
    denominator = np.abs(actual) + np.abs(forecast)
    terms = np.where(
        denominator == 0,
        0.0,
        200 * np.abs(actual - forecast) / np.where(denominator == 0, 1, denominator),
    )
    return float(np.mean(terms)) if len(terms) else 0.0


def _seasons_seen(length: int, season_length: int) -> tuple[bool, bool]:
    """Whether a series of ``length`` months is long enough for the one-season methods and
    for the two-season ones (see ``_models``)."""
    return length > season_length, length >= 2 * season_length


def holdout_of(length: int, horizon: int, season_length: int = 12) -> int:
    """The months held out to weigh the methods of a series of ``length`` months: the
    smaller of ``horizon`` and 12, when the months left still make the same methods as the
    whole series (a method that sees no season on the shorter series would be judged on
    another model than the one that forecasts) and at least a season; else 0 (too short:
    equal weights)."""
    holdout = min(horizon, MAX_HOLDOUT)
    left = length - holdout
    if left < season_length or left < 3:
        return 0
    if _seasons_seen(left, season_length) != _seasons_seen(length, season_length):
        return 0
    return holdout


def weights_for(errors: dict[str, float]) -> dict[str, float]:
    """Weights proportional to 1 / error²; an exact method takes the whole weight."""
    exact = [m for m, e in errors.items() if e <= 1e-9]
    if exact:
        return {m: (1 / len(exact) if m in exact else 0.0) for m in errors}
    inverse = {m: 1 / e**POWER for m, e in errors.items()}
    total = sum(inverse.values())
    return {m: v / total for m, v in inverse.items()}


@dataclass(frozen=True)
class Fit:
    """A forecast run: the forecasts (as ``forecast`` returns them) and, per series and
    method, the holdout sMAPE and the method's weight in the combination."""

    forecasts: pl.DataFrame
    weights: pl.DataFrame


def _months_after(last: dt.date, horizon: int) -> list[dt.date]:
    return [add_months(last, k) for k in range(1, horizon + 1)]


def _series(frame: pl.DataFrame) -> Iterable[tuple[str, list[dt.date], np.ndarray]]:
    """Each series as its months (first to last, gaps filled with zero) and values."""
    if frame.is_empty():
        return
    frame = frame.group_by("series", "period").agg(pl.col("value").sum()).sort("series", "period")
    for (name,), part in frame.group_by("series", maintain_order=True):
        periods = part["period"].to_list()
        first, last = periods[0], periods[-1]
        span = (last.year - first.year) * 12 + last.month - first.month + 1
        months = [first, *_months_after(first, span - 1)]
        values = dict(zip(periods, part["value"].fill_null(0).to_list(), strict=True))
        yield str(name), months, np.array([float(values.get(m, 0.0)) for m in months])


def _check(frame: pl.DataFrame, horizon: int) -> None:
    missing = {"series", "period", "value"} - set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks columns: {', '.join(sorted(missing))}")
    if horizon < 1:
        raise ValueError("horizon must be at least one month")
    if not frame.is_empty() and frame.filter(pl.col("period").dt.day() != 1).height:
        raise ValueError("periods are the first day of a month")


def _fit_one(
    name: str, months: list[dt.date], y: np.ndarray, horizon: int, season_length: int
) -> tuple[list[Row], list[WeightRow]]:
    """One series: every method's rows, the combination's, and the weights."""
    ahead = _months_after(months[-1], horizon)
    forecasts = methods_on(y, horizon, season_length)
    holdout = holdout_of(len(y), horizon, season_length)
    if holdout:
        past = methods_on(y[:-holdout], holdout, season_length)
        errors = {m: smape(y[-holdout:], past[m][0]) for m in METHODS}
        weights = weights_for(errors)
    else:
        errors = dict.fromkeys(METHODS, math.nan)
        weights = dict.fromkeys(METHODS, 1 / len(METHODS))
    rows: list[Row] = []
    weight_rows: list[WeightRow] = []
    for method in METHODS:
        mean, lo, hi = forecasts[method]
        rows += [
            (name, month, method, float(v), float(low), float(high))
            for month, v, low, high in zip(ahead, mean, lo, hi, strict=True)
        ]
        error = errors[method]
        weight_rows.append((name, method, None if math.isnan(error) else error, weights[method]))
    blend = [
        np.sum([weights[m] * forecasts[m][part] for m in METHODS], axis=0) for part in range(3)
    ]
    rows += [
        (name, month, COMBINED, float(v), float(low), float(high))
        for month, v, low, high in zip(ahead, *blend, strict=True)
    ]
    return rows, weight_rows


def _fit_chunk(
    chunk: list[tuple[str, list[dt.date], np.ndarray]], horizon: int, season_length: int
) -> tuple[list[Row], list[WeightRow]]:
    rows: list[Row] = []
    weight_rows: list[WeightRow] = []
    for name, months, y in chunk:
        more, more_weights = _fit_one(name, months, y, horizon, season_length)
        rows += more
        weight_rows += more_weights
    return rows, weight_rows


_COMPILED: set[tuple[int, int]] = set()


def _compile_once(horizon: int, season_length: int) -> None:
    """Fit one small series in this process before its workers are forked, so they start
    with the methods' compiled code (numba) instead of each compiling it again: the
    scale-10 demo's unit backtest took 19 s with cold workers, 11 s with warm ones."""
    if (horizon, season_length) in _COMPILED:
        return
    # a series long enough for every method, one for the one-season ones, a short one
    for months in (2 * season_length + horizon + 1, season_length + 2, 6):
        y = 100.0 + 10.0 * np.sin(np.arange(months) * 2 * math.pi / season_length)
        start = dt.date(2000, 1, 1)
        _fit_one("warm-up", [start, *_months_after(start, months - 1)], y, horizon, season_length)
    _COMPILED.add((horizon, season_length))


def fit(frame: pl.DataFrame, *, horizon: int, season_length: int = 12, n_jobs: int = 1) -> Fit:
    """Every method and their combination on every series (see the module's text); with
    ``n_jobs`` > 1 the series are shared among that many processes."""
    _check(frame, horizon)
    series = list(_series(frame))
    rows: list[Row] = []
    weight_rows: list[WeightRow] = []
    if n_jobs > 1 and len(series) > n_jobs:
        from concurrent.futures import ProcessPoolExecutor

        _compile_once(horizon, season_length)
        chunks = [series[i::n_jobs] for i in range(n_jobs)]
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            done = pool.map(_fit_chunk, chunks, [horizon] * n_jobs, [season_length] * n_jobs)
            for more, more_weights in done:
                rows += more
                weight_rows += more_weights
    else:
        rows, weight_rows = _fit_chunk(series, horizon, season_length)
    frame_out = pl.DataFrame(
        rows,
        schema={
            "series": pl.String,
            "period": pl.Date,
            "method": pl.String,
            "value": pl.Float64,
            "lo": pl.Float64,
            "hi": pl.Float64,
        },
        orient="row",
    )
    weight_frame = pl.DataFrame(
        weight_rows,
        schema={
            "series": pl.String,
            "method": pl.String,
            "smape": pl.Float64,
            "weight": pl.Float64,
        },
        orient="row",
    )
    return Fit(frame_out, weight_frame)


def forecast(frame: pl.DataFrame, *, horizon: int, season_length: int = 12) -> pl.DataFrame:
    """The forecasts of every method and the combination (see the module's text)."""
    return fit(frame, horizon=horizon, season_length=season_length).forecasts


def backtest(
    frame: pl.DataFrame,
    *,
    horizon: int,
    origins: Sequence[dt.date] | int = 3,
    season_length: int = 12,
    n_jobs: int = 1,
) -> pl.DataFrame:
    """Rolling-origin backtest: at each origin (a month; or the last ``origins`` months
    that leave ``horizon`` months of actuals), every method is fitted on the months before
    the origin only and compared with what followed. Returns ``origin``, ``series``,
    ``period``, ``method``, ``forecast`` and ``actual``; ``n_jobs`` as for ``fit``."""
    _check(frame, horizon)
    if frame.is_empty():
        return _backtest_frame([])
    if isinstance(origins, int):
        last = frame["period"].max()
        assert isinstance(last, dt.date)
        origins = sorted({add_months(last, -(horizon - 1) - k) for k in range(origins)})
    rows: list[tuple[dt.date, str, dt.date, str, float, float]] = []
    for origin in origins:
        before = frame.filter(pl.col("period") < origin)
        after = frame.filter(
            (pl.col("period") >= origin) & (pl.col("period") < add_months(origin, horizon))
        )
        actuals = {
            (s, p): v
            for s, p, v in after.group_by("series", "period").agg(pl.col("value").sum()).iter_rows()
        }
        if before.is_empty():
            continue
        # every series forecast from the origin itself, also one whose last sale was earlier
        predicted = fit(
            pad_to(before, add_months(origin, -1)),
            horizon=horizon,
            season_length=season_length,
            n_jobs=n_jobs,
        ).forecasts
        for series, period, method, value, _lo, _hi in predicted.iter_rows():
            rows.append(
                (origin, series, period, method, value, float(actuals.get((series, period), 0.0)))
            )
    return _backtest_frame(rows)


def _backtest_frame(rows: list[tuple[dt.date, str, dt.date, str, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "origin": pl.Date,
            "series": pl.String,
            "period": pl.Date,
            "method": pl.String,
            "forecast": pl.Float64,
            "actual": pl.Float64,
        },
        orient="row",
    )


def pad_to(frame: pl.DataFrame, last: dt.date) -> pl.DataFrame:
    """Each series extended with zero months up to ``last`` (no sales is a zero)."""
    ends = frame.group_by("series").agg(pl.col("period").max().alias("end"))
    pads = [(series, last, 0.0) for series, end in ends.iter_rows() if end < last]
    if not pads:
        return frame
    extra = pl.DataFrame(
        pads, schema={"series": pl.String, "period": pl.Date, "value": pl.Float64}, orient="row"
    )
    return pl.concat([frame.select("series", "period", "value"), extra], how="vertical_relaxed")


def accuracy(frame: pl.DataFrame, by: Sequence[str] = ("method",)) -> pl.DataFrame:
    """Accuracy of ``forecast`` against ``actual`` per group ``by``, in percent: MAPE
    (months with an actual of zero left out), bias (Σ forecast − Σ actual, as a share of Σ
    actual; none when Σ actual is zero), the share of months within ±5% and ±10% of the
    actual, sMAPE, and the number of months."""
    error = pl.col("forecast") - pl.col("actual")
    nonzero = pl.col("actual") != 0
    relative = (error / pl.col("actual")).abs()
    return (
        frame.group_by(list(by))
        .agg(
            (relative.filter(nonzero).mean() * 100).alias("mape"),
            pl.when(pl.col("actual").sum() != 0)
            .then((pl.col("forecast").sum() - pl.col("actual").sum()) / pl.col("actual").sum())
            .mul(100)
            .alias("bias"),
            ((relative <= 0.05) & nonzero).mean().mul(100).alias("within_5"),
            ((relative <= 0.10) & nonzero).mean().mul(100).alias("within_10"),
            (
                pl.when((pl.col("actual").abs() + pl.col("forecast").abs()) == 0)
                .then(0.0)
                .otherwise(200 * error.abs() / (pl.col("actual").abs() + pl.col("forecast").abs()))
                .mean()
                .alias("smape")
            ),
            pl.len().alias("months"),
        )
        .sort(list(by))
    )
