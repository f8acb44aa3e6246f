"""Gamification: points for configured activities and results, badges for reaching a level
in a month, and ranked boards. Pure: frames in, frames out.

Points are whole numbers: a rule gives ``points`` for every ``per`` units of a KPI's monthly
figure (for money, ``per`` is in cents), rounded down per person and month, so half a
visit never scores."""

from __future__ import annotations

from typing import Any

import polars as pl

FACTS = {"person_id": pl.Int64, "month": pl.Date, "kpi": pl.Utf8, "value": pl.Int64}
RULES = {"kpi": pl.Utf8, "points": pl.Int64, "per": pl.Int64}
BADGES = {"code": pl.Utf8, "kpi": pl.Utf8, "threshold": pl.Int64}


def _check(frame: pl.DataFrame, name: str, schema: dict[str, Any]) -> None:
    for column, dtype in schema.items():
        if column not in frame.columns or frame.schema[column] != dtype:
            raise ValueError(f"{name}: column {column!r} must be {dtype}")


def points(facts: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """person_id, month, points (and kpi-level detail in points_by_kpi order): each rule's
    points for each person's monthly figure of its KPI."""
    _check(facts, "facts", FACTS)
    _check(rules, "rules", RULES)
    if (rules["per"] <= 0).any() or (rules["points"] < 0).any():
        raise ValueError("rules: per must be positive and points not negative")
    scored = facts.join(rules, on="kpi", how="inner").with_columns(
        (pl.max_horizontal(pl.col("value"), 0).floordiv(pl.col("per")) * pl.col("points")).alias(
            "points"
        )
    )
    return (
        scored.group_by("person_id", "month", "kpi")
        .agg(pl.col("points").sum())
        .sort("person_id", "month", "kpi")
    )


def badges(facts: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """person_id, month, code: every month in which a person's figure of a badge's KPI
    reached its threshold."""
    _check(facts, "facts", FACTS)
    _check(rules, "badges", BADGES)
    return (
        facts.join(rules, on="kpi", how="inner")
        .filter(pl.col("value") >= pl.col("threshold"))
        .select("person_id", "month", "code")
        .unique()
        .sort("person_id", "month", "code")
    )


def board(scores: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Individual board: person_id, points, rank (1 = most; equal points share a rank),
    shown (may the name be shown). ``scores``: person_id, points; ``people``: person_id,
    shown. People without points score 0."""
    totals = scores.group_by("person_id").agg(pl.col("points").sum())
    ranked = people.join(totals, on="person_id", how="left").with_columns(
        pl.col("points").fill_null(0)
    )
    return ranked.with_columns(
        pl.col("points").rank(method="min", descending=True).cast(pl.Int64).alias("rank")
    ).sort("rank", "person_id")


def team_board(scores: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Team board: unit_id, members, points, points_per_member (rounded down), rank on
    points per member, so large teams do not win by size. ``people``: person_id,
    unit_id."""
    totals = scores.group_by("person_id").agg(pl.col("points").sum())
    teams = (
        people.join(totals, on="person_id", how="left")
        .with_columns(pl.col("points").fill_null(0))
        .group_by("unit_id")
        .agg(pl.len().alias("members"), pl.col("points").sum())
        .with_columns(pl.col("points").floordiv(pl.col("members")).alias("points_per_member"))
    )
    return teams.with_columns(
        pl.col("points_per_member").rank(method="min", descending=True).cast(pl.Int64).alias("rank")
    ).sort("rank", "unit_id")


def convert(
    amount_cents: int, choice: str, day_rate_cents: int, training_bp: int
) -> dict[str, int]:
    """A reward taken other than in cash. ``days``: whole half-days at the person's day
    rate, the rest stays cash; ``training``: the whole amount as training budget, times
    ``training_bp`` (10,000 = 1×; 11,000 adds 10%), rounded down to the cent. Returns
    cash_cents, half_days and training_cents."""
    if amount_cents <= 0 or choice == "cash":
        return {"cash_cents": amount_cents, "half_days": 0, "training_cents": 0}
    if choice == "days":
        if day_rate_cents <= 0:
            raise ValueError("a day rate is needed to convert to days off")
        half_days = amount_cents * 2 // day_rate_cents
        return {
            "cash_cents": amount_cents - half_days * day_rate_cents // 2,
            "half_days": half_days,
            "training_cents": 0,
        }
    if choice == "training":
        return {
            "cash_cents": 0,
            "half_days": 0,
            "training_cents": amount_cents * training_bp // 10_000,
        }
    raise ValueError(f"unknown choice {choice!r}")
