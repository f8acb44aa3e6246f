"""Measure's background jobs: refreshing the KPI facts of the months whose data changed."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.jobs.registry import Outcome, job


@job("measure.refresh", gettext_lazy("Refreshing the figures"))
def refresh(args: dict[str, Any], by: Any) -> Outcome:
    """Refresh the stale figures (a form or API edit marked them), set-based: whole months,
    or only the people and accounts an edit touched."""
    from koers.measure.freshness import months_to_refresh
    from koers.measure.services import refresh_stale

    months = months_to_refresh()
    done = refresh_stale(months[0], months[-1]) if months else []
    warm_job()  # also on a night with nothing to refresh: a new day's figures are cold
    return Outcome(
        _("The figures of %(n)s months are fresh again.") % {"n": len(done)}, reverse("kpis")
    )


def refresh_job(by: Any):  # type: ignore[no-untyped-def]
    from koers.jobs.services import submit

    return submit("measure.refresh", args={}, by=by, key="measure.refresh")


@job("measure.warm", gettext_lazy("Computing the pages ahead"), atomic=False)
def warm(args: dict[str, Any], by: Any) -> Outcome:
    """The all-seeing roles' pages computed after a refresh (``koers.measure.warm``)."""
    from koers.measure.warm import warm_pages

    return Outcome(_("%(n)s pages computed ahead.") % {"n": warm_pages()})


def warm_job():  # type: ignore[no-untyped-def]
    """Compute the all-seeing roles' pages (one job at a time); like every job it starts
    when the caller's transaction (the refresh) commits, and not at all if it is undone."""
    from koers.jobs.services import submit

    return submit("measure.warm", args={}, by=None, key="measure.warm")
