"""Background work of imports: a large file on a Celery worker when a broker is
configured (``CELERY_BROKER_URL``), never in a web request."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="koers.imports.import_queued")
def import_queued(run_id: int) -> str:
    """Complete the queued import ``run_id``; safe to retry (the run is claimed first)."""
    from koers.imports.services import import_claimed

    outcome = import_claimed(run_id)
    return outcome.run.status if outcome else "not waiting"


@shared_task(name="koers.imports.watch")
def watch_folder() -> str:
    """Import the new files of the watched folder (``KOERS_IMPORT_WATCH_DIR``); nothing
    when none is set. Safe to run twice at once: each file is claimed by a move."""
    from koers.imports.watch import watch, watched_root

    root = watched_root()
    if root is None:
        return "no folder watched"
    return f"{len(watch(root))} files"


def on_worker(size: int) -> bool:
    """Does an upload of ``size`` bytes go to a worker? Only with a broker configured and
    above ``KOERS_IMPORT_WORKER_MB``."""
    from django.conf import settings

    return bool(settings.CELERY_BROKER_URL) and size > settings.KOERS_IMPORT_WORKER_MB * 1024**2
