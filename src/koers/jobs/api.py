"""Background jobs in the REST API: how far a job is and how it ended."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Path, Router, Schema

from koers.api.schemas import MAX_ID, ErrorOut
from koers.jobs.execution import progress_of
from koers.jobs.models import Job
from koers.jobs.services import visible_jobs

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str
    status: str
    progress: float
    step: str
    attempts: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    summary: str
    url: str
    message: str


def job_out(job: Job) -> dict:
    done, step = progress_of(job)
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "progress": round(done, 3),
        "step": step,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "summary": job.summary,
        "url": job.url,
        "message": job.message,
    }


@router.get("/{job_id}", response={200: JobOut, 404: ErrorOut})
def get_job(request: HttpRequest, job_id: int = Path(..., ge=1, le=MAX_ID)):
    """One job you asked for (everyone's for the director and the administrators)."""
    job = visible_jobs(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job_out(job)


@router.get("", response={200: list[JobOut]})
def list_jobs(request: HttpRequest):
    """The latest 200 jobs you may see, newest first."""
    return [job_out(j) for j in visible_jobs(request.user)[:200]]
