"""A learned win probability for open deals, and how well calibrated it is.

Pure: no Django. Each row of the training frame is a closed deal seen as it was on its
snapshot date (the features are computed from what was known then: nothing after it
leaks in) with ``won`` as the outcome. The model is a logistic regression on standardised
features (scikit-learn), so each score can be explained: a feature's contribution is its
coefficient times its standardised value, in log-odds, and the contributions plus the
intercept make the score.

Calibration is measured on the deals that closed last (the latest ``test_share``, by
close date), with the model trained on the ones before: the Brier score (the mean squared
difference between probability and outcome; lower is better) of the model and of a
baseline probability (the stage's), and a reliability table (deals grouped by predicted
probability, against the share that was won).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

MIN_DEALS = 30  # fewer closed deals (or only one outcome): no model, the stage's probability


@dataclass
class WinModel:
    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def _z(self, frame: pl.DataFrame) -> np.ndarray:
        x = frame.select(self.features).fill_null(0).to_numpy().astype(float)
        return np.asarray((x - self.mean) / self.scale, dtype=float)

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        """The win probability of each row."""
        logit = self._z(frame) @ self.coef + self.intercept
        return np.asarray(1 / (1 + np.exp(-logit)), dtype=float)

    def contributions(self, frame: pl.DataFrame) -> np.ndarray:
        """Each row's contribution of each feature to its log-odds (rows × features)."""
        return np.asarray(self._z(frame) * self.coef, dtype=float)


def fit(frame: pl.DataFrame, features: list[str], *, target: str = "won") -> WinModel | None:
    """A logistic regression of ``target`` on ``features``; None when there are fewer than
    ``MIN_DEALS`` rows or only one outcome."""
    from sklearn.linear_model import LogisticRegression

    if frame.height < MIN_DEALS or frame[target].n_unique() < 2:
        return None
    x = frame.select(features).fill_null(0).to_numpy().astype(float)
    y = frame[target].cast(pl.Int8).to_numpy()
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit((x - mean) / scale, y)
    return WinModel(list(features), mean, scale, model.coef_[0], float(model.intercept_[0]))


def brier(probability: np.ndarray, outcome: np.ndarray) -> float:
    return float(np.mean((np.asarray(probability, float) - np.asarray(outcome, float)) ** 2))


def reliability(
    probability: np.ndarray, outcome: np.ndarray, bins: int = 10
) -> list[dict[str, Any]]:
    """Deals grouped by predicted probability (``bins`` equal ranges): per group the
    number of deals, the mean predicted probability and the share won."""
    probability = np.asarray(probability, float)
    outcome = np.asarray(outcome, float)
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(probability, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            predicted, won, deals = (
                float(probability[mask].mean()),
                float(outcome[mask].mean()),
                int(mask.sum()),
            )
            rows.append(
                {
                    "low": float(edges[b]),
                    "high": float(edges[b + 1]),
                    "deals": deals,
                    "predicted": predicted,
                    "won": won,
                    "off": off_by(predicted, won, deals),
                }
            )
    return rows


def off_by(predicted: float, won: float, deals: int, points: float = 0.10) -> str | None:
    """Did a group's chances not come true? "high" (too optimistic) or "low" (too
    cautious) when the share won lies more than ``points`` from the mean predicted and
    more than two standard errors of a share of ``deals`` deals (not chance); else None."""
    if deals < 10:
        return None
    spread = 2 * math.sqrt(max(predicted * (1 - predicted), 0.01) / deals)
    gap = predicted - won
    if abs(gap) <= max(points, spread):
        return None
    return "high" if gap > 0 else "low"


@dataclass
class Calibration:
    trained_on: int
    tested_on: int
    brier_model: float
    brier_baseline: float
    reliability: list[dict[str, Any]]
    baseline_reliability: list[dict[str, Any]]


def calibrate(
    frame: pl.DataFrame,
    features: list[str],
    *,
    order: str = "closed_on",
    baseline: str = "baseline",
    target: str = "won",
    test_share: float = 0.25,
) -> Calibration | None:
    """Train on the deals that closed first, test on the latest ``test_share`` of them
    (by ``order``): the Brier scores of the model and of ``baseline`` and both
    reliability tables. None when either part is too small to tell."""
    frame = frame.sort(order, maintain_order=True)  # deals closed the same day: as given
    cut = int(frame.height * (1 - test_share))
    train, test = frame.head(cut), frame.slice(cut)
    model = fit(train, features, target=target)
    if model is None or test.height < 10:
        return None
    outcome = test[target].cast(pl.Int8).to_numpy()
    predicted = model.predict(test)
    base = test[baseline].fill_null(0).to_numpy().astype(float)
    return Calibration(
        train.height,
        test.height,
        brier(predicted, outcome),
        brier(base, outcome),
        reliability(predicted, outcome),
        reliability(base, outcome),
    )
