"""Measure's background jobs: refreshing the KPI facts of the months whose data changed."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.jobs.registry import Outcome, job


@job("measure.refresh", gettext_lazy("Refreshing the figures"))
def refresh(args: dict[str, Any], by: Any) -> Outcome:
    """Refresh the stale months (a form or API edit marked them), set-based."""
    from koers.measure.models import StaleMonth
    from koers.measure.services import refresh_months

    months = list(StaleMonth.objects.values_list("month", flat=True))
    done = refresh_months(months)
    return Outcome(
        _("The figures of %(n)s months are fresh again.") % {"n": len(done)}, reverse("kpis")
    )


def refresh_job(by: Any):  # type: ignore[no-untyped-def]
    from koers.jobs.services import submit

    return submit("measure.refresh", args={}, by=by, key="measure.refresh")
