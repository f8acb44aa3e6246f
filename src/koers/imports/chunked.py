"""Importing a large CSV file block by block, in bounded memory, still all or nothing.

The file is read in blocks (:mod:`koers.imports.stream`); each block is mapped, parsed,
checked, resolved and written exactly as a whole file is (the same functions of
:mod:`koers.imports.services`), inside one transaction that is rolled back when any block
had a problem or the import is a trial. What spans blocks is handled here:

* dates and numbers are read the way the first block was read (a later block whose days all
  lie below 13 is not read month-first);
* a key that an earlier block already wrote is “more than once in the file”;
* a reference to a row of an earlier block finds it in the database (written, not yet
  committed); a reference to a later block is a problem, as it is in a file whose rows
  refer forward to rows that do not exist;
* problems are counted by column and reason over the whole file; the first
  ``MAX_STORED_ERRORS`` stay on the run and every one goes to the problems file on disk;
* the KPI facts of every month touched are refreshed once, at the end.

Memory holds two blocks (``KOERS_IMPORT_CHUNK_BYTES``, 4 MB by default), never the file:
the one being checked and written, and the next, read and parsed meanwhile in a thread of
its own (parsing is Polars' work and the writing PostgreSQL's, so the two overlap).
Kinds keyed by one text column (external id or code) are imported this way; people (whose
gaps are filled across the file) and files with composite keys are read whole.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from koers.core.bulk import analyze, indexes_dropped, no_rebuilds, worth_rebuilding
from koers.core.progress import report
from koers.imports import steps as sv
from koers.imports import stream
from koers.imports.audit import audit_updates
from koers.imports.checks import check_rules
from koers.imports.mapping import auto_mapping
from koers.imports.models import ImportRun
from koers.imports.parse import Parsed
from koers.imports.permissions import check_kind
from koers.imports.presets import PRESETS
from koers.imports.reader import ImportFileError
from koers.imports.saved import SavedMapping
from koers.imports.specs import KINDS, Kind

# tables a kind's follow-ups fill in bulk alongside its own
FOLLOW_UP_TABLES = {"orders": ("sales_orderlinecredit",)}
ANALYZE_AFTER_ROWS = 100_000  # rows written by an import after which its tables are analysed


def chunkable(spec: Kind, saved: SavedMapping | None) -> bool:
    key = spec.column(spec.key[0])
    return (
        spec.key == (spec.ref_key,)
        and key.type not in {"int", "ref", "date", "decimal", "money"}
        and spec.name != "people"
        and not (saved is not None and saved.gaps)
    )


class Problems:
    """Every problem of the file: counted, the first kept, all written to a file."""

    def __init__(self) -> None:
        self.total = 0
        self.counts: Counter[tuple[str, str]] = Counter()
        self.first: list[pl.DataFrame] = []
        self.kept = 0
        self.file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in close()
            "w+", suffix=".csv", encoding="utf-8", newline=""
        )
        self.file.write("row,column,value,message\n")  # the header errors_csv writes

    def add(self, errors: pl.DataFrame) -> None:
        if errors.height == 0:
            return
        self.total += errors.height
        for column, message, count in errors.group_by("column", "message").len("count").iter_rows():
            self.counts[(column, message)] += count
        if self.kept < sv.MAX_STORED_ERRORS:
            head = errors.head(sv.MAX_STORED_ERRORS - self.kept)
            self.first.append(head)
            self.kept += head.height
        safe = sv.errors_csv(errors).splitlines()[1:]
        self.file.write("\n".join(safe) + "\n")

    def frame(self) -> pl.DataFrame:
        if not self.first:
            return Parsed(pl.DataFrame()).error_frame()
        return pl.concat(self.first)

    def summary(self) -> list[dict[str, Any]]:
        rows = [
            {"column": column, "message": message, "count": count}
            for (column, message), count in self.counts.items()
        ]
        return sorted(rows, key=lambda r: (-r["count"], r["column"], r["message"]))

    def close(self) -> None:
        self.file.close()


def import_in_blocks(
    *,
    kind: str,
    path: Path,
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
) -> sv.Outcome:
    """:func:`koers.imports.services.import_file` for a CSV file on disk, block by block."""
    spec = KINDS[kind]
    source = stream.open_csv(path)
    blocks = stream.frames(source)
    first = next(blocks, None)
    if first is None:
        raise ImportFileError(_("The file has a header but no rows."))
    prepare = PRESETS[preset].prepare if preset and preset in PRESETS else None

    def prepared(table: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
        if prepare:
            table = prepare(kind, table)
        derived: dict[str, str] = {}
        if saved is not None:
            table, derived = saved.prepare(table)
        return table, derived

    table, derived = prepared(first)
    chosen = mapping or derived or auto_mapping(table.columns, spec, preset)
    given = sv._given(spec, chosen)
    check_kind(by, spec)
    run = run or ImportRun(kind=kind, preset=preset, filename=filename[:255], by=by)
    run.mapping_name = saved_name[:60]
    run.started_at, run.file_format = timezone.now(), source.file_format.describe()
    run.mapping = chosen
    run.value_maps = saved.values if saved is not None else {}
    language = translation.get_language()

    def ready_block(table: pl.DataFrame, first_row: int, like: Parsed | None) -> _Ready:
        parsed = sv._parse(table, spec, chosen, preset, source.separator, saved, first_row, like)
        kept = sv._kept_blanks(table, chosen, given, clear, first_row)
        return _Ready(parsed, kept)

    def read_ahead(first_row: int, like: Parsed) -> _Ready | None:
        """The next block, parsed (in a thread of its own: in the import's language, and
        without the database, which stays with the import's transaction)."""
        with translation.override(language):
            following = next(blocks, None)
            if following is None:
                return None
            return ready_block(prepared(following)[0], first_row, like)

    problems = Problems()
    preview = table.head(10)
    totals = Counter[str]()
    days: set[dt.date] = set()
    rows = 0
    try:
        try:
            with transaction.atomic():
                with ExitStack() as stack:
                    seen = _Seen(_max_id(spec.table))
                    per_row = max(stream.chunk_bytes() / first.height, 1.0)
                    estimate = int(source.path.stat().st_size / per_row)
                    if connection.vendor == "postgresql":  # checked per block, not at commit
                        stack.enter_context(_constraints_immediate())
                    rebuild = _Rebuild(stack, spec, worth_rebuilding(spec.table, estimate))
                    stack.enter_context(no_rebuilds())
                    ahead = stack.enter_context(ThreadPoolExecutor(1, "koers-import"))
                    ready: _Ready | None = ready_block(table, rows + 2, None)
                    like = ready.parsed  # later blocks read dates and numbers as this one
                    while ready is not None:
                        run.formats = run.formats or ready.parsed.formats
                        rows += ready.kept.height
                        # the next block is read and parsed while this one is written
                        coming = ahead.submit(read_ahead, rows + 2, like)
                        parsed, kept = ready.parsed, ready.kept
                        _block(spec, parsed, kept, given, by, seen, problems, totals, days, rebuild)
                        # the rows so far of about ``estimate``: most of the work, the refresh
                        # of the months touched follows
                        report(
                            0.8 * min(rows / max(estimate, 1), 1.0),
                            _("%(rows)s rows imported") % {"rows": f"{rows:,}"},
                        )
                        ready = coming.result()
                    if dry_run or problems.total:
                        raise _Undo  # out past the index rebuilds, and the transaction undone
                sv._convert_currencies(spec, pl.DataFrame(), pl.DataFrame())
                if totals["new"] + totals["changed"] >= ANALYZE_AFTER_ROWS:
                    # the refresh reads the months back by date: with statistics that know
                    # the new rows, PostgreSQL reads each page once (a bitmap scan) rather
                    # than following the date index row by row (half the time at 2 M lines)
                    analyze(spec.table, *FOLLOW_UP_TABLES.get(kind, ()))
                _release_memory()  # the blocks' frames, before the refresh reads its months
                report(0.85, _("Refreshing the figures of the months the file touched"))
                run.refreshed_months = _refresh(days)
        except _Undo:
            pass
        run.rows = rows
        run.created, run.updated, run.unchanged = totals["new"], totals["changed"], totals["same"]
        run.changed_fields = dict(
            sorted((k[6:], v) for k, v in totals.items() if k[:6] == "field:")
        )
        _finish(run, path, problems, dry_run, record)
        return sv.Outcome(run, problems.frame(), preview)
    finally:
        problems.close()


@dataclass(frozen=True)
class _Ready:
    """A block parsed and ready to be checked against the database and written."""

    parsed: Parsed
    kept: pl.DataFrame  # one row per line of the block (its ``_row``)


class _Seen:
    """Which stored records earlier blocks wrote (ids above the watermark, the highest id
    before the import) or matched (their ids, kept as one column: 8 bytes a record)."""

    def __init__(self, watermark: int) -> None:
        self.watermark = watermark
        self.matched = pl.Series("id", [], dtype=pl.Int64)

    def again(self, existing: pl.DataFrame) -> pl.DataFrame:
        """The stored rows of this block that an earlier block wrote or matched; the
        others are remembered as matched."""
        ids = existing["id"]
        twice = existing.filter((ids > self.watermark) | ids.is_in(self.matched.implode()))
        if twice.height == 0:
            self.matched = pl.concat([self.matched, ids.filter(ids <= self.watermark)])
        return twice


class _Rebuild:
    """A load large against its table drops the table's indexes and constraints (and its
    follow-up tables') and rebuilds them once at the end, but only from the first block
    that has new rows: a file that changes nothing, or only updates, leaves them be."""

    def __init__(self, stack: ExitStack, spec: Kind, wanted: bool) -> None:
        self.stack, self.spec, self.wanted = stack, spec, wanted

    def before_inserting(self) -> None:
        if not self.wanted:
            return
        self.wanted = False
        # the key's unique index stays: each block looks its keys up
        self.stack.enter_context(indexes_dropped(self.spec.table, keep=self.spec.key[0]))
        for table_name in FOLLOW_UP_TABLES.get(self.spec.name, ()):
            self.stack.enter_context(indexes_dropped(table_name))


class _Undo(Exception):
    """Leaves the import's transaction so that it is rolled back."""


def _block(
    spec: Kind,
    parsed: Parsed,
    kept: pl.DataFrame,
    given: list[str],
    by: Any,
    seen: _Seen,
    problems: Problems,
    totals: Counter[str],
    days: set[dt.date],
    rebuild: _Rebuild,
) -> None:
    """Check one block and, when it is clean, write it (the transaction decides later)."""
    frame = sv._resolve(parsed, spec)
    check_rules(parsed, spec, frame)
    errors = parsed.error_frame()
    if errors.height:
        problems.add(errors)
        return
    key = spec.key[0]
    existing = sv._existing(spec, [*spec.key, *sv._settable(spec, given)], frame[key])
    twice = seen.again(existing)
    if twice.height:  # written or matched by an earlier block of this same file
        again = frame.filter(pl.col(key).is_in(twice[key].implode()))
        problems.add(
            pl.DataFrame(
                {
                    "row": again["_row"],
                    "column": parsed.headers.get(key, key),
                    "value": again[key].cast(pl.Utf8),
                    "message": _("appears more than once in the file"),
                }
            )
        )
        return
    new, changed, unchanged = sv._diff(
        frame.join(kept, on="_row", how="left"), spec, given, existing=existing
    )
    if problems.total:  # nothing will be written: only look for more problems
        return
    sv._check_changes(by, spec, new, changed, given)
    if new.height:
        rebuild.before_inserting()
    sv._write(spec, new, changed, frame, given)
    audit_updates(spec, changed, sv._settable(spec, given), by)
    sv.reconvert(spec, changed)
    totals["new"] += new.height
    totals["changed"] += changed.height
    totals["same"] += unchanged
    for name, count in sv._field_counts(changed, spec, given).items():
        totals[f"field:{name}"] += count
    days.update(d for d in sv.fact_days(spec, new, changed) if d is not None)


def _refresh(days: set[dt.date]) -> int:
    from koers.measure.freshness import months_of
    from koers.measure.services import refresh_months

    return len(refresh_months(months_of(sorted(days)))) if days else 0


def _finish(run: ImportRun, path: Path, problems: Problems, dry_run: bool, record: bool) -> None:
    run.error_count = problems.total
    run.errors = problems.frame().to_dicts()
    run.problem_summary = problems.summary()
    sv.settle(run, problems.total, dry_run)
    if not record:
        return
    if not run.file:
        with path.open("rb") as handle:
            run.file.save(run.filename or "import.csv", File(handle), save=False)
    if problems.total > sv.MAX_STORED_ERRORS:
        problems.file.flush()
        with open(problems.file.name, "rb") as handle:
            run.problems.save(f"problems-{run.filename or 'import'}.csv", File(handle), save=False)
    run.save()


def _release_memory() -> None:
    """Give freed memory back to the system (glibc keeps it for reuse otherwise)."""
    import contextlib
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    if name:
        with contextlib.suppress(OSError, AttributeError):  # not glibc
            ctypes.CDLL(name).malloc_trim(0)


def _max_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        return int(cursor.fetchone()[0])


@contextmanager
def _constraints_immediate() -> Iterator[None]:
    """PostgreSQL: foreign keys checked at the end of each statement (each block's COPY),
    so the checks of millions of rows do not queue up until the commit. (Left by an error,
    the transaction is rolled back and the setting with it.)"""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
