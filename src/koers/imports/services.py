"""Importing a file: read, map, parse, check, resolve references, then write everything
or nothing. Importing the same file again changes nothing; a changed row updates the
record with the same key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.imports import gaps as gaps_module
from koers.imports.audit import audit_updates
from koers.imports.checks import check_rules
from koers.imports.mapping import auto_mapping
from koers.imports.models import ImportRun
from koers.imports.permissions import check_kind
from koers.imports.presets import PRESETS
from koers.imports.reader import ImportFileError, Limits, read_table
from koers.imports.saved import SavedMapping, load_mapping_by_name, with_values
from koers.imports.specs import KINDS
from koers.imports.steps import (
    Outcome,
    _check_changes,
    _convert_currencies,
    _diff,
    _field_counts,
    _finish,
    _given,
    _kept_blanks,
    _parse,
    _refresh_facts,
    _resolve,
    _settable,
    _write,
    errors_csv,
)


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
