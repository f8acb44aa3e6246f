"""The forecast's schedule: the nightly fit, a snapshot every Monday and on the first of
each month, when a broker runs Celery beat (``koers forecast`` otherwise, from cron)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task(name="koers.forecast.fit")
def nightly_fit() -> int:
    """The nightly fit, as a job (the job list shows it and how it ended)."""
    from koers.jobs.services import submit

    return submit("forecast.fit", args={}, by=None).pk


@shared_task(name="koers.forecast.snapshot")
def snapshot() -> int:
    from koers.forecast.services import snapshot as take

    return take(today=timezone.localdate()).pk
