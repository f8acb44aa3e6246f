"""Read queries of Reward used by the pages and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from koers.org import visibility as vis
from koers.org.models import Person
from koers.reward.documents import ComponentSpec, parse_plan
from koers.reward.models import CalcRun, PayoutLine


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


def first_open_day() -> dt.date | None:
    """The first day of the open pay month: the day after the last approved or paid month
    (None while no month is approved). Nothing that decides pay may start before it."""
    last = (
        CalcRun.objects.exclude(status=CalcRun.Status.OPEN)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    if last is None:
        return None
    return (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def runs_with_totals() -> QuerySet[CalcRun]:
    """Every run, newest first, with its number of people and what goes to payroll."""
    return CalcRun.objects.annotate(
        people=Count("payouts", distinct=True), paid=Sum("payouts__paid")
    ).order_by("-month")


def statement_person(user: Any, person_id: int | None) -> Person:
    """Whose statement ``user`` asks for: their own (``person_id`` None) or someone whose
    pay they may see; Http404 otherwise, the same answer as for no one at all."""
    me = vis.person_of(user)
    if person_id is None:
        if me is None:
            raise Http404(_("No statement for this login."))
        return me
    person = vis.visible_people(user).filter(pk=person_id).first()
    if person is None or not vis.can_see_pay(user, person):
        raise Http404(_("No such statement."))
    return person


def component_specs(lines: list[PayoutLine]) -> dict[tuple[int, str], ComponentSpec]:
    """The plan component behind each payout line, by (plan id, component code), with the
    person's own rates where their assignment sets any (the lines are one person's)."""
    from django.db.models import Q

    from koers.reward.documents import with_overrides
    from koers.reward.models import PlanAssignment

    found: dict[tuple[int, str], ComponentSpec] = {}
    read: set[int] = set()
    for line in lines:
        if line.plan_id in read:
            continue
        read.add(line.plan_id)
        own = (
            PlanAssignment.objects.filter(
                person_id=line.person_id, plan_id=line.plan_id, valid_from__lte=line.period_end
            )
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=line.period_start))
            .exclude(overrides="")
            .values_list("overrides", flat=True)
            .first()
        )
        document = with_overrides(line.plan.document, own) if own else line.plan.document
        for spec in parse_plan(document).components:
            found.setdefault((line.plan_id, spec.component.code), spec)
    return found


def statement_version() -> str:
    """What a kept statement is kept against beside the facts' version (which rises with
    every audited change: a calculation, a status, an adjustment, a hold, an edited deal or
    plan): the newest record of each table a statement reads, which rises when one is
    added. One query."""
    from koers.measure.selectors import newest_ids
    from koers.reward.models import Adjustment, Hold, Payout, Plan, PlanAssignment
    from koers.sales.models import Opportunity, OpportunitySplit

    return newest_ids(
        CalcRun,
        PayoutLine,
        Payout,
        Adjustment,
        Hold,
        Plan,
        PlanAssignment,
        Opportunity,
        OpportunitySplit,
    )
