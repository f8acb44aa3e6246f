"""What a person must know and do today, for the home page: their year (target,
attainment, pace and, for those paid on a plan, this month's pay), a to-do list where each
item is a link, and for managers and the director the cycle on one line (the round, the
360° feedback, the month's run and the forecast)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from koers.engine.periods import add_months, fiscal_year_start, month_start
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person, Role
from koers.org.setup import fiscal_start_month


@dataclass(frozen=True)
class Todo:
    text: str
    url: str
    kind: str  # feedback, forecast, round, agree, coaching, inquiry, run
    late: bool = False


def my_year(user: Any, today: dt.date) -> list[dict]:
    """The year of the person, the manager's team or the director's organisation: target,
    revenue to date with its attainment and the pace to the year's end (the same figures
    as the plan pages)."""
    from koers.ui.summaries import _progress

    role, me = vis.role_of(user), vis.person_of(user)
    if me is None or role not in vis.SELLING_ROLES:
        return []
    year = fiscal_year_start(today, fiscal_start_month()).year
    if role == Role.SALESPERSON:
        people = Person.objects.filter(pk=me.pk)
        tiles = _progress(people, None, year, today, f"person:{me.pk}")
    else:
        unit = (
            vis.managed_unit(user)
            if role == Role.MANAGER
            else OrgUnit.objects.filter(parent=None).order_by("pk").first()
        )
        people = vis.visible_sellers(user)
        series = f"unit:{unit.pk}" if unit is not None else None
        tiles = _progress(people, unit, year, today, series)
    return tiles


def pay_this_month(user: Any, today: dt.date) -> dict | None:
    """This month's pay of the person, for whoever is paid on a plan (their own only)."""
    from koers.kit.templatetags.koers import money
    from koers.reward.models import Payout

    me = vis.person_of(user)
    payout = (
        Payout.objects.filter(person=me, run__month=month_start(today))
        .select_related("run")
        .first()
        if me is not None
        else None
    )
    if payout is None:
        return None
    return {
        "label": _("My pay this month"),
        "text": money(payout.paid),
        "note": _("so far, in the open month") if payout.run.status == "open" else "",
        "good": None,
        "url": reverse("statement"),
    }


def todo_list(user: Any, today: dt.date) -> list[Todo]:
    """Everything waiting on this person, most pressing first."""
    role, me = vis.role_of(user), vis.person_of(user)
    items: list[Todo] = []
    if me is not None:
        items += _feedback(me, today)
        items += _forecast_call(me, role, today)
        items += _round_numbers(user, me, role)
        items += _coaching(me, today)
    if role in vis.PAY_EDIT_ROLES:
        items += _inquiries(today)
    if role in vis.PAY_ROLES:
        items += _runs(today)
    return sorted(items, key=lambda t: not t.late)


def _feedback(me: Person, today: dt.date) -> list[Todo]:
    from koers.steer.models import FeedbackRequest, FeedbackRound

    waiting = (
        FeedbackRequest.objects.filter(
            rater=me, answered_at__isnull=True, round__status=FeedbackRound.Status.OPEN
        )
        .select_related("subject", "round")
        .order_by("round__closes_on", "pk")
    )
    items = []
    for request in waiting[:5]:
        subject = _("yourself") if request.subject_id == me.pk else str(request.subject)
        items.append(
            Todo(
                _("Give feedback on %(name)s (until %(day)s)")
                % {"name": subject, "day": date_format(request.round.closes_on, "j F")},
                reverse("steer_answer", args=[request.pk]),
                "feedback",
                late=request.round.closes_on < today,
            )
        )
    return items


def _forecast_call(me: Person, role: str | None, today: dt.date) -> list[Todo]:
    from koers.forecast.calls import CALLERS
    from koers.forecast.models import ForecastCall

    if role not in CALLERS:
        return []
    month = month_start(today)
    if ForecastCall.objects.filter(person=me, month=month).exists():
        return []
    return [
        Todo(
            _("Make your forecast call for %(month)s")
            % {"month": date_format(month, "YEAR_MONTH_FORMAT")},
            reverse("forecast_calls"),
            "forecast",
            late=today.day > 5,
        )
    ]


def _round_numbers(user: Any, me: Person, role: str | None) -> list[Todo]:
    from koers.plan.models import TargetProposal, TargetRound

    open_rounds = TargetProposal.objects.filter(round__status=TargetRound.Status.OPEN)
    items = []
    for proposal in open_rounds.filter(person=me, bottom_up__isnull=True).select_related("round"):
        items.append(
            Todo(
                _("Submit your own number for the %(year)s target round")
                % {"year": proposal.round.year},
                reverse("plan_round", args=[proposal.round_id]),
                "round",
            )
        )
    if role in {Role.MANAGER, Role.DIRECTOR, Role.ADMIN}:
        # a manager agrees for the people she sees, a director or administrator for
        # anyone; nobody for themselves (``plan.services.may_agree``)
        to_agree = open_rounds.filter(agreed__isnull=True, bottom_up__isnull=False).exclude(
            person=me
        )
        if role == Role.MANAGER:
            to_agree = to_agree.filter(person__in=vis.visible_people(user))
        for row in (
            to_agree.values("round", "round__year").annotate(n=Count("pk")).order_by("round__year")
        ):
            items.append(
                Todo(
                    ngettext(
                        "Agree %(n)s number in the %(year)s target round",
                        "Agree %(n)s numbers in the %(year)s target round",
                        row["n"],
                    )
                    % {"n": row["n"], "year": row["round__year"]},
                    reverse("plan_round", args=[row["round"]]),
                    "agree",
                )
            )
    return items


