"""Measure → Win probability: how well the learned win probability is calibrated (Brier
score against the stage's probability, reliability per band), the open deals with their
learned chance and the factors behind it, and the OSKA scoring of a deal."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.forecast import oska, scoring
from koers.forecast.pipeline import deals_version
from koers.jobs.services import job_row, submit
from koers.measure.memo import memo
from koers.org import visibility as vis
from koers.sales.models import Opportunity

LEVELS = [(0, "0"), (1, "1"), (2, "2"), (3, "3")]


def win_probability_page(request: HttpRequest) -> HttpResponse:
    version = deals_version()  # counts every deal: asked once per view
    scored = scoring.kept_model(version)
    if scored is None:  # training takes seconds: a worker does it, the page follows
        key = scoring.trained_key(version)
        job = submit("forecast.win_model", args={}, by=request.user, key=key)
        scored = scoring.kept_model(version)
        if scored is None:
            return render(request, "forecast/win_probability.html", {"job": job_row(job)})
    calibration = scored.calibration
    figure = None
    if calibration is not None:
        figure = {
            "type": "reliability",
            "title": _("Predicted against won, on the latest closed deals"),
            "model": [[r["predicted"], r["won"], r["deals"]] for r in calibration.reliability],
            "baseline": [
                [r["predicted"], r["won"], r["deals"]] for r in calibration.baseline_reliability
            ],
            "model_name": _("Learned"),
            "baseline_name": _("Stage probability"),
            "ideal_name": _("Perfectly calibrated"),
        }
    # kept per scope until a deal changes (or the facts): scoring reads every closed deal
    deals = memo(
        "win_open",
        request.user,
        (version,),
        lambda: scoring.score_open(vis.visible_sellers(request.user), timezone.localdate()),
    )
    off = [r for r in calibration.reliability if r.get("off")] if calibration else []
    for deal in deals:  # a chance in a range that did not come true says what did
        chance = (deal["learned"] or 0) / 100 if deal["learned"] is not None else None
        found = next(
            (r for r in off if chance is not None and r["low"] <= chance < r["high"]), None
        )
        deal["came_true"] = found["won"] * 100 if found else None
    context = {
        "scored": scored,
        "calibration": calibration,
        "off": bool(off),
        "figure_json": json.dumps(figure) if figure else "",
        "deals": deals,
        "factors": oska.factors(),
    }
    return render(request, "forecast/win_probability.html", context)


class OskaForm(forms.Form):
    def __init__(self, *args, factors, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for factor in factors:
            self.fields[factor.code] = forms.TypedChoiceField(
                label=f"{factor.display_name} (× {factor.weight})",
                choices=LEVELS,
                coerce=int,
                widget=forms.RadioSelect,
            )


def oska_page(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_object_or_404(vis.visible_opportunities(request.user), pk=pk)
    assert isinstance(deal, Opportunity)
    active = oska.factors()
    latest = deal.oska_scores.first()
    form = OskaForm(request.POST or None, factors=active, initial=latest.scores if latest else None)
    if request.method == "POST":
        if not oska.may_score(request.user, deal):
            raise PermissionDenied(_("You may score only the deals you see."))
        if form.is_valid():
            try:
                made = oska.score(opportunity=deal, scores=form.cleaned_data, by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Scored %(total)s%%: a win probability of %(p)s%%.")
                    % {"total": made.total, "p": made.probability},
                )
                return redirect("forecast_oska", pk=deal.pk)
    context = {
        "deal": deal,
        "form": form,
        "history": deal.oska_scores.select_related("scored_by")[:10],
        "may_score": oska.may_score(request.user, deal) and deal.is_open,
        "learned_mapping": oska.mapping() is not None,
    }
    return render(request, "forecast/oska.html", context, status=400 if form.errors else 200)
