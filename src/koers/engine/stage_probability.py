"""Win probabilities per stage learned from the organisation's own closed deals.

Pure: no Django. A closed deal (won or lost) "reached" every open stage up to the furthest
one it was in (stages count in their order, as in the funnel). For each sales process and
open stage, the learned probability is the share of the deals that reached the stage and
were won, shrunk towards the stage's configured probability by ``prior`` pseudo-deals:

    p(process, stage) = (won + prior × configured) / (reached + prior)

and per account segment, shrunk towards the process's learned value by ``segment_prior``:

    p(segment, stage) = (won_segment + segment_prior × p(process, stage))
                        / (reached_segment + segment_prior)

With few deals a probability stays near what it is shrunk towards; with many it follows
the record. Overdue deals (still open after their expected close date) are handled by the
slip factor: how a deal that closed later than expected fared against all deals,
``(won_late + prior × rate) / (late + prior) / rate`` with ``rate`` the overall win rate
(1 when nothing slipped yet). A weighted pipeline counts an overdue deal in the current
month at its stage's probability times this factor.
"""

from __future__ import annotations

import polars as pl

PRIOR = 10.0
SEGMENT_PRIOR = 10.0

CLOSED_COLUMNS = ("process_id", "segment", "reached_order", "won")
STAGE_COLUMNS = ("process_id", "stage_id", "order", "configured")


def _check(frame: pl.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = set(columns) - set(frame.columns)
    if missing:
        raise ValueError(f"{name} lacks columns: {', '.join(sorted(missing))}")


def learn(
    closed: pl.DataFrame,
    stages: pl.DataFrame,
    *,
    prior: float = PRIOR,
    segment_prior: float = SEGMENT_PRIOR,
) -> pl.DataFrame:
    """Learned probabilities (0–1) per process, open stage and segment.

    ``closed``: one row per closed deal with ``process_id``, ``segment`` (text, may be
    empty), ``reached_order`` (the order of the furthest open stage it was in) and ``won``
    (bool). ``stages``: the open stages, ``process_id``, ``stage_id``, ``order`` and
    ``configured`` (0–1). Returns ``process_id``, ``stage_id``, ``segment`` (null: the
    whole process), ``reached``, ``won``, ``observed`` (won / reached, null when none
    reached it) and ``probability``."""
    _check(closed, CLOSED_COLUMNS, "closed")
    _check(stages, STAGE_COLUMNS, "stages")
    deals = closed.select(
        pl.col("process_id").cast(pl.Int64),
        pl.col("segment").fill_null("").cast(pl.String),
        pl.col("reached_order").cast(pl.Int64),
        pl.col("won").cast(pl.Boolean),
    )
    stages = stages.select(
        pl.col("process_id").cast(pl.Int64),
        pl.col("stage_id").cast(pl.Int64),
        pl.col("order").cast(pl.Int64),
        pl.col("configured").cast(pl.Float64),
    )
    pairs = stages.join(deals, on="process_id", how="left").with_columns(
        (pl.col("reached_order") >= pl.col("order")).fill_null(False).alias("_reached")
    )
    process = (
        pairs.group_by("process_id", "stage_id", "configured")
        .agg(
            pl.col("_reached").sum().alias("reached"),
            (pl.col("_reached") & pl.col("won").fill_null(False)).sum().alias("won"),
        )
        .with_columns(
            ((pl.col("won") + prior * pl.col("configured")) / (pl.col("reached") + prior)).alias(
                "probability"
            )
        )
    )
    segment = (
        pairs.filter(pl.col("_reached") & (pl.col("segment") != ""))
        .group_by("process_id", "stage_id", "segment")
        .agg(pl.len().alias("reached"), pl.col("won").sum().alias("won"))
        .join(
            process.select("process_id", "stage_id", pl.col("probability").alias("_base")),
            on=["process_id", "stage_id"],
        )
        .with_columns(
            (
                (pl.col("won") + segment_prior * pl.col("_base"))
                / (pl.col("reached") + segment_prior)
            ).alias("probability")
        )
        .drop("_base")
    )
    columns = ["process_id", "stage_id", "segment", "reached", "won", "observed", "probability"]
    observed = (
        pl.when(pl.col("reached") > 0).then(pl.col("won") / pl.col("reached")).otherwise(None)
    )
    return (
        pl.concat(
            [
                process.with_columns(pl.lit(None, pl.String).alias("segment")).drop("configured"),
                segment,
            ],
            how="diagonal_relaxed",
        )
        .with_columns(
            pl.col("reached").cast(pl.Int64),
            pl.col("won").cast(pl.Int64),
            observed.alias("observed"),
        )
        .select(columns)
        .sort("process_id", "stage_id", "segment", nulls_last=False)
    )


def slip_factor(late: int, late_won: int, closed: int, won: int, *, prior: float = PRIOR) -> float:
    """How much less (or more) likely a deal is to be won once it slipped past its
    expected close date, against all deals (1: no difference or no record)."""
    if closed == 0 or won == 0:
        return 1.0
    rate = won / closed
    return ((late_won + prior * rate) / (late + prior)) / rate


def probability_of(
    table: pl.DataFrame, process_id: int, stage_id: int, segment: str | None
) -> float | None:
    """The learned probability of a deal in ``stage_id`` of ``process_id`` and
    ``segment`` (the process's where the segment has no record); None for a stage the
    table does not hold (a closed stage)."""
    rows = table.filter((pl.col("process_id") == process_id) & (pl.col("stage_id") == stage_id))
    if segment:
        found = rows.filter(pl.col("segment") == segment)
        if found.height:
            return float(found["probability"][0])
    base = rows.filter(pl.col("segment").is_null())
    return float(base["probability"][0]) if base.height else None
