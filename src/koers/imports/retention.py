"""Disk kept in bounds: a failed or trial import keeps its problems, not its file, beyond
the retention period (``KOERS_IMPORT_KEEP_FAILED_DAYS``); uploads abandoned in the wizard
are removed from staging after a day. Committed imports keep their original file for the
audit trail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import transaction

from koers.imports.models import ImportRun

STAGING_HOURS = 24
# an import still "running" this long after it started lost its worker (a restart, a kill)
ABANDONED_HOURS = 6


def staging_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def abandoned_runs_failed(*, now: dt.datetime) -> int:
    """Imports whose worker stopped mid-way stay "running" for ever: mark them refused,
    saying why. An import writes in one transaction, so such a run wrote nothing."""
    from django.utils.translation import gettext as _

    cutoff = now - dt.timedelta(hours=ABANDONED_HOURS)
    message = _(
        "The worker stopped before this import finished; nothing was written. Import the "
        "file again."
    )
    return ImportRun.objects.filter(status=ImportRun.Status.RUNNING, started_at__lt=cutoff).update(
        status=ImportRun.Status.FAILED,
        error_count=1,
        errors=[{"row": None, "column": "", "value": "", "message": message}],
        finished_at=now,
    )


def imports_clean_up(*, now: dt.datetime) -> tuple[int, int]:
    """Remove what is no longer kept; returns (import files removed, staged files removed)."""
    cutoff = now - dt.timedelta(days=settings.KOERS_IMPORT_KEEP_FAILED_DAYS)
    expired = (
        ImportRun.objects.exclude(status=ImportRun.Status.COMMITTED)
        .filter(started_at__lt=cutoff)
        .exclude(file="")
    )
    removed = 0
    for run in expired.only("id", "file"):
        with transaction.atomic():
            run.file.delete(save=False)
            ImportRun.objects.filter(pk=run.pk).update(file="")
        removed += 1
    stale = now.timestamp() - STAGING_HOURS * 3600
    staged = 0
    for path in staging_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < stale:
            path.unlink(missing_ok=True)
            staged += 1
    return removed, staged
