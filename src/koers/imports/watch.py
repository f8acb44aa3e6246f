"""Scheduled imports: a folder watched on a schedule (Celery beat, or `koers imports-watch`
from cron). Each subfolder is named after what its files are: a saved mapping's name, or an
import kind for files in Koers's own template. A new file is claimed by moving it into
``processing/`` (so two workers never take the same file), imported all or nothing with that
mapping, then moved to ``done/`` or, with its problems beside it, to ``failed/``. The
administrators get one e-mail per round that imported something.

    watched/
      verkoopregels/           a saved mapping: every file here is imported with it
        2026-11.csv
      accounts/                an import kind: files in Koers's template
      processing/ done/ failed/

The folder takes only what it should. A link (to a file or a folder) is never followed:
a linked file is removed (the link only: what it points to is never read nor moved) and
named in ``failed/``, a linked folder is left alone, and a file with a second hard link
elsewhere is refused like a link. A file is taken only once
it is complete: unchanged for ``KOERS_IMPORT_WATCH_SETTLE_SECONDS`` (a sender that writes
under a temporary name, a dot-file or a suffix such as ``.part``, and renames when done is
taken at once after the rename). Its size is checked before a byte of it is read, and it is
read from the claimed file itself (opened without following links); a file that changed
while it was claimed goes back where it was, for the next round.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.imports.reader import ImportFileError
from koers.imports.saved import load_mapping_by_name
from koers.imports.specs import KINDS

SUFFIXES = {".csv", ".txt", ".xlsx"}
PLACES = ("processing", "done", "failed")


@dataclass(frozen=True)
class Handled:
    file: str
    source: str  # the subfolder: a mapping's name or a kind
    status: str  # committed, failed
    rows: int
    detail: str


def _claim(path: Path, root: Path) -> Path | None:
    """Move ``path`` into processing/; None when another worker was first."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    target = root / "processing" / f"{stamp}__{path.parent.name}__{path.name}"
    try:
        path.rename(target)
    except FileNotFoundError:
        return None
    return target


def _refused(claimed: Path, source: str, name: str, problem: str) -> Handled:
    problems = claimed.with_name(claimed.name + ".problems.csv")
    text = problem.replace('"', '""')
    problems.write_text(f'problem\n"{text}"\n', encoding="utf-8")
    return Handled(name, source, "failed", 0, problem)


class _Changed(Exception):
    """The claimed file changed while it was read: a sender is still writing it."""


def _read(claimed: Path, seen: os.stat_result) -> bytes:
    """The claimed file's bytes, read from the file itself (never through a link), after
    its size is checked against the upload limit."""
    from koers.imports.reader import Limits

    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        handle = os.open(claimed, flags)
    except OSError as exc:  # a link put in its place: O_NOFOLLOW refuses it
        raise ImportFileError(_("This is a link, not a file: Koers does not follow it.")) from exc
    with os.fdopen(handle, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode) or status.st_nlink > 1:
            raise ImportFileError(_("This is a link, not a file: Koers does not follow it."))
        if (status.st_size, status.st_mtime_ns) != (seen.st_size, seen.st_mtime_ns):
            raise _Changed
        limit = Limits.from_settings().bytes
        if status.st_size > limit:
            raise ImportFileError(
                _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
            )
        raw = file.read(limit + 1)
        if len(raw) != status.st_size or os.fstat(file.fileno()).st_size != status.st_size:
            raise _Changed
    return raw


