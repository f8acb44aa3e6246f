"""Measure's schedule: the figures of months marked stale are refreshed every night (and
whenever a month is calculated) when a broker runs Celery beat."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="koers.measure.refresh")
def nightly_refresh() -> int:
    from koers.measure.jobs import refresh_job

    return refresh_job(None).pk
