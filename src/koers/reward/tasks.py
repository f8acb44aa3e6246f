"""Reward's Celery tasks: the parts of a month calculated on several workers."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="koers.reward.month_part", acks_late=True, reject_on_worker_lost=True)
def month_part(part_id: int) -> str:
    """Calculate one part of a month; the last part hands the month to ``month_finish``."""
    from koers.jobs.execution import worker_name
    from koers.reward.models import RunPart
    from koers.reward.services.spread import compute, fail_running

    job_id = RunPart.objects.values_list("job_id", flat=True).get(pk=part_id)
    try:
        state = compute(part_id, worker=worker_name("celery"))
    except Exception as error:  # not the calculation's own (that one says why): the job fails
        fail_running(job_id, error)
        raise
    if state == "last":
        month_finish.delay(job_id)
    return state


@shared_task(name="koers.reward.month_finish", acks_late=True, reject_on_worker_lost=True)
def month_finish(job_id: int) -> str:
    """Write a month from all its parts and mark its job done."""
    from koers.reward.services.spread import fail_running, finish

    try:
        return finish(job_id)
    except Exception as error:
        fail_running(job_id, error)
        raise