def _coaching(me: Person, today: dt.date) -> list[Todo]:
    from koers.steer.models import CoachingAction

    due = CoachingAction.objects.filter(
        owner=me, done_on__isnull=True, due_date__lte=today + dt.timedelta(days=7)
    ).order_by("due_date")
    return [
        Todo(
            _("Coaching action: %(what)s (due %(day)s)")
            % {"what": action.description, "day": date_format(action.due_date, "j F")},
            reverse("steer_coaching"),
            "coaching",
            late=action.due_date < today,
        )
        for action in due[:5]
    ]


def _inquiries(today: dt.date) -> list[Todo]:
    from koers.reward.models import Inquiry

    waiting = Inquiry.objects.filter(status=Inquiry.Status.OPEN)
    count = waiting.count()
    if not count:
        return []
    late = waiting.filter(due_on__lt=today).exists()
    return [
        Todo(
            ngettext("Answer %(n)s inquiry about pay", "Answer %(n)s inquiries about pay", count)
            % {"n": count},
            reverse("reward_inquiries"),
            "inquiry",
            late=late,
        )
    ]


def _runs(today: dt.date) -> list[Todo]:
    """A month that has ended and is still open waits for approval."""
    from koers.reward.models import CalcRun

    ended = CalcRun.objects.filter(
        status=CalcRun.Status.OPEN, month__lt=month_start(today)
    ).order_by("month")
    return [
        Todo(
            _("Approve the run of %(month)s")
            % {"month": date_format(run.month, "YEAR_MONTH_FORMAT")},
            reverse("reward_run", args=[f"{run.month:%Y-%m}"]),
            "run",
            late=True,
        )
        for run in ended[:3]
    ]


def next_snapshot(today: dt.date) -> dt.date:
    """The forecast is frozen (a snapshot) every Monday and on the first of each month."""
    monday = today + dt.timedelta(days=7 - today.weekday())
    return min(monday, add_months(month_start(today), 1))


def cycle_strip(user: Any, today: dt.date) -> list[dict]:
    """The cycle of the manager's unit or the director's organisation on one line: each
    part with its words and the page it opens."""
    from koers.forecast.calls import CALLERS
    from koers.forecast.models import ForecastCall
    from koers.plan.models import TargetProposal, TargetRound
    from koers.reward.models import CalcRun
    from koers.steer.models import FeedbackRequest, FeedbackRound

    role = vis.role_of(user)
    if role not in {Role.MANAGER, Role.DIRECTOR, Role.ADMIN}:
        return []
    people = vis.visible_people(user)
    parts = []
    rounds = (
        TargetProposal.objects.filter(round__status=TargetRound.Status.OPEN, person__in=people)
        .values("round", "round__year")
        .annotate(total=Count("pk"), n=Count("pk", filter=Q(bottom_up__isnull=False)))
        .order_by("round__year")
    )
    for row in rounds[:2]:
        parts.append(
            {
                "text": _("round %(year)s: %(n)s of %(total)s submitted")
                % {"year": row["round__year"], "n": row["n"], "total": row["total"]},
                "url": reverse("plan_round", args=[row["round"]]),
            }
        )
    feedback = FeedbackRequest.objects.filter(
        round__status=FeedbackRound.Status.OPEN, subject__in=people
    ).aggregate(total=Count("pk"), n=Count("pk", filter=Q(answered_at__isnull=False)))
    if feedback["total"]:
        parts.append(
            {
                "text": _("360°: %(n)s of %(total)s answered") % feedback,
                "url": reverse("steer_rounds"),
            }
        )
    run = CalcRun.objects.filter(month=month_start(today)).first()
    month = date_format(month_start(today), "F")
    if run is not None:
        state = {
            CalcRun.Status.OPEN: _("%(month)s run open"),
            CalcRun.Status.APPROVED: _("%(month)s run approved"),
            CalcRun.Status.LOCKED: _("%(month)s run paid"),
        }[run.status] % {"month": month}
        url = (
            reverse("reward_run", args=[f"{run.month:%Y-%m}"])
            if role in vis.PAY_ROLES
            else reverse("statement")
        )
        parts.append({"text": state, "url": url})
    calls = people.filter(role__in=CALLERS).aggregate(
        total=Count("pk"),
        n=Count(
            "pk",
            filter=Q(
                Exists(ForecastCall.objects.filter(month=month_start(today), person=OuterRef("pk")))
            ),
        ),
    )
    parts.append(
        {
            "text": _("calls %(n)s of %(total)s · forecast frozen %(day)s")
            % {
                "n": calls["n"],
                "total": calls["total"],
                "day": date_format(next_snapshot(today), "l j F"),
            },
            "url": reverse("forecast_calls"),
        }
    )
    return parts