def _import(claimed: Path, source: str, name: str, seen: os.stat_result) -> Handled:
    from koers.imports.services import errors_csv, import_file

    try:
        raw = _read(claimed, seen)
        if source in KINDS:
            kind, saved, saved_name = source, None, ""
        else:
            saved_name, saved = load_mapping_by_name(source)
            kind = saved.kind
        outcome = import_file(
            kind=kind,
            raw=raw,
            filename=name,
            by=None,
            saved=saved,
            saved_name=saved_name,
        )
    except ImportFileError as exc:  # the file as a whole: unreadable, columns missing
        return _refused(claimed, source, name, str(exc))
    run = outcome.run
    if run.error_count:
        problems = claimed.with_name(claimed.name + ".problems.csv")
        problems.write_text(errors_csv(outcome.errors), encoding="utf-8")
        return Handled(name, source, "failed", run.rows, f"{run.error_count} problems")
    return Handled(
        name,
        source,
        "committed",
        run.rows,
        f"{run.created} new, {run.updated} updated, {run.unchanged} unchanged",
    )


TEMPORARY = (".part", ".partial", ".tmp", ".filepart", ".crdownload", ".download")


def _complete(path: Path, status: os.stat_result, settle: float, now: float) -> bool:
    """Is the file done being written: not under a sender's temporary name, and unchanged
    for ``settle`` seconds?"""
    name = path.name.lower()
    if name.startswith((".", "~")) or name.endswith(TEMPORARY):
        return False
    return now - status.st_mtime >= settle


def _filesystem_now(root: Path) -> float:
    """The time by the file system's own clock (a network share's may differ from ours)."""
    marker = root / "processing" / f".now-{os.getpid()}"
    marker.touch()
    try:
        return marker.stat().st_mtime
    finally:
        marker.unlink(missing_ok=True)


def watch(root: Path, *, settle: float | None = None) -> list[Handled]:
    """Import every new, complete file under ``root``; returns what happened to each."""
    if settle is None:
        settle = float(getattr(settings, "KOERS_IMPORT_WATCH_SETTLE_SECONDS", 60))
    for place in PLACES:
        (root / place).mkdir(parents=True, exist_ok=True)
    handled = []
    now = _filesystem_now(root)
    folders = [
        p for p in root.iterdir() if p.name not in PLACES and not p.is_symlink() and p.is_dir()
    ]
    for folder in sorted(folders):
        for path in sorted(folder.iterdir()):
            try:
                status = path.lstat()
            except FileNotFoundError:  # taken by another worker meanwhile
                continue
            if path.suffix.lower() not in SUFFIXES:
                continue
            linked = stat.S_ISLNK(status.st_mode) or (
                stat.S_ISREG(status.st_mode) and status.st_nlink > 1
            )
            if not linked and not stat.S_ISREG(status.st_mode):
                continue
            if not linked and not _complete(path, status, settle, now):
                continue
            claimed = _claim(path, root)
            if claimed is None:
                continue
            if linked:  # the link goes; what it points to is never read nor moved
                claimed.unlink()
                result = _refused(
                    claimed,
                    folder.name,
                    path.name,
                    _("This is a link, not a file: Koers does not follow it."),
                )
            else:
                try:
                    result = _import(claimed, folder.name, path.name, status)
                except _Changed:  # still being written: back where it was, for next time
                    claimed.rename(path)
                    continue
            place = root / ("done" if result.status == "committed" else "failed")
            for moved in (claimed, claimed.with_name(claimed.name + ".problems.csv")):
                if moved.is_symlink() or moved.exists():
                    moved.rename(place / moved.name)
            handled.append(result)
    if handled:
        _tell(handled)
    return handled


def _tell(handled: list[Handled]) -> None:
    """One e-mail to the administrators (settings.ADMINS, or every administrator with an
    e-mail address) saying what each file did."""
    from koers.org.models import Person, Role

    to = [email for _name, email in settings.ADMINS] or list(
        Person.objects.filter(role=Role.ADMIN).exclude(email="").values_list("email", flat=True)
    )
    if not to:
        return
    failed = sum(h.status == "failed" for h in handled)
    subject = f"Koers: {len(handled)} scheduled imports, {failed} failed"
    lines = [f"{h.source}/{h.file}: {h.status}, {h.rows} rows: {h.detail}" for h in handled]
    send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, to)


def watched_root() -> Path | None:
    folder = settings.KOERS_IMPORT_WATCH_DIR
    return Path(folder) if folder else None
