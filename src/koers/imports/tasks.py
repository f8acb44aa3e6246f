"""Background work of imports: the watched folder, when a broker runs Celery beat (a
large upload is a background job: see ``koers.imports.jobs``)."""

from __future__ import annotations

from celery import shared_task


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
    """Does an upload of ``size`` bytes go to a background job (a Celery worker, or a
    thread of the server without a broker)? Above ``KOERS_IMPORT_WORKER_MB``."""
    from django.conf import settings

    return size > settings.KOERS_IMPORT_WORKER_MB * 1024**2
