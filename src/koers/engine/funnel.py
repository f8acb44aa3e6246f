"""The sales funnel: how many opportunities reached each stage, and the conversion from
one stage to the next."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class FunnelStep:
    code: str
    reached: int
    conversion: float | None  # % of the step before that got here; None for the first


def funnel(highest: pl.DataFrame, stages: list[tuple[str, int]]) -> list[FunnelStep]:
    """``highest``: opportunity_id, order: the furthest open or won stage each opportunity
    reached (lost is not a step). ``stages``: (code, order) of the funnel's steps, in order.
    An opportunity that reached a later step also passed the earlier ones."""
    if "order" not in highest.columns:
        raise ValueError("highest: column 'order' is missing")
    steps: list[FunnelStep] = []
    previous: int | None = None
    for code, order in sorted(stages, key=lambda s: s[1]):
        reached = int((highest["order"] >= order).sum())
        conversion = None if previous is None else (reached / previous * 100 if previous else None)
        steps.append(FunnelStep(code, reached, conversion))
        previous = reached
    return steps
