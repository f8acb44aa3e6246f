"""Reward's background jobs: a month's calculation and modelling a draft plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.jobs.registry import Outcome, job


@job("reward.month", gettext_lazy("Calculating a month"))
def calculate(args: dict[str, Any], by: Any) -> Outcome:
    from koers.reward.services import run_month
    from koers.reward.services.spread import outcome

    run = run_month(dt.date.fromisoformat(args["month"]), by=by)
    return outcome(run.month)


@job("reward.month_parts", gettext_lazy("Calculating a month on several workers"), atomic=False)
def calculate_in_parts(args: dict[str, Any], by: Any) -> Outcome:
    """Prepare the month and hand its parts to the workers; the last part to finish
    writes the month and marks this job done (``reward.services.spread``)."""
    from koers.jobs.execution import current_job
    from koers.reward.services.spread import start
    from koers.reward.tasks import month_part

    month = dt.date.fromisoformat(args["month"])
    for part in start(current_job(), month, int(args["parts"])):  # type: ignore[arg-type]
        month_part.delay(part)
    return Outcome(
        _("%(month)s is being calculated in %(parts)s parts.")
        % {"month": f"{month:%m-%Y}", "parts": args["parts"]},
        later=True,
    )


def month_job(month: dt.date, by: Any):  # type: ignore[no-untyped-def]
    """Hand the calculation of ``month`` to a worker (two clicks, one job): with a broker
    and ``KOERS_RUN_PARTITIONS`` above one, split over that many parts."""
    from koers.jobs.runners import uses_broker
    from koers.jobs.services import submit

    parts = settings.KOERS_RUN_PARTITIONS
    if parts > 1 and uses_broker():
        return month_parts_job(month, by, parts)
    return submit(
        "reward.month", args={"month": month.isoformat()}, by=by, key=f"reward.month:{month:%Y-%m}"
    )


def month_parts_job(month: dt.date, by: Any, parts: int):  # type: ignore[no-untyped-def]
    from koers.jobs.services import submit

    return submit(
        "reward.month_parts",
        args={"month": month.isoformat(), "parts": parts},
        by=by,
        key=f"reward.month:{month:%Y-%m}",
    )


@job("reward.plan_model", gettext_lazy("Modelling a draft plan"), atomic=False)
def plan_model(args: dict[str, Any], by: Any) -> Outcome:
    """The draft against the active version over the last twelve months; reads only."""
    from koers.reward.models import Plan
    from koers.reward.services.plans import check_document, model_plan

    draft = Plan.objects.get(pk=args["draft"])
    current = Plan.objects.get(pk=args["current"])
    result = model_plan(current, check_document(draft.document), today=timezone.localdate())
    return Outcome(
        _("%(plan)s modelled on %(n)s people.") % {"plan": draft, "n": len(result.people)},
        reverse("reward_plan_model", args=[draft.pk]) + "?job={job}",
        value=result,
    )
