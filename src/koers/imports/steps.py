"""The steps of an import, each on a whole table: parse, resolve the references, compare
with what is stored, check, write, convert the currencies, refresh the facts, settle the
run. ``koers.imports.services`` runs them on a whole file, ``koers.imports.chunked`` block
by block."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.bulk import bulk_insert, query_frame, reserve_ids, worth_rebuilding
from koers.imports import followups
from koers.imports.models import ImportRun
from koers.imports.parse import Parsed, parse
from koers.imports.permissions import check_changes, my_rows
from koers.imports.presets import PRESETS
from koers.imports.reader import ImportFileError
from koers.imports.references import key_filter, kind_label, resolve, shared_account_names
from koers.imports.saved import SavedMapping
from koers.imports.specs import Kind, default_of

VIRTUAL = {"credited_to"}  # columns that feed follow-ups, not the table itself
MAX_STORED_ERRORS = 1000


@dataclass
class Outcome:
    run: ImportRun
    errors: pl.DataFrame
    preview: pl.DataFrame = field(default_factory=pl.DataFrame)


def _convert_currencies(spec: Kind, new: pl.DataFrame, changed: pl.DataFrame) -> None:
    """Amounts written in another currency get their reporting-currency amount at the
    rate of their date; a new rate converts again what it covers. A missing rate refuses
    the import (nothing is written), naming the currency and date."""
    from koers.sales import currency as fx

    if spec.table == "sales_exchangerate":
        for frame in (new, changed):
            if frame.height == 0:
                continue
            dates = frame.group_by("currency").agg(pl.col("date").min())
            for code, since in dates.iter_rows():
                since = since if isinstance(since, dt.date) else dt.date.fromisoformat(str(since))
                for table in fx.CONVERTED:
                    fx.convert_table(table, currency=code, since=since)
        return
    if spec.table not in fx.CONVERTED:
        return
    reconvert(spec, changed)
    fx.convert_table(spec.table, ids=[], unconverted=True)  # the new rows in other currencies
    missing = fx.missing_rates(spec.table)
    if missing:
        raise ImportFileError(" ".join(fx.missing_rate_message(c, d) for c, d, _n in missing[:5]))


def reconvert(spec: Kind, changed: pl.DataFrame) -> None:
    """Convert the changed rows' amounts again (their amount, currency or date may have
    changed), 10,000 ids a statement."""
    from koers.sales import currency as fx

    if spec.table not in fx.CONVERTED:
        return
    for start in range(0, changed.height, 10_000):
        fx.convert_table(spec.table, ids=changed["id"][start : start + 10_000].to_list())


def _refresh_facts(spec: Kind, new: pl.DataFrame, changed: pl.DataFrame) -> int:
    """Recompute the KPI facts of the months the import touched (the new dates and, for
    changed records, the dates they had), set-based, inside the import's transaction: the
    pages and the next calculation run read fresh figures. Returns how many months."""
    from django.utils import timezone

    from koers.measure.freshness import months_of
    from koers.measure.services import kpi_facts_refresh, refresh_months

    if spec.table == "sales_exchangerate":  # a rate converts every amount from its date on
        rates = (
            pl.concat([f.select("date") for f in (new, changed) if f.height])
            if (new.height or changed.height)
            else None
        )
        if rates is None:
            return 0
        since = rates["date"].min()
        since = since if isinstance(since, dt.date) else dt.date.fromisoformat(str(since))
        today = timezone.localdate()
        if since > today:
            return 0
        kpi_facts_refresh(start=since, end=today)
        return (today.year - since.year) * 12 + today.month - since.month + 1
    return len(refresh_months(months_of(fact_days(spec, new, changed))))


def fact_days(spec: Kind, new: pl.DataFrame, changed: pl.DataFrame) -> list[dt.date | None]:
    """The distinct dates of the KPI facts' sources that new and changed rows touch (for a
    changed row also the date it had)."""
    from koers.measure.freshness import FACT_SOURCES

    dates = FACT_SOURCES.get(spec.table, ())
    days: list[dt.date | None] = []
    for frame in (new, changed):
        for name in dates:
            for column in (name, f"{name}__db"):
                if column in frame.columns and frame.height:
                    values = frame[column]
                    if values.dtype == pl.Utf8:
                        values = values.str.slice(0, 10).str.to_date(strict=False)
                    days += values.drop_nulls().unique().to_list()
    return days


def _parse(
    table: pl.DataFrame,
    spec: Kind,
    mapping: dict[str, str],
    preset: str,
    sep: str,
    saved: SavedMapping | None = None,
    first_row: int = 2,
    like: Parsed | None = None,
) -> Parsed:
    """``first_row``: the file's line number of the table's first row; ``like``: an earlier
    block of the same file, whose way of writing dates and numbers this block follows."""
    missing = [
        c
        for c in spec.columns
        if c.required and c.default is None and c.name not in mapping.values()
    ]
    if missing:
        names = ", ".join(c.header for c in missing)
        raise ImportFileError(_("Required columns are missing: %(names)s.") % {"names": names})
    renamed = table.select([pl.col(h).alias(c) for h, c in mapping.items()])
    renamed = renamed.with_row_index("_row", offset=first_row).with_columns(
        pl.col("_row").cast(pl.Int64)
    )
    headers = {c: h for h, c in mapping.items()}
    p = PRESETS.get(preset)
    value_maps = p.values.get(spec.name) if p else None
    date_formats = p.date_formats if p else None
    if saved is not None:  # a saved mapping's choices over the preset's
        value_maps = {**(value_maps or {}), **saved.value_maps()}
        date_formats = saved.date_formats() or date_formats
    if like is not None:
        date_formats = {**(date_formats or {}), **like.date_formats}
    parsed = parse(
        renamed,
        spec,
        headers,
        separator=sep,
        value_maps=value_maps,
        date_formats=date_formats,
        number_style=(saved.number_style() if saved else None) or (p.number_style if p else None),
        number_styles={
            **(saved.computed_styles() if saved else {}),
            **(like.number_styles if like is not None else {}),
        },
    )
    _duplicates(parsed, spec, headers)
    return parsed


def _duplicates(parsed: Parsed, spec: Kind, headers: dict[str, str]) -> None:
    key = list(spec.key)
    frame = parsed.frame
    if any(frame[k].is_null().all() for k in key):
        return
    dup = (
        frame.select(pl.struct(key).is_duplicated()).to_series()
        & frame.select(pl.all_horizontal(pl.col(key).is_not_null())).to_series()
    )
    shown = frame.select(
        pl.concat_str([pl.col(k).cast(pl.Utf8) for k in key], separator=" / ")
    ).to_series()
    parsed.add_errors(
        dup, headers.get(key[0], key[0]), shown, _("appears more than once in the file")
    )


def _resolve(parsed: Parsed, spec: Kind) -> pl.DataFrame:
    frame = parsed.frame
    for column in spec.columns:
        if column.type != "ref":
            continue
        own = frame[spec.ref_key] if column.ref == spec.name else None
        raw = frame[column.name]
        frame, unresolved = resolve(frame, column.name, column.ref, own)
        if own is not None:  # a row of this same file not yet in the database: set after writing
            frame = frame.with_columns(raw.alias(f"_{column.name}_key"))
        parsed.frame = frame
        header = parsed.headers.get(column.name, column.header)
        if column.ref == "accounts" and unresolved.any():
            shared = unresolved & shared_account_names(raw)
            parsed.add_errors(
                shared, header, raw, _("names more than one account: give the account's id")
            )
            unresolved = unresolved & ~shared
        message = _("refers to an unknown %(what)s") % {"what": kind_label(column.ref)}
        parsed.add_errors(unresolved, header, raw, message)
    return frame


def _given(spec: Kind, mapping: dict[str, str]) -> list[str]:
    """The kind's columns the file has (its key always)."""
    named = set(mapping.values()) | set(spec.key)
    return [c.name for c in spec.columns if c.name in named]


