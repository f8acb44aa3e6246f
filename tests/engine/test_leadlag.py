from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from koers.engine.leadlag import best_lag, lead_lag


def _series(values: dict[int, list[float]]) -> pl.DataFrame:
    rows = [
        (person, dt.date(2025 + (m // 12), m % 12 + 1, 1), float(v))
        for person, series in values.items()
        for m, v in enumerate(series)
    ]
    return pl.DataFrame(
        rows, schema={"person_id": pl.Int64, "month": pl.Date, "value": pl.Float64}, orient="row"
    )


def test_a_result_two_months_behind_its_driver_is_found_at_lag_two():
    rng = np.random.default_rng(3)
    drivers = {p: list(rng.poisson(10, 24).astype(float)) for p in range(1, 6)}
    # each person's result = 1000 x their driver two months earlier, plus noise, plus a
    # personal level that must not count as lead time
    results = {
        p: [p * 5000 + 1000 * (d[m - 2] if m >= 2 else 10) + rng.normal(0, 800) for m in range(24)]
        for p, d in drivers.items()
    }
    found = lead_lag(_series(drivers), _series(results), max_lag=3)
    best = best_lag(found)
    assert best.lag == 2 and best.r > 0.8 and best.strength == "strong"
    assert found[0].r < 0.3


def test_too_few_pairs_give_no_verdict():
    short = _series({1: [1.0, 2.0, 3.0]})
    assert all(r.r is None for r in lead_lag(short, short))
    assert best_lag(lead_lag(short, short)) is None


def test_no_variation_gives_no_verdict():
    flat = _series({1: [5.0] * 20})
    assert best_lag(lead_lag(flat, flat)) is None


def test_columns_are_checked():
    with pytest.raises(ValueError, match="value"):
        lead_lag(
            pl.DataFrame({"person_id": [1], "month": [dt.date(2026, 1, 1)]}), _series({1: [1.0]})
        )
