"""What every preset is made of, and the steps that prepare a vendor's rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

Prepare = Callable[[str, pl.DataFrame], pl.DataFrame]


@dataclass(frozen=True)
class Preset:
    """``columns`` maps the vendor's headers to Koers columns per kind; ``values`` translates
    the vendor's values per Koers column; ``prepare`` adds derived columns (named with a
    leading “_”) before mapping, where one column is not enough."""

    name: str
    label: str
    columns: dict[str, dict[str, str]]  # kind -> {vendor header: Koers column}
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    date_formats: dict[str, str] = field(default_factory=dict)
    prepare: Prepare | None = None
    number_style: str | None = None  # "nl" for 1.234,56; None: recognised per column


def closed_on(frame: pl.DataFrame, stage: str, close: str, closed: set[str]) -> pl.DataFrame:
    """Vendors keep one close date; Koers records it as the close date of closed deals."""
    if stage not in frame.columns or close not in frame.columns:
        return frame
    is_closed = frame[stage].str.to_lowercase().is_in(sorted(closed))
    return frame.with_columns(
        pl.when(is_closed).then(pl.col(close)).otherwise(pl.lit("")).alias("_closed_on")
    )


def join_names(frame: pl.DataFrame, first: str, last: str) -> pl.DataFrame:
    if first not in frame.columns or last not in frame.columns:
        return frame
    return frame.with_columns(
        pl.concat_str([pl.col(first), pl.col(last)], separator=" ")
        .str.strip_chars()
        .alias("_contact_name")
    )


def first_id(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """HubSpot lists several associated ids separated by ';': the first is the primary."""
    if column not in frame.columns:
        return frame
    return frame.with_columns(pl.col(column).str.split(";").list.first().str.strip_chars())


def status_over_stage(
    frame: pl.DataFrame, status: str, stage: str, closed: set[str]
) -> pl.DataFrame:
    """CRMs keep a won or lost deal in the pipeline stage it left and say “won” or “lost” in
    a status column: a closed status replaces the stage, so it maps to a closed stage."""
    if status not in frame.columns or stage not in frame.columns:
        return frame
    is_closed = frame[status].str.to_lowercase().str.strip_chars().is_in(sorted(closed))
    return frame.with_columns(
        pl.when(is_closed).then(pl.col(status)).otherwise(pl.col(stage)).alias(stage)
    )


def first_filled(frame: pl.DataFrame, columns: list[str], alias: str) -> pl.DataFrame:
    """The first non-empty value of ``columns`` (those the file has) as column ``alias``."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    values = [pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c)) for c in present]
    return frame.with_columns(pl.coalesce(values).fill_null("").alias(alias))


def joined(frame: pl.DataFrame, columns: list[str], alias: str, separator: str) -> pl.DataFrame:
    """The non-empty values of ``columns`` joined by ``separator`` (“van der” + “Meer”,
    an invoice number + its line number), when the file has every one of them."""
    if any(c not in frame.columns for c in columns):
        return frame
    parts = [
        pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars())
        for c in columns
    ]
    return frame.with_columns(
        pl.concat_str(parts, separator=separator, ignore_nulls=True).fill_null("").alias(alias)
    )


def constant(frame: pl.DataFrame, alias: str, value: str) -> pl.DataFrame:
    return frame.with_columns(pl.lit(value).alias(alias))


def copied(frame: pl.DataFrame, column: str, alias: str) -> pl.DataFrame:
    """One vendor column that fills a second Koers column (an invoice date as order date)."""
    if column not in frame.columns:
        return frame
    return frame.with_columns(pl.col(column).alias(alias))
