"""The job list and one job's progress, polled by its page until it is done."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from koers.jobs.models import Job
from koers.jobs.registry import KINDS
from koers.jobs.runners import recover
from koers.jobs.services import progress_of, visible_jobs

LISTED = 200


def _rows(jobs: list[Job]) -> list[dict]:
    rows = []
    for job in jobs:
        done, step = progress_of(job)
        kind = KINDS.get(job.kind)
        rows.append(
            {
                "job": job,
                "label": kind.label if kind else job.kind,
                "percent": round(done * 100),
                "step": step,
            }
        )
    return rows


def job_list(request: HttpRequest) -> HttpResponse:
    recover()  # jobs a stopped server left behind start again
    jobs = list(visible_jobs(request.user)[:LISTED])
    return render(request, "jobs/list.html", {"rows": _rows(jobs)})


def _job(request: HttpRequest, pk: int) -> Job:
    job = visible_jobs(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(request, "jobs/detail.html", {"row": _rows([job])[0]})


def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel; once the job is done and the page asked to follow it, the
    browser is sent to the result (``HX-Redirect``)."""
    job = _job(request, pk)
    response = render(request, "jobs/_progress.html", {"row": _rows([job])[0]})
    follow = request.GET.get("follow") == "1"
    if (
        follow
        and job.status == Job.Status.DONE
        and job.url
        and url_has_allowed_host_and_scheme(job.url, allowed_hosts={request.get_host()})
    ):
        response["HX-Redirect"] = job.url
    return response
