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
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

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


def _import(claimed: Path, source: str, name: str) -> Handled:
    from koers.imports.services import errors_csv, import_file

    try:
        if source in KINDS:
            kind, saved, saved_name = source, None, ""
        else:
            saved_name, saved = load_mapping_by_name(source)
            kind = saved.kind
        outcome = import_file(
            kind=kind,
            raw=claimed.read_bytes(),
            filename=name,
            by=None,
            saved=saved,
            saved_name=saved_name,
        )
    except ImportFileError as exc:  # the file as a whole: unreadable, columns missing
        problems = claimed.with_name(claimed.name + ".problems.csv")
        problems.write_text(f'problem\n"{exc}"\n', encoding="utf-8")
        return Handled(name, source, "failed", 0, str(exc))
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


def watch(root: Path) -> list[Handled]:
    """Import every new file under ``root``; returns what happened to each."""
    for place in PLACES:
        (root / place).mkdir(parents=True, exist_ok=True)
    handled = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in PLACES):
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.suffix.lower() not in SUFFIXES:
                continue
            claimed = _claim(path, root)
            if claimed is None:
                continue
            result = _import(claimed, folder.name, path.name)
            place = root / ("done" if result.status == "committed" else "failed")
            for moved in (claimed, claimed.with_name(claimed.name + ".problems.csv")):
                if moved.exists():
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
