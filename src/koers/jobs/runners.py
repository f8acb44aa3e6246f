"""Where a job runs: a Celery worker when a broker is configured, else a thread of this
process; ``KOERS_JOBS_INLINE`` (tests only) runs it at once in the caller."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections, transaction

from koers.jobs.execution import execute, orphans, worker_name
from koers.jobs.models import Job

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()
_running: dict[int, Future] = {}


def uses_broker() -> bool:
    return bool(settings.CELERY_BROKER_URL)


def dispatch(job: Job) -> None:
    if settings.KOERS_JOBS_INLINE:
        execute(job.pk, worker=worker_name("inline"))
        return
    if uses_broker():
        from koers.jobs.tasks import run_job

        transaction.on_commit(lambda: run_job.delay(job.pk))
        return
    Job.objects.filter(pk=job.pk).update(worker=worker_name("local"))
    transaction.on_commit(lambda: _local(job.pk))


def _local(job_id: int) -> Future:
    pool = local_pool()
    future = pool.submit(_in_thread, job_id)
    _running[job_id] = future
    # forgotten once done (at once when the thread already finished)
    future.add_done_callback(lambda _done: _running.pop(job_id, None))
    return future


def _in_thread(job_id: int) -> None:
    close_old_connections()
    try:
        execute(job_id, worker=worker_name("local"))
    finally:
        connections.close_all()


def local_pool() -> ThreadPoolExecutor:
    """The process's job threads (``KOERS_JOB_THREADS``), started on first use; the jobs
    a stopped process left behind are taken up again then."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=settings.KOERS_JOB_THREADS, thread_name_prefix="koers-job"
            )
            fresh = True
        else:
            fresh = False
    if fresh:
        recover()
    return _pool


def recover() -> list[int]:
    """Hand the jobs of a stopped local worker to this process's threads (each is tried
    once more; see ``execution.execute``)."""
    if uses_broker():
        return []
    found = [job.pk for job in orphans()]
    for job_id in found:
        Job.objects.filter(pk=job_id).update(worker=worker_name("local"))
        _local(job_id)
    return found


def wait(job_id: int, timeout: float = 60.0) -> None:
    """Wait for a local job to finish (commands and tests)."""
    future = _running.get(job_id)
    if future is not None:
        future.result(timeout=timeout)
