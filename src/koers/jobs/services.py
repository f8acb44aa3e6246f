"""Handing heavy work to a worker and carrying it out once.

``submit`` records a job and hands it to a worker when the request's transaction commits:
a Celery worker when a broker is configured, else a thread of this process (the embedded
default), never the request itself. ``execute`` carries a job out: it claims the job, runs
its work and marks it done in one transaction, so a worker killed half-way applies
nothing; the broker (or, for local threads, ``recover``) hands the job out again and it
is tried once more, never applied twice."""

from __future__ import annotations

import logging
import os
import socket
import time
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
PROGRESS_SECONDS = 60 * 60 * 24
VALUE_SECONDS = 60 * 60 * 24


def worker_name(where: str) -> str:
    return f"{where}:{socket.gethostname()}:{os.getpid()}"


def submit(kind: str, *, args: dict[str, Any], by: Any, key: str = "") -> Job:
    """Record a job of ``kind`` and hand it to a worker once the caller's transaction
    commits. The same work (``kind`` and ``key``) already waiting or running is joined,
    not started twice: two clicks, one job."""
    from koers.jobs.runners import dispatch

    kind_of(kind)  # an unknown kind is a programming error: fail here, not in a worker
    key = key or kind
    waiting = Job.objects.filter(
        kind=kind, key=key, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)
    ).first()
    if waiting is not None:
        return waiting
    job = Job.objects.create(
        kind=kind,
        key=key[:200],
        args={**args, "language": translation.get_language() or "nl"},
        by=by if getattr(by, "pk", None) else None,
    )
    dispatch(job)
    job.refresh_from_db()  # run at once in tests (``KOERS_JOBS_INLINE``)
    return job


def _progress_key(job_id: int) -> str:
    return f"koers:job:{job_id}:progress"


def progress_of(job: Job) -> tuple[float, str]:
    """How far a job is (0..1) and its step in words."""
    if job.status == Job.Status.DONE:
        return 1.0, ""
    return cache.get(_progress_key(job.pk)) or (0.0, "")


def _reporter(job_id: int):  # type: ignore[no-untyped-def]
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
            with reporting_to(_reporter(job_id)):
                if kind.atomic:
                    with transaction.atomic():
                        # the row lock makes a second delivery of the same job wait here
                        # and then find it done
                        locked = Job.objects.select_for_update().get(pk=job_id)
                        if locked.status != Job.Status.RUNNING:
                            return None
                        outcome = kind.run(args, job.by)
                        _finish(job_id, outcome)
                else:
                    outcome = kind.run(args, job.by)
                    _finish(job_id, outcome)
        except Exception as error:  # the job says why it failed; the worker goes on
            Job.objects.filter(pk=job_id).update(
                status=Job.Status.FAILED,
                finished_at=timezone.now(),
                message=_failure(error, job_id),
            )
    cache.delete(_progress_key(job_id))
    return Job.objects.get(pk=job_id)


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


def page_job(request: Any, kind: str, *, args: dict[str, Any], key: str) -> Job:
    """The job a page shows: the one named in ``?job=`` (if the user may see it and it is
    of this kind and key), else a new one (or the same work already waiting)."""
    asked = request.GET.get("job", "")
    if asked.isdigit():
        found = visible_jobs(request.user).filter(pk=int(asked), kind=kind, key=key).first()
        kept = found is not None and (found.status != Job.Status.DONE or job_value(found))
        if kept:
            return found  # type: ignore[return-value]
    return submit(kind, args=args, by=request.user, key=key)


def job_row(job: Job) -> dict[str, Any]:
    """A job as its progress panel and the job list show it."""
    from koers.jobs.registry import KINDS

    done, step = progress_of(job)
    kind = KINDS.get(job.kind)
    return {
        "job": job,
        "label": kind.label if kind else job.kind,
        "percent": round(done * 100),
        "step": step,
    }


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


def visible_jobs(user: Any):  # type: ignore[no-untyped-def]
    """Everyone's jobs for the all-seeing roles, one's own for everybody else."""
    from koers.org import visibility as vis

    jobs = Job.objects.select_related("by")
    return jobs if vis.sees_everything(user) else jobs.filter(by=user)
