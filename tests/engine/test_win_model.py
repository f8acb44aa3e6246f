"""The learned win probability: it learns a planted signal, is better calibrated than a
baseline that ignores it (Brier score), its reliability bands add up, and too little data
gives no model."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from koers.engine import win_model


def _deals(n: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    signal = rng.normal(0, 1, n)
    noise = rng.normal(0, 1, n)
    p = 1 / (1 + np.exp(-2 * signal))
    return pl.DataFrame(
        {
            "signal": signal,
            "noise": noise,
            "won": rng.random(n) < p,
            "closed_on": np.arange(n),
            "baseline": np.full(n, 0.5),
        }
    )


def test_it_learns_the_signal_and_explains_it():
    model = win_model.fit(_deals(2000), ["signal", "noise"])
    assert model is not None
    assert model.coef[0] > 1.0 and abs(model.coef[1]) < 0.2
    probe = pl.DataFrame({"signal": [2.0, -2.0], "noise": [0.0, 0.0]})
    high, low = model.predict(probe)
    assert high > 0.9 and low < 0.1
    parts = model.contributions(probe)
    # the contributions and the intercept make the log-odds
    logit = np.log(high / (1 - high))
    assert parts[0].sum() + model.intercept == pytest.approx(logit)


def test_calibration_beats_a_blind_baseline():
    calibration = win_model.calibrate(_deals(2000), ["signal", "noise"])
    assert calibration is not None
    assert (calibration.trained_on, calibration.tested_on) == (1500, 500)
    assert calibration.brier_model < calibration.brier_baseline == pytest.approx(0.25, abs=0.01)
    assert sum(r["deals"] for r in calibration.reliability) == 500
    for band in calibration.reliability:
        if band["deals"] >= 40:
            assert abs(band["predicted"] - band["won"]) < 0.15


def test_brier_and_reliability_by_hand():
    assert win_model.brier(np.array([1.0, 0.0, 0.5]), np.array([1, 1, 0])) == pytest.approx(
        (0 + 1 + 0.25) / 3
    )
    rows = win_model.reliability(np.array([0.05, 0.07, 0.95]), np.array([0, 1, 1]))
    assert rows == [
        {
            "low": 0.0,
            "high": 0.1,
            "deals": 2,
            "predicted": pytest.approx(0.06),
            "won": 0.5,
            "off": None,  # two deals tell nothing
        },
        {"low": 0.9, "high": 1.0, "deals": 1, "predicted": 0.95, "won": 1.0, "off": None},
    ]


def test_too_little_to_learn():
    assert win_model.fit(_deals(10), ["signal"]) is None
    one_outcome = _deals(100).with_columns(pl.lit(True).alias("won"))
    assert win_model.fit(one_outcome, ["signal"]) is None
    assert win_model.calibrate(_deals(35), ["signal"]) is None
