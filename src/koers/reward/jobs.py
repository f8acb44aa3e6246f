"""Reward's background jobs: a month's calculation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
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
