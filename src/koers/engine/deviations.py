"""Flagging significant deviations: a month in which a person's KPI breaks from their own
recent trend in the unfavourable direction.

The baseline is the mean of the person's previous ``window`` months (at least three of
them); a month deviates when it is worse than the baseline by more than ``threshold``
percent (lower for KPIs where higher is better, higher for the others).
"""

from __future__ import annotations

import polars as pl

MIN_HISTORY = 3


def deviations(
    series: pl.DataFrame, *, higher_is_better: bool = True, threshold: float = 25.0, window: int = 6
) -> pl.DataFrame:
    """``series``: person_id, month, value. Returns the deviating rows with their
    baseline and the deviation in percent (negative: worse)."""
    for column, dtype in {"person_id": pl.Int64, "month": pl.Date, "value": pl.Float64}.items():
        if column not in series.columns or series.schema[column] != dtype:
            raise ValueError(f"series: column {column!r} must be {dtype}")
    ordered = series.sort("person_id", "month")
    previous = pl.col("value").shift(1).over("person_id")
    with_base = ordered.with_columns(
        previous.rolling_mean(window, min_samples=MIN_HISTORY).over("person_id").alias("baseline")
    )
    change = (pl.col("value") - pl.col("baseline")) / pl.col("baseline").abs() * 100
    worse = change if higher_is_better else -change
    return (
        with_base.filter(pl.col("baseline").is_not_null() & (pl.col("baseline") != 0))
        .with_columns(worse.alias("deviation_pct"))
        .filter(pl.col("deviation_pct") < -threshold)
    )
