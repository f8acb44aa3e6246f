"""Reward's background jobs: a month's calculation and modelling a draft plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.jobs.registry import Outcome, job


@job("reward.month", gettext_lazy("Calculating a month"))
def calculate(args: dict[str, Any], by: Any) -> Outcome:
    from koers.reward.services import run_month

    run = run_month(dt.date.fromisoformat(args["month"]), by=by)
    return Outcome(
        _("%(month)s calculated.") % {"month": f"{run.month:%m-%Y}"},
        reverse("reward_run", args=[f"{run.month:%Y-%m}"]),
    )


def month_job(month: dt.date, by: Any):  # type: ignore[no-untyped-def]
    """Hand the calculation of ``month`` to a worker (two clicks, one job)."""
    from koers.jobs.services import submit

    return submit(
        "reward.month", args={"month": month.isoformat()}, by=by, key=f"reward.month:{month:%Y-%m}"
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
