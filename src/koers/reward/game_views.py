"""The game page: my points and badges, the individual and team boards, and my choice to
be shown by name; and the reward choice page: how I take the rewards that offer one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from koers.core.audit import audit, snapshot
from koers.engine.periods import month_start
from koers.measure.catalogue import kpi_name
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person
from koers.reward.documents import parse_plan
from koers.reward.models import PlanAssignment, RewardChoice
from koers.reward.services import period_of
from koers.reward.services.game import board_rows, kept_scores

PERIODS = {
    "month": gettext_lazy("This month"),
    "quarter": gettext_lazy("This quarter"),
    "year": gettext_lazy("This year"),
}


TOP = 25  # the rows of the individual board shown


def game(request: HttpRequest) -> HttpResponse:
    if vis.role_of(request.user) is None:  # a login without a person sees nothing
        raise Http404(_("No boards for this login."))
    me = vis.person_of(request.user)
    if request.method == "POST" and me is not None:
        before = snapshot(me)
        me.show_on_leaderboard = request.POST.get("shown") == "on"
        me.save(update_fields=["show_on_leaderboard"])
        audit(actor=request.user, action="update", obj=me, before=before)
        messages.success(
            request,
            _("You are shown by name.")
            if me.show_on_leaderboard
            else _("You are shown without your name."),
        )
        return redirect(request.get_full_path())
    kind = request.GET.get("period", "month")
    if kind not in PERIODS:
        kind = "month"
    today = timezone.localdate()
    start, end = period_of(kind, today)
    result = kept_scores(start, min(end, today))
    # names for the rows shown only: the top and oneself (not every seller's, thousands)
    shown = set(result.board.head(TOP)["person_id"].to_list()) | ({me.pk} if me else set())
    names = {
        pk: f"{first} {last}"
        for pk, first, last in Person.objects.filter(pk__in=shown).values_list(
            "pk", "first_name", "last_name"
        )
    }
    rows = board_rows(result, me.pk if me else None, names)
    mine = next((r for r in rows if r["me"]), None)
    units = {u.pk: u.name for u in OrgUnit.objects.filter(pk__in=result.teams["unit_id"].to_list())}
    nl = (get_language() or "en").startswith("nl")
    my_badges = []
    my_points = []
    if me is not None:
        for row in result.badges.filter(pl.col("person_id") == me.pk).iter_rows(named=True):
            badge = result.badge_names[row["code"]]
            my_badges.append(
                {"name": badge.name_nl if nl else badge.name_en, "month": row["month"]}
            )
        mine_by_kpi = (
            result.points.filter(pl.col("person_id") == me.pk)
            .group_by("kpi")
            .agg(pl.col("points").sum())
            .sort("points", descending=True)
        )
        my_points = [(kpi_name(k), p) for k, p in mine_by_kpi.rows()]
    return render(
        request,
        "reward/game.html",
        {
            "period": kind,
            "periods": PERIODS,
            "start": start,
            "end": end,
            "top": rows[:TOP],
            "mine": mine,
            "mine_outside_top": mine is not None and mine not in rows[:TOP],
            "teams": [
                {**t, "name": units.get(t["unit_id"], "")}
                for t in result.teams.iter_rows(named=True)
            ],
            "me": me,
            "my_badges": my_badges,
            "my_points": my_points,
        },
    )


class ChoiceForm(forms.Form):
    choice = forms.ChoiceField(choices=RewardChoice.Choice.choices, label=gettext_lazy("Take as"))


def _eligible(person: Person, today: dt.date) -> list[dict[str, Any]]:
    """The components of the person's current plans that may be taken other than in cash."""
    nl = (get_language() or "en").startswith("nl")
    found = []
    assignments = PlanAssignment.objects.filter(person=person, valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    for a in assignments.select_related("plan"):
        for spec in parse_plan(a.plan.document).components:
            if spec.choice:
                found.append(
                    {"code": spec.component.code, "name": spec.name_nl if nl else spec.name_en}
                )
    return found


def choices(request: HttpRequest) -> HttpResponse:
    me = vis.person_of(request.user)
    today = timezone.localdate()
    eligible = _eligible(me, today) if me else []
    codes = {e["code"] for e in eligible}
    if request.method == "POST" and me is not None:
        form = ChoiceForm(request.POST)
        component = request.POST.get("component", "")
        try:
            if component not in codes or not form.is_valid():
                raise ValidationError(
                    _("Choose cash, days off or training for a reward that offers the choice.")
                )
            month = month_start(today)
            existing = RewardChoice.objects.filter(
                person=me, component=component, from_month=month
            ).first()
            before = snapshot(existing)
            choice, _created = RewardChoice.objects.update_or_create(
                person=me,
                component=component,
                from_month=month,
                defaults={"choice": form.cleaned_data["choice"]},
            )
            audit(
                actor=request.user,
                action="update" if existing else "create",
                obj=choice,
                before=before,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved: it applies from this month's calculation on."))
        return redirect("reward_choices")
    current = {}
    if me is not None:
        for c in RewardChoice.objects.filter(
            person=me, from_month__lte=month_start(today)
        ).order_by("from_month"):
            current[c.component] = c.choice
    day_rate = (
        (me.base_salary / settings.KOERS_WORKING_DAYS).quantize(Decimal("0.01")) if me else None
    )
    return render(
        request,
        "reward/choices.html",
        {
            "eligible": [{**e, "choice": current.get(e["code"], "cash")} for e in eligible],
            "options": RewardChoice.Choice.choices,
            "day_rate": day_rate,
            "training_pct": settings.KOERS_TRAINING_FACTOR_BP / 100,
            "me": me,
        },
    )
