"""Measure → Weighted pipeline: the open deals per month of expected close, weighted by
the configured stage probabilities and by those learned from the organisation's own closed
deals; the learned probabilities per process, stage and segment with the deals behind
them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from koers.forecast import pipeline
from koers.measure.memo import memo
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Role


def pipeline_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    units = list(vis.visible_units(request.user).order_by("path"))
    chosen = request.GET.get("unit")
    unit = next((u for u in units if str(u.pk) == chosen), None)
    people = vis.visible_sellers(request.user)
    if unit is not None:
        people = people.filter(unit__in=OrgUnit.objects.subtree_of(unit))
    version = pipeline.deals_version()
    model = pipeline.learned(version)
    # kept per scope and unit until a deal or the facts change (every open deal of a large
    # organisation grouped by the database: 0.1 s a view)
    months = memo(
        "weighted_pipeline",
        request.user,
        (getattr(unit, "pk", None), version),
        lambda: pipeline.weighted(people, today, model),
        translated=False,
    )
    totals: dict[str, Any] = {
        "count": sum(m.count for m in months),
        "amount": sum(m.amount for m in months),
        "configured": sum(m.configured for m in months),
        "learned": sum(m.learned for m in months),
        "overdue_count": sum(m.overdue_count for m in months),
        "overdue_amount": sum(m.overdue_amount for m in months),
    }
    context = {
        "units": units if vis.role_of(request.user) != Role.SALESPERSON else [],
        "unit": unit,
        "months": months,
        "totals": totals,
        "model": model,
        "stages": pipeline.stage_rows(model),
        "slip_pct": model.slip * 100,
    }
    return render(request, "forecast/pipeline.html", context)
