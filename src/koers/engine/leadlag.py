"""How far a leading indicator runs ahead of a result, and how strongly.

For each lag of 0..max_lag months: the correlation between a person's leading value in
month m and their lagging value in month m + lag, pooled over people after subtracting
each person's own average (so that one person simply being bigger than another does not
look like lead time). The best lag is the one with the highest correlation.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

MIN_PAIRS = 12


@dataclass(frozen=True)
class LagResult:
    lag: int  # months
    r: float | None  # Pearson correlation, None with too few pairs or no variation
    pairs: int

    @property
    def strength(self) -> str:
        """none, weak, moderate or strong, by the size of a positive r."""
        if self.r is None or self.r < 0.1:
            return "none"
        return "weak" if self.r < 0.3 else "moderate" if self.r < 0.5 else "strong"


def _demeaned(frame: pl.DataFrame) -> pl.DataFrame:
    for column, dtype in {"person_id": pl.Int64, "month": pl.Date, "value": pl.Float64}.items():
        if column not in frame.columns or frame.schema[column] != dtype:
            raise ValueError(f"series: column {column!r} must be {dtype}")
    return frame.with_columns(pl.col("value") - pl.col("value").mean().over("person_id"))


def lead_lag(leading: pl.DataFrame, lagging: pl.DataFrame, max_lag: int = 3) -> list[LagResult]:
    """``leading`` and ``lagging``: person_id, month (first day), value (Float64)."""
    lead, lag_frame = _demeaned(leading), _demeaned(lagging)
    results = []
    for lag in range(max_lag + 1):
        shifted = lag_frame.with_columns(pl.col("month").dt.offset_by(f"-{lag}mo"))
        joined = lead.join(shifted, on=["person_id", "month"], suffix="_later")
        r = None
        if joined.height >= MIN_PAIRS:
            value = joined.select(pl.corr("value", "value_later")).item()
            r = None if value is None or value != value else float(value)  # NaN: no variation
        results.append(LagResult(lag, r, joined.height))
    return results


def best_lag(results: list[LagResult]) -> LagResult | None:
    scored = [r for r in results if r.r is not None]
    return max(scored, key=lambda r: r.r) if scored else None  # type: ignore[arg-type,return-value]
