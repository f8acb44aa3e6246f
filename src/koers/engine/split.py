"""The one rule that divides a line's amounts among its credit holders.

Used by the pay engine (credited measures) and by the KPI facts (revenue, margin, volume),
so a revenue gate and the statement's attainment can never differ by a cent.

Rule: each holder's part is ``|amount| × share_bp ÷ 10,000`` truncated towards zero, with
the amount's sign; when a line's shares add up to exactly 100% the units left over (fewer
than the number of holders) go to the holder with the largest share, the lowest person id
among equals.
A holder of the whole line takes the amount as it is. The parts of a line therefore add up
to the line exactly. Units are whatever the amounts are in (cents, whole quantities).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import polars as pl

K = TypeVar("K")

BP = 10_000  # basis points in 100%


def split_columns(frame: pl.LazyFrame, amounts: dict[str, pl.Expr]) -> pl.LazyFrame:
    """Each credit row's part of each of ``amounts`` (name → integer expression on the
    line), as columns of those names. ``frame`` has one row per holder with line_id,
    person_id and share_bp. Null amounts count as 0. One lazy query; only split lines are
    ranked, since a holder of the whole line needs no arithmetic."""
    raw = {name: f"_raw_{name}" for name in amounts}
    frame = frame.with_columns(
        expr.fill_null(0).cast(pl.Int64).alias(raw[name]) for name, expr in amounts.items()
    )
    whole = pl.col("share_bp") == BP
    single = frame.filter(whole).with_columns(pl.col(raw[n]).alias(n) for n in amounts)
    parts = frame.filter(~whole).with_columns(
        *[
            # the product in 128 bits: a line above € 9 × 10^12 times 10,000 bp passes 2^63
            (_part(pl.col(raw[n])) * pl.col(raw[n]).sign()).alias(n)
            for n in amounts
        ],
        # who gets the leftover: the largest share, the lowest person id among equals
        (pl.col("share_bp") * (1 << 40) - pl.col("person_id")).alias("_key"),
    )
    lines = parts.group_by("line_id").agg(
        (pl.col("share_bp").sum() == BP).alias("_exact"),
        pl.col("_key").max().alias("_top"),
        *[(pl.col(raw[n]).first() - pl.col(n).sum()).alias(f"_rest_{n}") for n in amounts],
    )
    gets_rest = pl.col("_exact") & (pl.col("_key") == pl.col("_top"))
    parts = parts.join(lines, on="line_id", how="left").with_columns(
        pl.when(gets_rest).then(pl.col(n) + pl.col(f"_rest_{n}")).otherwise(pl.col(n)).alias(n)
        for n in amounts
    )
    helpers = [*raw.values(), "_key", "_exact", "_top", *[f"_rest_{n}" for n in amounts]]
    return pl.concat([single.drop(raw.values()), parts.drop(helpers)], how="vertical")


def _part(amount: pl.Expr) -> pl.Expr:
    """|amount| × share_bp ÷ 10,000, truncated, taken in 128-bit integers."""
    return (amount.abs().cast(pl.Int128) * pl.col("share_bp")).floordiv(BP).cast(pl.Int64)


def split_by_weights(total: int, weights: Mapping[K, int]) -> dict[K, int]:
    """``total`` (integer units: cents, thousandths) divided over the keys of ``weights``
    (non-negative integers) by the same rule as a credit split: each part is ``|total| ×
    weight ÷ Σ weights`` truncated towards zero, with the total's sign, and the units left
    over go to the largest weight (the first key in sorted order among equals), so the
    parts add up to ``total`` exactly. All weights 0 divides equally."""
    if not weights:
        return {}
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights are not negative")
    if sum(weights.values()) == 0:
        weights = dict.fromkeys(weights, 1)
    weights = dict(weights)
    whole = sum(weights.values())
    sign = -1 if total < 0 else 1
    parts = {key: sign * (abs(total) * w // whole) for key, w in weights.items()}
    top = min(weights, key=lambda key: (-weights[key], _order(key)))
    parts[top] += total - sum(parts.values())
    return parts


def _order(key: object) -> tuple[int, object]:
    """Keys compare by themselves where they can (ids, dates), else by their text."""
    return (0, key) if isinstance(key, int | float) else (1, str(key))
