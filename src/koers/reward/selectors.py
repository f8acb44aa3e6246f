"""Read queries of Reward used by the pages and the API."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from koers.reward.models import CalcRun


def run_of_month(month: str) -> CalcRun:
    """The run of ``YYYY-MM``; Http404 for a month that is not one or not calculated."""
    try:
        day = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError as error:
        raise Http404(_("No such month.")) from error
    run = CalcRun.objects.filter(month=day).first()
    if run is None:
        raise Http404(_("No such month."))
    return run


def runs_with_totals() -> QuerySet[CalcRun]:
    """Every run, newest first, with its number of people and what goes to payroll."""
    return CalcRun.objects.annotate(
        people=Count("payouts", distinct=True), paid=Sum("payouts__paid")
    ).order_by("-month")
