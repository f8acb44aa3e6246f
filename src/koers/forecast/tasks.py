"""The forecast's schedule: the nightly fit, a snapshot every Monday and on the first of
each month, when a broker runs Celery beat (``koers forecast`` otherwise, from cron)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task(name="koers.forecast.fit")
def nightly_fit() -> int:
    from koers.forecast.services import fit

    return fit(today=timezone.localdate()).pk


@shared_task(name="koers.forecast.snapshot")
def snapshot() -> int:
    from koers.forecast.services import snapshot as take

    return take(today=timezone.localdate()).pk


@shared_task(name="koers.forecast.backtest")
def backtest() -> int:
    from koers.forecast.services import backtest as run

    return run(today=timezone.localdate()).pk
