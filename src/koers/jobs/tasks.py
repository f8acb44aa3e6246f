"""The Celery side of background jobs: one task carries out any job."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="koers.jobs.run", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> str:
    """Carry out the job ``job_id``; a second delivery (the worker was killed) tries it
    once more, and a delivery of a finished job does nothing."""
    from koers.jobs.execution import execute, worker_name

    job = execute(job_id, worker=worker_name("celery"))
    return job.status if job else "nothing to do"
