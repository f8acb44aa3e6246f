"""Measure → Sales and marketing: both departments on one set of numbers. The year's leads
(from marketing and from sales), how many sales took on within the agreed days and how
fast, how many wait untouched, how many became deals and the revenue they brought, month
by month, and the alignment level the data shows with the figures behind it."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.engine.money import from_cents
from koers.measure.alignment import AGREED_DAYS, MARKETING, alignment
from koers.measure.campaigns import lead_amounts, lead_flow, taken_on_in_time
from koers.measure.memo import memo
from koers.measure.selectors import newest_ids
from koers.org import visibility as vis
from koers.sales import models as sm


class AlignmentForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=2000, max_value=2100, required=False
    )
    agreed = forms.IntegerField(
        label=gettext_lazy("Agreed follow-up (days)"), min_value=0, max_value=90, required=False
    )


def months_of(leads: Any, year: int, agreed_days: int) -> list[dict[str, Any]]:
    """Per month of ``year``: leads that came in from marketing and from sales, those
    taken on within ``agreed_days`` and those converted (by the month the lead came in)."""
    counts: Counter[tuple[int, str]] = Counter()
    for created, accepted, status, source in leads.values_list(
        "created_on", "accepted_on", "status", "source"
    ):
        month = created.month
        counts[month, "marketing" if source == MARKETING else "sales"] += 1
        if taken_on_in_time(created, accepted, agreed_days):
            counts[month, "in_time"] += 1
        if status == sm.Lead.Status.CONVERTED:
            counts[month, "converted"] += 1
    return [
        {
            "month": dt.date(year, m, 1),
            **{k: counts[m, k] for k in ("marketing", "sales", "in_time", "converted")},
        }
        for m in range(1, 13)
    ]


def revenue_by_source(leads: Any) -> dict[str, Any]:
    """The revenue and gross margin of the deals the leads became, from marketing's leads
    and from sales' own, in the reporting currency."""
    amounts, _until = lead_amounts(leads)
    sources = dict(leads.filter(pk__in=list(amounts)).values_list("pk", "source"))
    found = {"marketing": 0, "sales": 0, "marketing_margin": 0, "sales_margin": 0}
    for lead, figures in amounts.items():
        side = "marketing" if sources.get(lead) == MARKETING else "sales"
        found[side] += figures["revenue"]
        found[f"{side}_margin"] += figures["margin"]
    found["total"] = found["marketing"] + found["sales"]
    return {k: from_cents(v) for k, v in found.items()}


def _chart(months: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "type": "bars",
            "title": _("Leads per month"),
            "x": [date_format(m["month"], "M") for m in months],
            "series": [
                {"name": _("From marketing"), "y": [m["marketing"] for m in months]},
                {"name": _("From sales"), "y": [m["sales"] for m in months]},
                {"name": _("Converted"), "y": [m["converted"] for m in months]},
            ],
        }
    )


def sales_marketing_page(request: HttpRequest) -> HttpResponse:
    vis.require_role(request.user, vis.ANY_ROLE)
    form = AlignmentForm(request.GET or None)
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    year = chosen.get("year") or today.year
    agreed = chosen.get("agreed")
    agreed = AGREED_DAYS if agreed is None else agreed
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    leads = vis.visible_leads(request.user).filter(created_on__range=(first, last))

    def compute() -> dict[str, Any]:
        months = months_of(leads, year, agreed)
        flow = lead_flow(leads, today, agreed)
        return {
            "flow": flow,
            "months": months,
            "chart_json": _chart(months),
            "revenue": revenue_by_source(leads),
            "alignment": alignment(leads, first, last, agreed, today, flow),
        }

    # kept until the facts change (a lead or deal edited raises their version) or a
    # campaign, cost line, touch or target is added
    from koers.plan.models import Target

    version = newest_ids(sm.Campaign, sm.CampaignCost, sm.LeadTouch, Target)
    figures = memo("sales_marketing", request.user, (year, agreed, version), compute)
    context = {**figures, "form": form, "year": year, "agreed": agreed}
    return render(request, "measure/sales_marketing.html", context)
