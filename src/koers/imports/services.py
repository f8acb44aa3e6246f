"""Importing a file: read, map, parse, check, resolve references, then write everything
or nothing. Importing the same file again changes nothing; a changed row updates the
record with the same key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.bulk import bulk_insert, query_frame, reserve_ids, worth_rebuilding
from koers.imports import followups
from koers.imports import gaps as gaps_module
from koers.imports.audit import audit_updates
from koers.imports.checks import check_rules
from koers.imports.mapping import auto_mapping
from koers.imports.models import ImportRun
from koers.imports.parse import Parsed, parse
from koers.imports.permissions import check_changes, check_kind, my_rows
from koers.imports.presets import PRESETS
from koers.imports.reader import ImportFileError, Limits, read_table
from koers.imports.references import key_filter, kind_label, resolve, shared_account_names
from koers.imports.saved import SavedMapping, load_mapping_by_name, with_values
from koers.imports.specs import KINDS, Kind, default_of

VIRTUAL = {"credited_to"}  # columns that feed follow-ups, not the table itself
MAX_STORED_ERRORS = 1000


@dataclass
class Outcome:
    run: ImportRun
    errors: pl.DataFrame
    preview: pl.DataFrame = field(default_factory=pl.DataFrame)


def import_file(**options: Any) -> Outcome:
    """Import a file: the keyword arguments of :func:`_import_file`. Every attempt that is
    recorded stays in the import history, a file refused whole too (unreadable, a required
    column missing, a crash): a failed run with the reason, then the error goes on to the
    caller."""
    try:
        return _import_file(**options)
    except Exception as error:
        run, kind = options.get("run"), options.get("kind", "")
        if options.get("record", True) and kind in KINDS and (run is None or run.pk is None):
            _record_refused(
                kind=kind,
                filename=options.get("filename", ""),
                by=options.get("by"),
                preset=options.get("preset", ""),
                saved_name=options.get("saved_name", ""),
                raw=options.get("raw") or b"",
                error=error,
            )
        raise


def _record_refused(
    *, kind: str, filename: str, by: Any, preset: str, saved_name: str, raw: bytes, error: Exception
) -> None:
    """A failed run for a file refused whole, with its reason (kept out of any transaction
    the import rolled back)."""
    if isinstance(error, ImportFileError):
        message = str(error)
    else:
        message = _("Koers could not finish this import (%(error)s); nothing was written.") % {
            "error": type(error).__name__
        }
    run = ImportRun(
        kind=kind,
        preset=preset,
        filename=filename[:255],
        by=by if getattr(by, "pk", None) else None,
        mapping_name=saved_name[:60],
        started_at=timezone.now(),
    )
    errors = pl.DataFrame(
        {"row": [None], "column": [""], "value": [""], "message": [message]},
        schema={"row": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "message": pl.Utf8},
    )
    try:
        with transaction.atomic():
            _finish(run, raw[: Limits.from_settings().bytes], errors, dry_run=False, record=True)
    except Exception:  # noqa: BLE001 - the history is best effort; the caller hears the error
        return


def _import_file(
    *,
    kind: str,
    raw: bytes = b"",
    filename: str,
    by: Any,
    preset: str = "",
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    record: bool = True,
    clear: frozenset[str] = frozenset(),
    run: ImportRun | None = None,
    saved: SavedMapping | None = None,
    saved_name: str = "",
    path: Path | None = None,
) -> Outcome:
    """Import ``raw`` as ``kind``. With errors, or with ``dry_run``, nothing is written.
    ``record=False`` (a preview) keeps no ImportRun either.

    An existing record changes only in the columns the file has: a column the file lacks
    leaves its field as it is, and so does an empty cell, unless its column is in
    ``clear``. ``by`` may write only what their role may write through the forms and the
    API (``koers.imports.permissions``); otherwise the import is refused whole. ``run``: a
    queued run (see :func:`import_queue`) that this import completes. ``saved``: a saved
    mapping (``koers.imports.saved``, named ``saved_name``) instead of a preset. ``path``:
    the file on disk instead of ``raw``; a CSV file larger than one block is then imported
    block by block in bounded memory (``koers.imports.chunked``)."""
    if kind not in KINDS:
        raise ImportFileError(_("Unknown import kind “%(kind)s”.") % {"kind": kind})
    if preset and preset not in PRESETS:
        raise ImportFileError(_("Unknown preset “%(preset)s”.") % {"preset": preset})
    from koers.sales.currency import check_currency_basis

    try:
        check_currency_basis()  # amounts converted to one currency, never two
    except ValidationError as error:
        raise ImportFileError(" ".join(error.messages)) from None
    spec = KINDS[kind]
    if saved is not None and saved.kind != kind:
        raise ImportFileError(
            _("The mapping is for %(theirs)s, not for %(kind)s.")
            % {"theirs": saved.kind, "kind": kind}
        )
    if path is not None:
        from koers.imports import chunked, stream

        if stream.streamable(path) and chunked.chunkable(spec, saved):
            return chunked.import_in_blocks(
                kind=kind,
                path=path,
                filename=filename,
                by=by,
                preset=preset,
                mapping=mapping,
                dry_run=dry_run,
                record=record,
                clear=clear,
                run=run,
                saved=saved,
                saved_name=saved_name,
            )
        raw = path.read_bytes()
    table, file_format = read_table(raw, filename)
    if preset and PRESETS[preset].prepare:
        table = PRESETS[preset].prepare(kind, table)
    if saved is not None:
        table, from_saved = saved.prepare(table)
        mapping = mapping or from_saved
    mapping = mapping or auto_mapping(table.columns, spec, preset)
    filled = gaps_module.Filled({})
    if saved is not None and saved.gaps:
        table, mapping, filled = gaps_module.fill_opportunities(
            table, mapping, saved.gaps, saved.dates, timezone.localdate()
        )
    given = _given(spec, mapping)
    check_kind(by, spec)
    run = run or ImportRun(kind=kind, preset=preset, filename=filename[:255], by=by)
    run.mapping_name = saved_name[:60]
    run.started_at, run.file_format = timezone.now(), file_format.describe()
    run.rows, run.mapping = table.height, mapping
    run.value_maps = saved.values if saved is not None else {}
    parsed = _parse(table, spec, mapping, preset, file_format.separator, saved)
    run.formats = parsed.formats
    kept = _kept_blanks(table, mapping, given, clear)
    flagged: list[int] = []
    with transaction.atomic():
        if saved is not None and saved.distinct and not parsed.error_frame().height:
            from koers.imports.distinct import make_references

            make_references(saved.distinct, table, by)
        gaps = gaps_module.fill_people(parsed, timezone.localdate()) if kind == "people" else []
        if filled.rows.get("account"):
            gaps_module.no_account()
        frame = _resolve(parsed, spec)
        check_rules(parsed, spec, frame)
        if filled:
            gaps_module.closed_with_gaps(parsed, frame, filled)
        errors = parsed.error_frame()
        if errors.height == 0:
            new, changed, unchanged = _diff(frame.join(kept, on="_row", how="left"), spec, given)
            run.created, run.updated, run.unchanged = new.height, changed.height, unchanged
            run.changed_fields = _field_counts(changed, spec, given)
            _check_changes(by, spec, new, changed, given)
            if not dry_run:
                _write(spec, new, changed, frame, given)
                audit_updates(spec, changed, _settable(spec, given), by)
                _convert_currencies(spec, new, changed)
                # flagged before the facts: a deal whose creation date the import made up
                # is no new opportunity of the import's month
                flagged = gaps_module.flag_opportunities(frame, filled, None) if filled else []
                run.refreshed_months = _refresh_facts(spec, new, changed)
        if dry_run or errors.height:
            transaction.set_rollback(True)  # nothing of a trial or refused import stays
    _finish(run, raw, errors, dry_run, record)
    if not dry_run and not errors.height:
        if gaps and record:
            gaps_module.flag(spec.table, gaps, run)
        if filled and record:
            gaps_module.link_flags(flagged, run)
    return Outcome(run, errors, table.head(10))


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

    from koers.measure.freshness import months_of, refresh_months
    from koers.measure.services import kpi_facts_refresh

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


def import_queue(
    *,
    kind: str,
    raw: bytes = b"",
    filename: str,
    by: Any,
    preset: str = "",
    mapping: dict | None = None,
    saved: SavedMapping | None = None,
    saved_name: str = "",
    path: Path | None = None,
) -> ImportRun:
    """Keep the file and hand the import to a background job (``jobs.import_run``); the
    run says "waiting for a worker" until the worker completes it. For files too large to
    import inside a web request."""
    from koers.jobs.services import submit

    if kind not in KINDS:
        raise ImportFileError(_("Unknown import kind “%(kind)s”.") % {"kind": kind})
    check_kind(by, KINDS[kind])
    run = ImportRun(
        kind=kind,
        preset=preset,
        filename=filename[:255],
        by=by,
        status=ImportRun.Status.QUEUED,
        mapping=mapping or {},
        mapping_name=saved_name[:60] if saved is not None else "",
        value_maps=saved.values if saved is not None else {},
    )
    if path is not None:  # copied in blocks, never read whole
        with path.open("rb") as handle:
            run.file.save(run.filename or "import.csv", File(handle), save=False)
    else:
        run.file.save(run.filename or "import.csv", ContentFile(raw), save=False)
    run.save()
    submit("imports.file", args={"run": run.pk}, by=by, key=f"imports.file:{run.pk}")
    run.refresh_from_db()
    return run


def import_claimed(run_id: int) -> Outcome | None:
    """Import a queued run's file; None when no such run waits (another worker took it,
    or it ran already), so a retried task does nothing twice."""
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING
    )
    if not claimed:
        return None
    run = ImportRun.objects.select_related("by").get(pk=run_id)
    try:
        name, saved = load_mapping_by_name(run.mapping_name) if run.mapping_name else ("", None)
        saved = with_values(saved, run.kind, run.value_maps)
        on_disk = _stored_path(run)
        return import_file(
            kind=run.kind,
            raw=b"" if on_disk else run.file.read(),
            path=on_disk,
            filename=run.filename,
            by=run.by,
            preset=run.preset,
            mapping=run.mapping or None,
            run=run,
            saved=saved,
            saved_name=name,
        )
    except (ImportFileError, PermissionDenied) as problem:
        run.status, run.error_count, run.finished_at = ImportRun.Status.FAILED, 1, timezone.now()
        run.errors = [{"row": None, "column": "", "value": "", "message": str(problem)}]
        run.save()
        return None


def _stored_path(run: ImportRun) -> Path | None:
    """The queued file's place on disk, when the storage keeps files on disk."""
    try:
        return Path(run.file.path)
    except NotImplementedError:
        return None


def error_report_csv(run: ImportRun) -> str:
    """Every problem of a stored run (the file keeps them all when the run could not)."""
    if run.problems:
        with run.problems.open("rb") as stored:
            return stored.read().decode()
    frame = pl.DataFrame(
        run.errors,
        schema={"row": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "message": pl.Utf8},
    )
    return errors_csv(frame)


def errors_csv(frame: pl.DataFrame) -> str:
    """A problems list as CSV; a rejected value goes back out as text, never as a formula
    (see koers.core.cells)."""
    return frame.with_columns(
        pl.when(pl.col("value").str.contains(r"^[=+\-@\t\r]"))
        .then(pl.lit("'") + pl.col("value"))
        .otherwise(pl.col("value"))
        .alias("value")
    ).write_csv()
