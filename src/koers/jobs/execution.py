"""Carrying a job out once: claim it, run its work and mark it done in one transaction (a
worker killed half-way applies nothing and the job is tried once more, never applied
twice); its progress and result pass to the web through the cache."""

from __future__ import annotations

import logging
import os
import socket
import time
from contextlib import nullcontext
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from koers.core.progress import reporting_to
from koers.jobs.models import Job
from koers.jobs.registry import Outcome, kind_of

log = logging.getLogger("koers.jobs")

MAX_ATTEMPTS = 2  # the first try and one retry after a worker stopped
_current: ContextVar[int | None] = ContextVar("koers_job", default=None)


def current_job() -> int | None:
    """The job whose work is running here (None outside a job)."""
    return _current.get()


PROGRESS_SECONDS = 60 * 60 * 24
VALUE_SECONDS = 60 * 60 * 24


def worker_name(where: str) -> str:
    return f"{where}:{socket.gethostname()}:{os.getpid()}"


def _progress_key(job_id: int) -> str:
    return f"koers:job:{job_id}:progress"


def progress_of(job: Job) -> tuple[float, str]:
    """How far a job is (0..1) and its step in words; only a waiting or running job asks
    the cache (a list of finished jobs makes no round trips)."""
    if job.finished:
        return (1.0 if job.status == Job.Status.DONE else 0.0), ""
    return cache.get(_progress_key(job.pk)) or (0.0, "")


def reporter(job_id: int):  # type: ignore[no-untyped-def]
    last = [0.0]

    def report(done: float, step: str) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.25 or done >= 1.0:  # a tight loop must not flood the cache
            last[0] = now
            cache.set(_progress_key(job_id), (done, step), PROGRESS_SECONDS)

    return report


def _claim(job_id: int, worker: str) -> bool:
    """Mark the job running on ``worker``; False when it is finished, or ran out of tries
    (then it is marked failed)."""
    claimed = Job.objects.filter(
        pk=job_id,
        status__in=(Job.Status.QUEUED, Job.Status.RUNNING),
        attempts__lt=MAX_ATTEMPTS,
    ).update(
        status=Job.Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        worker=worker[:120],
    )
    if claimed:
        return True
    Job.objects.filter(pk=job_id, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).update(
        status=Job.Status.FAILED,
        finished_at=timezone.now(),
        message=_("The worker stopped before the job was done, twice; nothing was applied."),
    )
    return False


def _failure(error: BaseException, job_id: int) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, PermissionDenied):
        return str(error) or _("You may not do this.")
    log.exception("job %s failed", job_id, exc_info=error)
    return _(
        "The job stopped on an unexpected error; nothing was applied. The administrator "
        "finds the details in the log under job %(id)s."
    ) % {"id": job_id}


def execute(job_id: int, *, worker: str) -> Job | None:
    """Carry out the job ``job_id`` once: None when there is nothing to do (it is done,
    failed, or another worker finished it meanwhile)."""
    if not _claim(job_id, worker):
        return None
    job = Job.objects.select_related("by").get(pk=job_id)
    kind = kind_of(job.kind)
    args = {k: v for k, v in job.args.items() if k != "language"}
    with translation.override(job.args.get("language") or "nl"):
        try:
            with (
                reporting_to(reporter(job_id)),
                transaction.atomic() if kind.atomic else nullcontext(),
            ):
                # in the work's transaction the row lock makes a second delivery of the
                # same job wait here and then find it done
                if kind.atomic and Job.objects.select_for_update().get(pk=job_id).status != (
                    Job.Status.RUNNING
                ):
                    return None
                token = _current.set(job_id)
                try:
                    outcome = kind.run(args, job.by)
                finally:
                    _current.reset(token)
                if outcome.later:
                    return Job.objects.get(pk=job_id)
                _finish(job_id, outcome)
        except Exception as error:  # the job says why it failed; the worker goes on
            fail(job_id, error)
    cache.delete(_progress_key(job_id))
    return Job.objects.get(pk=job_id)


def complete(job_id: int, outcome: Outcome) -> None:
    """Mark a job whose work went on elsewhere (``Outcome.later``) done."""
    _finish(job_id, outcome)
    transaction.on_commit(lambda: cache.delete(_progress_key(job_id)))


def fail(job_id: int, error: BaseException) -> None:
    """Mark a job failed with the reason in words (the details of an unexpected error go
    to the log)."""
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED, finished_at=timezone.now(), message=_failure(error, job_id)
    )


def _finish(job_id: int, outcome: Outcome) -> None:
    if outcome.value is not None:
        cache.set(_value_key(job_id), outcome.value, VALUE_SECONDS)
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.DONE,
        finished_at=timezone.now(),
        summary=str(outcome.summary)[:300],
        url=outcome.url.replace("{job}", str(job_id))[:300],
    )


def _value_key(job_id: int) -> str:
    return f"koers:job:{job_id}:value"


def job_value(job: Job) -> Any:
    """What a done job left for its page (None: not done, or no longer kept)."""
    return cache.get(_value_key(job.pk)) if job.status == Job.Status.DONE else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def orphans() -> list[Job]:
    """Jobs left by a local worker of this machine whose process has gone: they were
    waiting or running when the server stopped."""
    prefix = f"local:{socket.gethostname()}:"
    found = []
    for job in Job.objects.filter(
        status__in=(Job.Status.QUEUED, Job.Status.RUNNING), worker__startswith=prefix
    ):
        pid = job.worker.rsplit(":", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            found.append(job)
    return found
