"""A month's results for a share of the people (a *part*) and the month written from its
parts.

In-process the month is one part of everyone. With a broker and ``KOERS_RUN_PARTITIONS``
above one, each worker computes the people whose number modulo the number of parts is
its own (``share``), from the same inputs; the parts are written together, in one
transaction, by :func:`write_month`. A person's lines, corrections and trace never depend
on another person's lines, only on the shared credits and reporting lines, so the parts
give the in-process figures to the cent.

A part travels between workers as Parquet (``encode``/``decode``): its lines, who
counted under whom for its roll-up and team lines, and the credited rows its lines read,
each basis named by its key so that parts reading the same rows store them once."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from koers.core.bulk import analyze, bulk_insert
from koers.engine import comp
from koers.engine.money import cents_to_text
from koers.reward.models import CalcRun, PayoutLine
from koers.reward.services import trace
from koers.reward.services.components import _assignments, compute_month
from koers.reward.services.corrections import Share, corrections, mine
from koers.reward.services.inputs import Context

I64, DATE = pl.Int64, pl.Date
FAR_PAST, FAR_FUTURE = dt.date(1, 1, 1), dt.date(9999, 12, 31)


LINE_SCHEMA: dict[str, Any] = {
    "person_id": I64,
    "plan_id": I64,
    "component": pl.String,
    "period_start": DATE,
    "period_end": DATE,
    "measure": I64,
    "quota": I64,
    "attainment_ppm": I64,
    "target_incentive_cents": I64,
    "modifier_ppm": I64,
    "factor_ppm": I64,
    "earnings_cents": I64,
    "payable": pl.Boolean,
    "correction_of": DATE,
    "basis": pl.String,  # the basis's key (``basis_of``); numbered when written
    "trace_root": I64,
    "trace_subtree": pl.Boolean,
    "trace_from": DATE,
    "trace_to": DATE,
    "traced": I64,
}
REACH_SCHEMA = {"root": I64, "holder": I64, "valid_from": DATE, "valid_to": DATE}
ROW_SCHEMA = {"basis": pl.String, "person_id": I64, "line_id": I64, "date": DATE, "value": I64}


@dataclass
class Part:
    """The results of one share of the people for one month, ready to be written."""

    lines: pl.DataFrame  # LINE_SCHEMA
    reach: pl.DataFrame  # REACH_SCHEMA: who was below each roll-up or team root when
    rows: pl.DataFrame  # ROW_SCHEMA: the credited rows the lines read, per basis key
    # people, components and periods measured in % of a quota they do not have
    missing: list[tuple[int, str, dt.date, dt.date]] = field(default_factory=list)


def compute_part(
    run: CalcRun, closed: list[CalcRun], context: Context, share: Share | None = None
) -> Part:
    """The lines of ``run``'s month (and the corrections of the ``closed`` months) of the
    people of ``share`` (everyone when None), with their trace. A part with people
    without a quota stops there: the month is refused (``missing``)."""
    assignments = [a for a in _assignments(run.month) if mine(a.person_id, share)]
    result = compute_month(run.month, assignments=assignments, context=context)
    if result.missing_quotas:
        empty = [pl.DataFrame(schema=s) for s in (LINE_SCHEMA, REACH_SCHEMA, ROW_SCHEMA)]
        return Part(*empty, missing=result.missing_quotas)
    keys = {number: repr(key) for key, number in result.basis_keys.items()}
    lines = [
        {**line, "basis": keys[line["basis"]] if line.get("basis") is not None else None}
        for line in result.lines
    ]
    lines += corrections(run, closed, context, share=share)
    reach, rows = _trace(result, context.managers, keys)
    return Part(_frame(lines, LINE_SCHEMA), reach, rows)


def _frame(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame([{c: row.get(c) for c in schema} for row in rows], schema=schema)


def _trace(
    result: Any, managers: pl.DataFrame, keys: dict[int, str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Who counted under each roll-up or team root of the lines when, and the credited
    rows of each basis of only the holders some line reads."""
    traced = [row for row in result.lines if row.get("basis") is not None]
    if not traced:
        return pl.DataFrame(schema=REACH_SCHEMA), pl.DataFrame(schema=ROW_SCHEMA)
    roots = {row["trace_root"] for row in traced if row["trace_subtree"]}
    reach = comp.reach(managers, roots).select(list(REACH_SCHEMA)).cast(REACH_SCHEMA)  # type: ignore[arg-type]
    readers = pl.DataFrame(
        [(row["basis"], row["trace_root"], row["trace_subtree"]) for row in traced],
        schema={"basis": I64, "root": I64, "subtree": pl.Boolean},
        orient="row",
    ).unique()
    holders = pl.concat(
        [
            readers.filter(~pl.col("subtree")).select("basis", pl.col("root").alias("holder")),
            readers.filter(pl.col("subtree"))
            .join(reach.select("root", "holder"), on="root")
            .select("basis", "holder"),
        ]
    ).unique()
    rows = [
        basis_rows.join(
            holders.filter(pl.col("basis") == number).select(pl.col("holder").alias("person_id")),
            on="person_id",
            how="semi",
        ).select(
            pl.lit(keys[number]).alias("basis"),
            pl.col("person_id").cast(I64),
            pl.col("line_id").cast(I64),
            pl.col("date").cast(DATE),
            pl.col("value").cast(I64),
        )
        for number, basis_rows in result.bases.items()
    ]
    return reach, pl.concat(rows) if rows else pl.DataFrame(schema=ROW_SCHEMA)