def _settable(spec: Kind, given: list[str]) -> list[str]:
    """The columns an update may set: the file's, less the key and follow-up columns."""
    return [c for c in given if c not in spec.key and c not in VIRTUAL]


def _kept_blanks(
    table: pl.DataFrame,
    mapping: dict[str, str],
    given: list[str],
    clear: frozenset[str],
    first_row: int = 2,
) -> pl.DataFrame:
    """Per line (``_row``) and column: is the cell empty, so that an existing record keeps
    its value? Not for the columns the caller asked to clear."""
    blanks = [
        (pl.col(header).cast(pl.Utf8).fill_null("").str.strip_chars() == "").alias(f"_keep_{name}")
        for header, name in mapping.items()
        if name in given and name not in clear
    ]
    frame = table.select(blanks) if blanks else pl.DataFrame()
    rows = pl.Series("_row", range(first_row, table.height + first_row), dtype=pl.Int64)
    return frame.with_columns(rows) if blanks else pl.DataFrame({"_row": rows})


def _keep(frame: pl.DataFrame, name: str) -> pl.Expr:
    column = f"_keep_{name}"
    return pl.col(column).fill_null(False) if column in frame.columns else pl.lit(False)


def _check_changes(
    by: Any, spec: Kind, new: pl.DataFrame, changed: pl.DataFrame, given: list[str]
) -> None:
    """The fields the import writes, checked against the importer's role (new records:
    every column set to something other than its default; existing ones: what changes)."""
    if by is None:
        return
    set_on_new = {c for c in _settable(spec, given) if _sets_value(new, spec, c)}
    mine = my_rows(by, spec, changed)
    own = set(_field_counts(changed.filter(mine), spec, given)) if mine.any() else set()
    about_me = bool(my_rows(by, spec, new).any() or mine.any())
    check_changes(by, spec, set_on_new | set(_field_counts(changed, spec, given)), own, about_me)


