"""Plan → Territory design: choose a unit, let the optimiser share its accounts fairly,
see the workload per person before and after and the accounts that move, and apply it
from a date."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from koers.jobs.services import job_row, job_value, submit, visible_jobs
from koers.org import visibility as vis
from koers.org.models import OrgUnit
from koers.plan import territory


class DesignForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Unit"))
    # a background job: the optimiser may take its time, the page shows its progress
    seconds = forms.IntegerField(
        label=_("Seconds the optimiser may take"), min_value=1, max_value=120, initial=10
    )


class ApplyForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=40)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )


def territory_page(request: HttpRequest) -> HttpResponse:
    units = vis.visible_units(request.user).order_by("name")
    if request.method == "POST":
        apply = ApplyForm(request.POST)
        if apply.is_valid():
            try:
                moved = territory.apply_design(
                    apply.cleaned_data["key"],
                    valid_from=apply.cleaned_data["valid_from"],
                    by=request.user,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request, gettext("Applied: %(n)s accounts change hands.") % {"n": moved}
                )
        return redirect("plan_territories")
    asked = request.GET.get("job", "")
    form = DesignForm(None if asked.isdigit() else (request.GET or None))
    form.fields["unit"].queryset = units
    result, apply_form, running = None, None, None
    job = None
    if asked.isdigit():
        job = visible_jobs(request.user).filter(pk=int(asked), kind="plan.territory").first()
    elif form.is_bound and form.is_valid():
        unit, seconds = form.cleaned_data["unit"], form.cleaned_data["seconds"]
        if not territory.may_design(request.user, unit):
            raise PermissionDenied(gettext("You may design territories only for your own units."))
        job = submit(
            "plan.territory",
            args={"unit": unit.pk, "seconds": seconds},
            by=request.user,
            key=f"plan.territory:{unit.pk}:{request.user.pk}",
        )
    if job is not None and job.status == job.Status.FAILED:
        form.add_error(None, job.message)
    elif job is not None:
        result = job_value(job)
        if result is None and not job.finished:
            running = job_row(job)
    if result is not None:
        start = timezone.localdate().replace(day=1) + dt.timedelta(days=32)
        apply_form = ApplyForm(initial={"key": result["key"], "valid_from": start.replace(day=1)})
    return render(
        request,
        "plan/territories.html",
        {"form": form, "result": result, "apply_form": apply_form, "running": running},
        status=400 if form.errors else 200,
    )
