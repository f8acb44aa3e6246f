"""Steer → Coaching: the signals that suggest whom to coach on what, coaching frequency per
manager, and per person their SMART goals, GROW sessions and agreed actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from koers.kit.fields import LocalDecimalField
from koers.kit.forms import attach_errors
from koers.measure.catalogue import definitions, kpi_name
from koers.measure.memo import memo
from koers.org import visibility as vis
from koers.org.models import Person
from koers.steer import coaching
from koers.steer.models import CoachingAction, CoachingGoal, Competency

ACTION_ROWS = 3


COUNTS = {"deviations"}  # figures that are whole numbers


def signal_text(signal: coaching.SignalView) -> str:
    """The signal in the reader's language, its figures in the reader's number format."""
    from django.utils.formats import number_format

    f = {
        k: number_format(v, 0 if k in COUNTS else 1, use_l10n=True)
        for k, v in signal.figures.items()
    }
    texts = {
        "under-target-strong-skills": _(
            "At %(attainment)s%% of the revenue target while the skills score %(skill_score)s "
            "with no gap to the role: ask what keeps the skills from showing in results."
        ),
        "no-new-business": _(
            "At %(attainment)s%% of target but no new customer won in six months: the "
            "results lean on existing accounts."
        ),
        "little-new-business-time": _(
            "Spends %(share)s%% of selling time on new accounts against the team's "
            "benchmark of %(benchmark)s%%."
        ),
        "top-performer-peers-fall-back": _(
            "At %(attainment)s%% of target while the rest of the team fell from "
            "%(peers_before)s%% to %(peers_now)s%%: let them help their peers."
        ),
        "deviation-without-action": ngettext(
            "%(deviations)s deviation on the deviations page without an agreed action.",
            "%(deviations)s deviations on the deviations page without an agreed action.",
            int(signal.figures.get("deviations", 0)),
        ),
    }
    return texts[signal.code] % f


def signal_link(signal: coaching.SignalView) -> str:
    from django.urls import reverse

    if signal.code == "deviation-without-action":
        return reverse("deviations")
    if signal.code == "under-target-strong-skills":
        return reverse("steer_person", args=[signal.person.pk])
    # the person's page: their KPI figures against target and their revenue trend
    return reverse("entity_detail", args=["people", signal.person.pk])


SIGNALS_PER_PAGE = 50
PEOPLE_PER_PAGE = 50


def coaching_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if not vis.may_lead_steer(request.user):
        me = vis.person_of(request.user)
        if me is None:
            raise PermissionDenied(_("Your role may not do this."))
        return redirect("steer_coaching_person", me.pk)
    me = vis.person_of(request.user)
    # the people longest without a session first (never coached before anyone), 50 a page
    people = Paginator(
        coaching.with_last_session(
            vis.visible_sellers(request.user).exclude(pk=me.pk if me else None).active_on(today)
        ),
        PEOPLE_PER_PAGE,
    ).get_page(request.GET.get("people"))
    # a whole organisation's signals come 50 a page (thousands at scale 100); a view reads
    # its page of them, kept like the signals (not all of them, 50 ms to unpickle)
    asked = request.GET.get("page", "")[:12]

    def signals_page() -> tuple[list, int, int]:
        found = coaching.coaching_signals(request.user, today)
        page = Paginator(found, SIGNALS_PER_PAGE).get_page(asked)
        return list(page.object_list), page.number, page.paginator.count

    version = (today, asked, coaching.signals_version())
    shown, number, count = memo("coaching_signals_page", request.user, version, signals_page)
    page = Paginator(range(count), SIGNALS_PER_PAGE).get_page(number)
    return render(
        request,
        "steer/coaching.html",
        {
            "page": page,
            "signals": [(s, signal_text(s), signal_link(s)) for s in shown],
            "frequency": coaching.coaching_frequency(request.user, today),
            "people": people,
        },
    )


def kpi_choices() -> list[tuple[str, str]]:
    return [(code, kpi_name(code)) for code in definitions()]


class GoalForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("Goal"), max_length=300)
    competency = forms.ModelChoiceField(
        label=gettext_lazy("Competency it develops"),
        queryset=Competency.objects.all(),
        required=False,
    )
    kpi = forms.ChoiceField(label=gettext_lazy("Measured by the KPI"))
    target_value = LocalDecimalField(
        label=gettext_lazy("Value to reach"), max_digits=14, decimal_places=2
    )
    due_date = forms.DateField(
        label=gettext_lazy("By"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = kpi_choices()


class SessionForm(forms.Form):
    held_on = forms.DateField(
        label=gettext_lazy("Held on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    goal = forms.ModelChoiceField(
        label=gettext_lazy("Coaching goal"), queryset=CoachingGoal.objects.none(), required=False
    )
    aim = forms.CharField(
        label=gettext_lazy("Goal: what do you want to get out of this conversation?"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reality = forms.CharField(
        label=gettext_lazy("Reality: where do you stand now, and what have you tried?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    options = forms.CharField(
        label=gettext_lazy("Options: what could you do? What else?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    will = forms.CharField(
        label=gettext_lazy("Will: what will you do, and when?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args: Any, person: Person, coach: Person | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = CoachingGoal.objects.filter(person=person, status="open")
        owners = [(person.pk, str(person))] + ([(coach.pk, str(coach))] if coach else [])
        for i in range(ACTION_ROWS):
            self.fields[f"action_{i}"] = forms.CharField(
                label=_("Agreed action"), max_length=240, required=False
            )
            self.fields[f"owner_{i}"] = forms.TypedChoiceField(
                label=_("Owner"), choices=owners, coerce=int, required=False
            )
            self.fields[f"due_{i}"] = forms.DateField(
                label=_("Due date"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def grow_fields(self) -> list[Any]:
        return [self[n] for n in ("held_on", "goal", "aim", "reality", "options", "will")]

    def action_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"action_{i}"], self[f"owner_{i}"], self[f"due_{i}"]) for i in range(ACTION_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(ACTION_ROWS):
            if data.get(f"action_{i}") and not (data.get(f"owner_{i}") and data.get(f"due_{i}")):
                self.add_error(f"due_{i}", _("An action needs an owner and a due date."))
        return data

    def actions(self) -> list[coaching.ActionInput]:
        data = self.cleaned_data
        people = Person.objects.in_bulk(
            [data[f"owner_{i}"] for i in range(ACTION_ROWS) if data.get(f"action_{i}")]
        )
        return [
            coaching.ActionInput(data[f"action_{i}"], people[data[f"owner_{i}"]], data[f"due_{i}"])
            for i in range(ACTION_ROWS)
            if data.get(f"action_{i}")
        ]


def _post(request: HttpRequest, person: Person, today: dt.date) -> tuple[Any, Any, bool]:
    """Handle the page's forms; returns (goal form, session form, done)."""
    action = request.POST.get("action")
    coach = vis.person_of(request.user)
    goal_form, session_form = GoalForm(), SessionForm(person=person, coach=coach)
    if action == "done":
        item = get_object_or_404(
            CoachingAction, pk=request.POST.get("item"), session__person=person
        )
        coaching.action_done(
            action=item, follow_up=request.POST.get("follow_up", ""), by=request.user, today=today
        )
        return goal_form, session_form, True
    if not vis.may_coach(request.user, person):
        raise PermissionDenied(_("You may not coach this person."))
    if action == "mbo":
        goal = get_object_or_404(CoachingGoal, pk=request.POST.get("goal"), person=person)
        try:
            weight = int(request.POST.get("weight", ""))
        except ValueError:
            weight = 0
        if not 1 <= weight <= 100:
            messages.error(request, _("A weight lies between 1% and 100%."))
            return goal_form, session_form, True
        coaching.goal_to_mbo(goal=goal, weight=weight, by=request.user, today=today)
        return goal_form, session_form, True
    if action == "goal":
        goal_form = GoalForm(request.POST)
        if goal_form.is_valid():
            data = goal_form.cleaned_data
            try:
                coaching.goal_set(
                    person=person,
                    description=data["description"],
                    kpi=data["kpi"],
                    target_value=float(data["target_value"]),
                    due_date=data["due_date"],
                    competency=data["competency"],
                    by=request.user,
                    today=today,
                )
            except ValidationError as exc:
                attach_errors(goal_form, exc)
            else:
                return goal_form, session_form, True
    elif action == "session":
        session_form = SessionForm(request.POST, person=person, coach=coach)
        if session_form.is_valid():
            data = session_form.cleaned_data
            try:
                coaching.session_record(
                    person=person,
                    held_on=data["held_on"],
                    aim=data["aim"],
                    reality=data["reality"],
                    options=data["options"],
                    will=data["will"],
                    actions=session_form.actions(),
                    goal=data["goal"],
                    by=request.user,
                )
            except ValidationError as exc:
                attach_errors(session_form, exc)
            else:
                return goal_form, session_form, True
    return goal_form, session_form, False


def person_coaching_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(vis.visible_people(request.user), pk=pk)
    today = timezone.localdate()
    coach = vis.person_of(request.user)
    may_coach = vis.may_coach(request.user, person)
    if request.method == "POST":
        goal_form, session_form, done = _post(request, person, today)
        if done:
            messages.success(request, _("Saved."))
            return redirect("steer_coaching_person", pk)
    else:
        goal_form = GoalForm(initial={"due_date": today + dt.timedelta(days=90)})
        session_form = SessionForm(person=person, coach=coach, initial={"held_on": today})
    return render(
        request,
        "steer/coaching_person.html",
        {
            "person": person,
            "may_coach": may_coach,
            "goals": person.coaching_goals.select_related("competency", "coach"),
            "sessions": person.coaching_sessions.select_related("coach", "goal").prefetch_related(
                "actions__owner"
            ),
            "open_actions": coaching.open_actions(person),
            "goal_form": goal_form if may_coach else None,
            "session_form": session_form if may_coach else None,
            "kpi_names": dict(kpi_choices()),
        },
    )
