"""Background work of Reward: a calculation run on a Celery worker when a broker is
configured (``CELERY_BROKER_URL``); without one, tasks run in the request."""

from __future__ import annotations

import datetime as dt

from celery import shared_task


@shared_task(name="koers.reward.calculate_month")
def calculate_month(month: str, user_id: int | None = None) -> str:
    """Calculate the month ``YYYY-MM-DD`` (see ``services.run_month``); returns it."""
    from django.contrib.auth import get_user_model

    from koers.reward.services import run_month

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = run_month(dt.date.fromisoformat(month), by=user)
    return f"{run.month:%Y-%m}"


def queued() -> bool:
    """Do runs go to a worker (a broker is configured) rather than run in the request?"""
    from django.conf import settings

    return not settings.CELERY_TASK_ALWAYS_EAGER
