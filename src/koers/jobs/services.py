"""Handing heavy work to a worker and carrying it out once.

``submit`` records a job and hands it to a worker when the request's transaction commits:
a Celery worker when a broker is configured, else a thread of this process (the embedded
default), never the request itself. ``execute`` carries a job out: it claims the job, runs
its work and marks it done in one transaction, so a worker killed half-way applies
nothing; the broker (or, for local threads, ``recover``) hands the job out again and it
is tried once more, never applied twice."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from koers.jobs.execution import job_value, progress_of
from koers.jobs.models import Job
from koers.jobs.registry import KINDS, kind_of
from koers.jobs.runners import dispatch
from koers.org import visibility as vis


def submit(kind: str, *, args: dict[str, Any], by: Any, key: str = "") -> Job:
    """Record a job of ``kind`` and hand it to a worker once the caller's transaction
    commits. The same work (``kind`` and ``key``) already waiting or running is joined,
    not started twice: two clicks, one job."""
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
    done, step = progress_of(job)
    kind = KINDS.get(job.kind)
    return {
        "job": job,
        "label": kind.label if kind else job.kind,
        "percent": round(done * 100),
        "step": step,
    }


def visible_jobs(user: Any):  # type: ignore[no-untyped-def]
    """Everyone's jobs for the all-seeing roles, one's own for everybody else."""
    jobs = Job.objects.select_related("by")
    return jobs if vis.sees_everything(user) else jobs.filter(by=user)