def _sets_value(new: pl.DataFrame, spec: Kind, name: str) -> bool:
    """Does the file give any new record a value of ``name`` other than its default?"""
    if new.height == 0:
        return False
    default = default_of(spec.column(name))
    value = pl.col(name)
    if new.schema[name].is_numeric() or new.schema[name] == pl.Decimal:
        differs = value.cast(pl.Float64).ne_missing(float(default) if default else None)
    else:
        differs = value.cast(pl.Utf8).fill_null("") != (default or "")
    return bool(new.select((~_keep(new, name) & differs).any()).item())


def _field_counts(changed: pl.DataFrame, spec: Kind, given: list[str]) -> dict[str, int]:
    """How many records the import changes in each field."""
    counts = {}
    for name in _settable(spec, given):
        if f"{name}__db" in changed.columns:
            ours, theirs = _comparable(changed, name, spec)
            n = changed.select((~_keep(changed, name) & ours.ne_missing(theirs)).sum()).item()
            if n:
                counts[name] = int(n)
    return counts


def _diff(
    frame: pl.DataFrame, spec: Kind, given: list[str], existing: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Split rows into new ones, changed ones (with their id) and a count of unchanged.
    Only the file's columns count, and an empty cell that keeps its value does not.
    ``existing``: the stored rows already read (a block of a large file reads only those
    with its keys); otherwise the table is read."""
    columns = _settable(spec, given)
    if existing is None:
        existing = _existing(spec, [*spec.key, *columns])
    joined = frame.join(existing, on=list(spec.key), how="left", suffix="__db", nulls_equal=False)
    new = joined.filter(pl.col("id").is_null())
    found = joined.filter(pl.col("id").is_not_null())
    differs = pl.lit(False)
    for name in columns:
        if name in spec.key or f"{name}__db" not in found.columns:
            continue
        ours, theirs = _comparable(found, name, spec)
        differs = differs | (~_keep(found, name) & ours.ne_missing(theirs))
    changed = found.filter(differs)
    return new, changed, found.height - changed.height


def _comparable(frame: pl.DataFrame, name: str, spec: Kind):
    column = spec.column(name)
    ours, theirs = pl.col(name), pl.col(f"{name}__db")
    if column.type in {"money", "decimal"}:
        return ours.cast(pl.Float64), theirs.cast(pl.Utf8).cast(pl.Float64)
    if column.type == "bool":
        return ours.cast(pl.Boolean), theirs.str.to_lowercase().is_in(["true", "1", "t"])
    if column.type == "date":
        return ours.cast(pl.Utf8), theirs.cast(pl.Utf8).str.slice(0, 10)
    if column.type in {"int", "ref"}:
        return ours.cast(pl.Int64), theirs.cast(pl.Int64)
    return ours.cast(pl.Utf8).fill_null(""), theirs.cast(pl.Utf8).fill_null("")


def _existing(spec: Kind, columns: list[str], among: pl.Series | None = None) -> pl.DataFrame:
    """The table's current rows, every column as text, streamed without row objects; with
    ``among`` (the keys of a block of a large file), only the rows with those keys."""
    names = ["id", *columns]
    schema = {c: pl.Utf8 for c in names}
    where = f" WHERE {spec.rows}" if spec.rows else ""  # names from the specs
    if among is None:
        selected = ", ".join(f'CAST("{c}" AS TEXT)' for c in names)
        text = query_frame(f'SELECT {selected} FROM "{spec.table}"{where}', schema)  # noqa: S608
    else:
        selected = ", ".join(f'CAST(t."{c}" AS TEXT)' for c in names)
        with key_filter(among) as keys:
            join = f'JOIN {keys} k ON t."{spec.key[0]}" = k.key'
            text = query_frame(f'SELECT {selected} FROM "{spec.table}" t {join}{where}', schema)
    renamed = text.rename({c: f"{c}__db" for c in columns if c not in spec.key})
    casts = [pl.col("id").cast(pl.Int64)]
    for key in spec.key:
        column = spec.column(key)
        if column.type in {"int", "ref"}:
            casts.append(pl.col(key).cast(pl.Int64))
        elif column.type == "date":
            casts.append(pl.col(key).str.slice(0, 10).str.to_date())
    return renamed.with_columns(casts)


def _write(
    spec: Kind, new: pl.DataFrame, changed: pl.DataFrame, frame: pl.DataFrame, given: list[str]
) -> None:
    columns = [c.name for c in spec.columns if c.name not in VIRTUAL]
    if new.height:
        if connection.vendor == "postgresql":
            # the ids come from the table's own sequence before the rows are written, so
            # what follows (credit holders, memberships) needs no reading back by key
            new = new.with_columns(reserve_ids(spec.table, new.height).alias("id"))
            columns = ["id", *columns]
        rows = new.select(columns).with_columns([pl.lit(v).alias(k) for k, v in spec.extra.items()])
        rows = _in_reporting_currency(spec.table, rows)
        bulk_insert(spec.table, rows, rebuild_indexes=worth_rebuilding(spec.table, rows.height))
    settable = _settable(spec, given)
    if changed.height and settable:
        # an empty cell keeps the stored value: CASE WHEN keep THEN the column itself
        assignments = ", ".join(f'"{c}" = CASE WHEN %s THEN "{c}" ELSE %s END' for c in settable)
        sql = f'UPDATE "{spec.table}" SET {assignments} WHERE id = %s'
        values = [item for c in settable for item in (_keep(changed, c).alias(f"k_{c}"), c)]
        with connection.cursor() as cursor:
            cursor.executemany(sql, changed.select([*values, "id"]).rows())
    followups.run(spec, frame, new, changed)


def _in_reporting_currency(table: str, rows: pl.DataFrame) -> pl.DataFrame:
    """New rows already in the reporting currency carry their reporting amounts as they are
    (the amount itself); the others are left empty for ``convert_table`` to fill at their
    date's rate, so one statement converts only what needs a rate."""
    from koers.sales import currency as fx

    if table not in fx.CONVERTED or "currency" not in rows.columns:
        return rows
    same = pl.col("currency") == fx.reporting_currency()
    return rows.with_columns(
        pl.when(same).then(pl.col(c)).otherwise(None).alias(f"reporting_{c}")
        for c in fx.CONVERTED[table][1]
        if c in rows.columns
    )


def _finish(run: ImportRun, raw: bytes, errors: pl.DataFrame, dry_run: bool, record: bool) -> None:
    run.error_count = errors.height
    run.errors = errors.head(MAX_STORED_ERRORS).to_dicts()
    run.problem_summary = problem_summary(errors)
    settle(run, errors.height, dry_run)
    if record:
        if not run.file:  # a queued run stored its file when it was queued
            run.file.save(run.filename or "import.csv", ContentFile(raw), save=False)
        if errors.height > MAX_STORED_ERRORS:  # the page keeps the first; the file all
            name = f"problems-{run.filename or 'import'}.csv"
            run.problems.save(name, ContentFile(errors_csv(errors).encode()), save=False)
        run.save()


def settle(run: ImportRun, problems: int, dry_run: bool) -> None:
    """The run's outcome: failed (nothing counted as written), checked or committed."""
    run.status = (
        ImportRun.Status.FAILED
        if problems
        else ImportRun.Status.CHECKED
        if dry_run
        else ImportRun.Status.COMMITTED
    )
    if problems:
        run.created = run.updated = run.unchanged = 0
    run.finished_at = timezone.now()


def problem_summary(errors: pl.DataFrame) -> list[dict[str, Any]]:
    """How many problems per column and reason, the most frequent first."""
    if errors.height == 0:
        return []
    return (
        errors.group_by("column", "message")
        .len("count")
        .sort(["count", "column", "message"], descending=[True, False, False])
        .to_dicts()
    )


def errors_csv(frame: pl.DataFrame) -> str:
    """A problems list as CSV; a rejected value goes back out as text, never as a formula
    (see koers.core.cells)."""
    return frame.with_columns(
        pl.when(pl.col("value").str.contains(r"^[=+\-@\t\r]"))
        .then(pl.lit("'") + pl.col("value"))
        .otherwise(pl.col("value"))
        .alias("value")
    ).write_csv()