def encode(part: Part) -> dict[str, Any]:
    """The part as it passes between workers through the database (``RunPart``): its
    frames as Parquet, who misses a quota as JSON; ``decode`` reads it back."""

    def parquet(frame: pl.DataFrame) -> bytes:
        out = io.BytesIO()
        frame.write_parquet(out, compression="zstd")
        return out.getvalue()

    return {
        "lines": parquet(part.lines),
        "reach": parquet(part.reach),
        "rows": parquet(part.rows),
        "missing": [[p, c, s.isoformat(), e.isoformat()] for p, c, s, e in part.missing],
    }


def decode(lines: bytes, reach: bytes, rows: bytes, missing: list[list[Any]] | None = None) -> Part:
    return Part(
        pl.read_parquet(io.BytesIO(lines)).cast(LINE_SCHEMA),  # type: ignore[arg-type]
        pl.read_parquet(io.BytesIO(reach)).cast(REACH_SCHEMA),  # type: ignore[arg-type]
        pl.read_parquet(io.BytesIO(rows)).cast(ROW_SCHEMA),  # type: ignore[arg-type]
        [
            (p, c, dt.date.fromisoformat(s), dt.date.fromisoformat(e))
            for p, c, s, e in missing or []
        ],
    )


def _first_of(frames: list[pl.DataFrame], key: list[str]) -> pl.DataFrame:
    """The rows of each value of ``key`` from the first frame that has it."""
    if len(frames) == 1:  # a month computed in one part (4 M trace rows at scale 100)
        return frames[0]
    kept = [frames[0]]
    taken = frames[0].select(key).unique()
    for frame in frames[1:]:
        new = frame.join(taken, on=key, how="anti")
        kept.append(new)
        taken = pl.concat([taken, new.select(key).unique()])
    return pl.concat(kept)


def write_parts(run: CalcRun, parts: list[Part]) -> int:
    """Store the parts' payout lines and trace in ``run`` (whose lines were cleared): the
    bases numbered once for the run, their credited rows once per basis and holder, who
    counted under whom once per root. Returns the payout lines stored."""
    lines = pl.concat([p.lines for p in parts])
    # parts reading the same holder's rows of a basis (or the same root's reach) carry
    # identical copies: the first part's is kept
    rows = _first_of([p.rows for p in parts], ["basis", "person_id"])
    reach = _first_of([p.reach for p in parts], ["root"])
    keys = pl.concat([lines.select("basis").drop_nulls(), rows.select("basis")]).unique(
        maintain_order=True
    )
    number = dict(zip(keys["basis"], range(keys.height), strict=True))
    # one COPY, not an object per line (20,000 lines at scale 100: 1.2 s through the ORM)
    bulk_insert(
        PayoutLine._meta.db_table,
        lines.select(
            pl.lit(run.pk, dtype=I64).alias("run_id"),
            "person_id",
            "plan_id",
            "component",
            "period_start",
            "period_end",
            "measure",
            "quota",
            "attainment_ppm",
            "target_incentive_cents",
            "modifier_ppm",
            "factor_ppm",
            cents_to_text(pl.col("earnings_cents")).alias("earnings"),
            pl.col("payable").cast(pl.Boolean),
            "correction_of",
            pl.col("basis").replace_strict(number, default=None, return_dtype=I64),
            "trace_root",
            pl.col("trace_subtree").fill_null(False).cast(pl.Boolean),
            "trace_from",
            "trace_to",
            "traced",
        ),
    )
    bulk_insert(
        "reward_tracereach",
        reach.select(
            pl.lit(run.pk, dtype=I64).alias("run_id"),
            pl.col("root").alias("root_id"),
            pl.col("holder").alias("holder_id"),
            pl.col("valid_from").fill_null(FAR_PAST),
            pl.col("valid_to").fill_null(FAR_FUTURE),
        ),
    )
    stored = trace.store(
        run,
        rows.select(
            pl.lit(run.pk, dtype=I64).alias("run_id"),
            pl.col("basis").replace_strict(number, return_dtype=I64),
            "person_id",
            pl.col("line_id").alias("order_line_id"),
            "date",
            "value",
        ),
    )
    if stored >= trace.ANALYZE_AFTER_ROWS:
        analyze("reward_tracereach")
    return lines.height
