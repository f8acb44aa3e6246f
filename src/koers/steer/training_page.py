"""Steer → Training: trajectories in four steps, each participant's progress, and the
effect against the baseline and against colleagues who did not take part."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.kit.widgets import LookupMultipleWidget, suggestions
from koers.measure.catalogue import definition, kpi_name
from koers.org import visibility as vis
from koers.org.models import Person
from koers.steer import training
from koers.steer.coaching_page import kpi_choices
from koers.steer.models import Competency, Participation, TrajectoryStep

DATE = forms.DateInput(attrs={"type": "date"})


class TrajectoryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    kpi = forms.ChoiceField(label=gettext_lazy("KPI measured"))
    competencies = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Targeted competencies"),
        queryset=Competency.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participants = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Participants"),
        queryset=Person.objects.none(),
    )
    window_months = forms.IntegerField(
        label=gettext_lazy("Months measured before and after"), min_value=1, max_value=12, initial=3
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = kpi_choices()
        participants = self.fields["participants"]
        participants.queryset = may_take_part(user)
        # a large organisation has thousands of sellers: picked by name, not a checkbox each
        participants.widget = LookupMultipleWidget(
            url=reverse("steer_participant_lookup"), queryset=participants.queryset
        )
        for kind, label in TrajectoryStep.Kind.choices:
            self.fields[f"{kind}_title"] = forms.CharField(label=label, max_length=160)
            self.fields[f"{kind}_from"] = forms.DateField(label=_("From"), widget=DATE)
            self.fields[f"{kind}_until"] = forms.DateField(label=_("Until"), widget=DATE)

    def step_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"{k}_title"], self[f"{k}_from"], self[f"{k}_until"])
            for k, _label in TrajectoryStep.Kind.choices
        ]

    def steps(self) -> list[tuple[str, str, dt.date, dt.date]]:
        d = self.cleaned_data
        return [
            (k, d[f"{k}_title"], d[f"{k}_from"], d[f"{k}_until"])
            for k, _label in TrajectoryStep.Kind.choices
        ]


def may_take_part(user: Any) -> QuerySet[Person]:
    """Who ``user`` may put in a trajectory: the sellers they see, active today."""
    return vis.visible_sellers(user).active_on(timezone.localdate())


def participant_lookup(request: HttpRequest) -> HttpResponse:
    """Suggestions for the participants picker: the sellers who may take part whose first
    or last name holds every word typed, by last name."""
    if not vis.may_lead_steer(request.user):
        raise PermissionDenied(_("Your role may not plan training."))
    rows = may_take_part(request.user)
    for word in request.GET.get("q", "").removesuffix("#").split():
        rows = rows.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return suggestions(request, rows.order_by("last_name", "first_name", "pk"))


def trajectories_page(request: HttpRequest) -> HttpResponse:
    may_create = vis.may_lead_steer(request.user)
    form = TrajectoryForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied(_("Your role may not plan training."))
        if form.is_valid():
            steps = form.steps()
            try:
                created = training.trajectory_create(
                    name=form.cleaned_data["name"],
                    kpi=form.cleaned_data["kpi"],
                    starts_on=steps[0][2],
                    ends_on=steps[-1][3],
                    participants=form.cleaned_data["participants"],
                    competencies=form.cleaned_data["competencies"],
                    steps=steps,
                    window_months=form.cleaned_data["window_months"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("steer_trajectory", created.pk)
    return render(
        request,
        "steer/trajectories.html",
        {
            "trajectories": vis.visible_trajectories(request.user).select_related("owner"),
            "form": form if may_create else None,
        },
    )


def trajectory_page(request: HttpRequest, pk: int) -> HttpResponse:
    trajectory = get_object_or_404(vis.visible_trajectories(request.user), pk=pk)
    today = timezone.localdate()
    if request.method == "POST":
        taking_part = get_object_or_404(
            Participation, trajectory=trajectory, pk=request.POST.get("participation")
        )
        try:
            steps_done = int(request.POST.get("steps_done", ""))
        except ValueError:
            steps_done = -1
        with contextlib.suppress(ValidationError):  # the page shows the unchanged progress
            training.participation_progress(
                participation=taking_part, steps_done=steps_done, by=request.user
            )
        return redirect("steer_trajectory", pk)
    visible = set(vis.visible_people(request.user).values_list("pk", flat=True))
    participants = [
        (p, vis.may_coach(request.user, p.person))
        for p in trajectory.taking_part.select_related("person").order_by("person__last_name")
        if p.person_id in visible
    ]
    return render(
        request,
        "steer/trajectory.html",
        {
            "trajectory": trajectory,
            "kpi": kpi_name(trajectory.kpi),
            "unit": definition(trajectory.kpi).unit,
            "steps": trajectory.steps.all(),
            "participants": participants,
            "measured": training.trajectory_effect(trajectory, request.user, today),
            "skills": training.skills_change(trajectory),
            "step_count": range(len(training.STEP_ORDER) + 1),
        },
    )
