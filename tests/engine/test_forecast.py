"""The forecast engine: each method against hand-computed values or the library's own
output on its documented example (AirPassengers), the combination's weights, short series,
zeros and gaps, the rolling-origin backtest without leaks, and the accuracy figures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from koers.engine import forecast as fc
from koers.engine.periods import add_months


def _frame(values, series="s", start=dt.date(2020, 1, 1)) -> pl.DataFrame:
    months = [add_months(start, i) for i in range(len(values))]
    return pl.DataFrame(
        {"series": [series] * len(values), "period": months, "value": [float(v) for v in values]}
    )


def _method(result: pl.DataFrame, method: str, series: str = "s") -> list[float]:
    part = result.filter((pl.col("method") == method) & (pl.col("series") == series))
    return part.sort("period")["value"].to_list()


SEASON = [10, 12, 15, 20, 30, 40, 45, 40, 30, 20, 15, 12]


def test_the_output_has_one_row_per_series_month_and_method():
    frame = pl.concat([_frame(SEASON * 3, "a"), _frame(range(1, 30), "b")])
    result = fc.forecast(frame, horizon=4)
    assert result.columns == ["series", "period", "method", "value", "lo", "hi"]
    assert result.height == 2 * 4 * (len(fc.METHODS) + 1)
    assert set(result["method"]) == {*fc.METHODS, "combined"}
    # the months after each series' own last month
    assert sorted(set(result.filter(pl.col("series") == "a")["period"])) == [
        dt.date(2023, 1, 1),
        dt.date(2023, 2, 1),
        dt.date(2023, 3, 1),
        dt.date(2023, 4, 1),
    ]
    assert (result["lo"] <= result["value"] + 1e-9).all()
    assert (result["value"] <= result["hi"] + 1e-9).all()


def test_seasonal_naive_by_hand_and_a_repeating_season_takes_the_whole_weight():
    fit = fc.fit(_frame(SEASON * 3), horizon=12)
    assert _method(fit.forecasts, "seasonal_naive") == [float(v) for v in SEASON]
    # the season repeats exactly: seasonal naive (and the airline ARIMA and the trend on
    # the seasonally adjusted series) were exact on the holdout and share the whole weight
    weights = dict(fit.weights.select("method", "weight").iter_rows())
    assert weights["seasonal_naive"] > 0
    assert sum(w for m, w in weights.items() if m in ("seasonal_naive", "arima", "trend")) == 1
    assert _method(fit.forecasts, "combined") == pytest.approx(SEASON)


def test_the_trend_continues_a_straight_line():
    line = [100 + 5 * t for t in range(30)]
    result = fc.forecast(_frame(line), horizon=3)
    assert _method(result, "trend") == pytest.approx([250, 255, 260], abs=0.5)


def test_each_library_method_as_the_library_documents_it():
    """statsforecast's models on AirPassengers (its documented example), called directly,
    give what the engine gives."""
    from statsforecast.models import ARIMA, MSTL, AutoETS, DynamicOptimizedTheta, Holt

    y = np.array(
        [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135,
         125, 149, 170, 170, 158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199,
         184, 162, 146, 166, 171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194],
        dtype=float,
    )  # fmt: skip
    ours = fc.methods_on(y, 12)
    reference = {
        "ets": AutoETS(season_length=12, model="AAA", damped=True),
        "theta": DynamicOptimizedTheta(season_length=12),
        "arima": ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1), season_length=12),
        "trend": MSTL(season_length=12, trend_forecaster=Holt()),
    }
    for name, model in reference.items():
        expected = model.forecast(y=y, h=12, level=[80])
        assert ours[name][0] == pytest.approx(np.asarray(expected["mean"])), name
        assert ours[name][1] == pytest.approx(np.asarray(expected["lo-80"])), name
    # the seasonal methods carry the summer peak of the last year into the next
    for name in ("ets", "arima", "seasonal_naive"):
        peak = int(np.argmax(ours[name][0]))
        assert peak in (6, 7), name


def test_short_series_zeros_and_gaps_do_not_fail():
    frame = pl.concat(
        [
            _frame([5], "one"),
            _frame([3, 4, 6, 5, 7], "short"),
            _frame([0] * 30, "zeros"),
            # a gap: February and March missing count as no sales
            pl.DataFrame(
                {
                    "series": ["gap"] * 3,
                    "period": [dt.date(2024, 1, 1), dt.date(2024, 4, 1), dt.date(2024, 5, 1)],
                    "value": [10.0, 12.0, 11.0],
                }
            ),
        ]
    )
    result = fc.forecast(frame, horizon=6)
    assert result.filter(pl.col("value").is_nan() | pl.col("lo").is_nan()).is_empty()
    assert _method(result, "combined", "one") == [5.0] * 6
    assert _method(result, "combined", "zeros") == [0.0] * 6
    assert (result["lo"] >= 0).all()  # sales that were never negative are not forecast so
    assert min(result.filter(pl.col("series") == "gap")["period"]) == dt.date(2024, 6, 1)
    assert fc.forecast(frame.head(0), horizon=3).is_empty()


def test_bad_frames_are_refused():
    with pytest.raises(ValueError, match="columns"):
        fc.forecast(pl.DataFrame({"series": ["a"]}), horizon=2)
    with pytest.raises(ValueError, match="horizon"):
        fc.forecast(_frame([1, 2, 3]), horizon=0)
    with pytest.raises(ValueError, match="first day"):
        fc.forecast(
            _frame([1, 2]).with_columns(pl.lit(dt.date(2020, 1, 5)).alias("period")), horizon=1
        )


def test_weights_follow_the_holdout_errors():
    assert fc.weights_for({"a": 10.0, "b": 20.0}) == pytest.approx({"a": 0.8, "b": 0.2})
    assert fc.weights_for({"a": 0.0, "b": 5.0}) == {"a": 1.0, "b": 0.0}
    assert fc.holdout_of(36, 18) == 12
    assert fc.holdout_of(20, 6) == 6  # a short series: 12 months stay for the fit
    assert fc.holdout_of(15, 6) == 0


def test_the_combination_beats_each_method_on_a_mix_of_series():
    """Seasonal, trending, flat-and-noisy and changing series: a different method is best
    on each kind, the combination is best over all (as on M1, see docs/benchmarks.md)."""
    rng = np.random.default_rng(7)
    t = np.arange(60)
    kinds = {
        "seasonal": lambda: 300 + 80 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 10, 60),
        "trend": lambda: 100 + 6 * t + rng.normal(0, 8, 60),
        "flat": lambda: 500 + rng.normal(0, 40, 60),
        "both": lambda: 200 + 3 * t + 50 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 15, 60),
    }
    frames, actual = [], {}
    for k in range(6):
        for kind, make in kinds.items():
            level = make()
            frames.append(_frame(level[:48], f"{kind}{k}"))
            actual[f"{kind}{k}"] = level[48:]
    result = fc.forecast(pl.concat(frames), horizon=12)
    scores = {
        method: np.mean([fc.smape(actual[s], np.array(_method(result, method, s))) for s in actual])
        for method in (*fc.METHODS, "combined")
    }
    assert scores["combined"] < min(v for k, v in scores.items() if k != "combined")


def test_a_backtest_never_sees_the_future():
    """A spike planted after the origin changes nothing the backtest forecast from it."""
    base = [100 + (t % 12) * 3 for t in range(40)]
    spiked = list(base)
    spiked[36] = 100_000  # month 37: after the origin below
    origin = dt.date(2023, 1, 1)  # month index 36
    plain = fc.backtest(_frame(base), horizon=4, origins=[origin])
    planted = fc.backtest(_frame(spiked), horizon=4, origins=[origin])
    assert plain["forecast"].to_list() == planted["forecast"].to_list()
    # the actuals do show it
    assert planted.filter(pl.col("period") == origin)["actual"].unique().to_list() == [100_000]


def test_a_rolling_origin_backtest_covers_the_last_origins():
    result = fc.backtest(_frame(SEASON * 3), horizon=3, origins=2)
    assert sorted(set(result["origin"])) == [dt.date(2022, 9, 1), dt.date(2022, 10, 1)]
    assert result.filter(pl.col("method") == "seasonal_naive")["forecast"].to_list() == (
        result.filter(pl.col("method") == "seasonal_naive")["actual"].to_list()
    )


def test_shared_among_processes_the_results_are_the_same():
    """Fit and backtest with the series shared among worker processes (their methods
    compiled once in this process first) give exactly what one process gives."""
    frame = pl.concat(
        [
            _frame(SEASON * 3, "a"),
            _frame(range(1, 30), "b"),
            _frame([5, 0, 7, 3, 0, 9], "c"),
            _frame(SEASON + [25, 18], "d"),
        ]
    )
    key = ["series", "period", "method"]
    alone, shared = fc.fit(frame, horizon=4), fc.fit(frame, horizon=4, n_jobs=2)
    assert alone.forecasts.sort(key).equals(shared.forecasts.sort(key))
    assert alone.weights.sort("series", "method").equals(shared.weights.sort("series", "method"))
    origins = [dt.date(2022, 6, 1), dt.date(2022, 9, 1)]
    order = ["origin", *key]
    assert (
        fc.backtest(frame, horizon=3, origins=origins)
        .sort(order)
        .equals(fc.backtest(frame, horizon=3, origins=origins, n_jobs=2).sort(order))
    )


def test_accuracy_by_hand():
    frame = pl.DataFrame(
        {
            "method": ["m"] * 4,
            "forecast": [104.0, 90.0, 50.0, 10.0],
            "actual": [100.0, 100.0, 50.0, 0.0],
        }
    )
    row = fc.accuracy(frame).row(0, named=True)
    # relative errors 4%, 10%, 0% (the zero actual is left out of MAPE)
    assert row["mape"] == pytest.approx(14 / 3)
    assert row["bias"] == pytest.approx((254 - 250) / 250 * 100)
    assert row["within_5"] == pytest.approx(50.0)  # 2 of 4 months
    assert row["within_10"] == pytest.approx(75.0)
    assert row["months"] == 4
    empty = pl.DataFrame({"method": ["m"], "forecast": [0.0], "actual": [0.0]})
    assert fc.accuracy(empty).row(0, named=True)["bias"] is None


@given(
    values=st.lists(
        st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1, max_size=40
    ),
    horizon=st.integers(1, 18),
)
@settings(max_examples=25, deadline=None)
def test_any_history_gives_finite_non_negative_forecasts(values, horizon):
    result = fc.forecast(_frame(values), horizon=horizon)
    assert result.height == horizon * (len(fc.METHODS) + 1)
    for column in ("value", "lo", "hi"):
        assert result[column].is_finite().all()
        assert (result[column] >= 0).all()
