"""Plan → Territory design: choose a unit, let the optimiser share its accounts fairly,
see the workload per person before and after and the accounts that move, and apply it
from a date."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from koers.org import visibility as vis
from koers.org.models import OrgUnit
from koers.plan import territory


class DesignForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Unit"))
    # a web request waits for the answer: stay well inside the server's worker timeout
    seconds = forms.IntegerField(
        label=_("Seconds the optimiser may take"), min_value=1, max_value=20, initial=10
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
    form = DesignForm(request.GET or None)
    form.fields["unit"].queryset = units
    result, apply_form = None, None
    if form.is_bound and form.is_valid():
        try:
            result = territory.design_for(
                form.cleaned_data["unit"], by=request.user, seconds=form.cleaned_data["seconds"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            start = timezone.localdate().replace(day=1) + dt.timedelta(days=32)
            apply_form = ApplyForm(
                initial={"key": result["key"], "valid_from": start.replace(day=1)}
            )
    return render(
        request,
        "plan/territories.html",
        {"form": form, "result": result, "apply_form": apply_form},
        status=400 if form.errors else 200,
    )
