"""The job list and one job's progress, polled by its page until it is done."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from koers.jobs.models import Job
from koers.jobs.runners import recover
from koers.jobs.services import job_row, visible_jobs
from koers.measure.freshness import months_to_refresh
from koers.org import visibility as vis

LISTED = 200


def job_list(request: HttpRequest) -> HttpResponse:
    """What runs, for whom, and how it ended; the office may refresh stale figures here."""
    may_refresh = vis.sees_everything(request.user)
    if request.method == "POST":
        if not may_refresh:
            raise PermissionDenied
        from koers.measure.jobs import refresh_job

        job = refresh_job(request.user)
        return redirect("job_detail", pk=job.pk)
    recover()  # jobs a stopped server left behind start again
    jobs = list(visible_jobs(request.user)[:LISTED])
    context = {
        "rows": [job_row(job) for job in jobs],
        "may_refresh": may_refresh,
        "stale": len(months_to_refresh()) if may_refresh else 0,
    }
    return render(request, "jobs/list.html", context)


def _job(request: HttpRequest, pk: int) -> Job:
    job = visible_jobs(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(request, "jobs/detail.html", {"row": job_row(job)})


def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel; once the job is done and the page asked to follow it, the
    browser is sent to the result (``HX-Redirect``)."""
    job = _job(request, pk)
    response = render(request, "jobs/_progress.html", {"row": job_row(job)})
    follow = request.GET.get("follow") == "1"
    if (
        follow
        and job.status == Job.Status.DONE
        and job.url
        and url_has_allowed_host_and_scheme(job.url, allowed_hosts={request.get_host()})
    ):
        response["HX-Redirect"] = job.url
    return response
