"""Measure → Campaign returns: campaigns and trade fairs side by side, their costs, leads
and what they brought by the attribution model chosen, to choose next year's."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koers.engine.attribution import MODELS
from koers.measure.alignment import AGREED_DAYS
from koers.measure.campaigns import campaign_returns, campaigns_between, totals
from koers.measure.memo import memo, memo_html
from koers.measure.selectors import newest_ids
from koers.org import visibility as vis
from koers.sales import models as sm

PAGE_SIZE = 50

MODEL_LABELS = {
    "first": _("First touch"),
    "last": _("Last touch"),
    "even": _("Even split"),
    "position": _("Position-based (40/20/40)"),
}


class ReturnsForm(forms.Form):
    model = forms.ChoiceField(
        label=_("Attribution"), choices=[(m, MODEL_LABELS[m]) for m in MODELS], required=False
    )
    kind = forms.ChoiceField(label=_("Type"), required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("all types")), *sm.Campaign.Kind.choices]


def returns_page(request: HttpRequest) -> HttpResponse:
    vis.require_role(request.user, vis.ANY_ROLE)
    # a salesperson sees the campaigns' returns, not what they cost
    show_costs = vis.role_of(request.user) in vis.CAMPAIGN_COST_ROLES
    form = ReturnsForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else False
    chosen = form.cleaned_data if valid else {}
    model = chosen.get("model") or "position"
    year = chosen.get("year") or timezone.localdate().year
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    campaigns = campaigns_between(first, last)
    if chosen.get("kind"):
        campaigns = campaigns.filter(kind=chosen["kind"])

    def compute() -> list:
        found = campaign_returns(campaigns.order_by("-start_date", "name"), model, first, last)
        found.sort(key=lambda r: r.attributed.get("revenue", 0), reverse=True)
        return found

    # kept until the facts change (a lead or deal edited or imported raises their version)
    # or a campaign, cost line or touch is added
    version = newest_ids(sm.Campaign, sm.CampaignCost, sm.LeadTouch)
    figures = (model, year, chosen.get("kind"), version)

    def returns() -> list:
        # figures only (the names are the campaigns' own): one computation for both languages
        return memo("campaign_returns", request.user, figures, compute, translated=False)

    if request.GET.get("format") == "csv":
        return returns_csv(returns(), model, year, show_costs)

    def table() -> dict:
        rows = returns()
        return {
            "rows": rows,
            # the most revenue first, a page at a time (a large organisation runs thousands)
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "totals": totals(rows),
            "fairs": any(r.campaign.kind == sm.Campaign.Kind.TRADE_FAIR for r in rows),
            "show_costs": show_costs,
        }

    # the table as shown, per page of it: a view reads its HTML, not the year's thousands
    # of campaigns (a megabyte kept in the cache) to render fifty of them
    shown = request.GET.get("page", "")[:12]
    template = "measure/campaign_returns_table.html"
    context = {
        "form": form,
        "table": memo_html(
            "campaign_returns_html",
            request.user,
            (*figures, shown),
            template,
            table,
            request=request,
        ),
        "model_label": MODEL_LABELS[model],
        "year": year,
    }
    return render(request, "measure/campaign_returns.html", context)


def returns_csv(rows: list, model: str, year: int, show_costs: bool) -> HttpResponse:
    """The comparison as the page shows it, one campaign a row (UTF-8 with BOM, amounts
    in the reporting currency with a decimal point); costs only for those who see them."""
    import csv

    from koers.core.cells import safe_row

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="koers-campaigns-{year}-{model}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    costs = ["costs", "cost_per_lead", "cost_per_hot_lead"] if show_costs else []
    per_euro = ["revenue_per_euro", "margin_per_euro"] if show_costs else []
    header = [
        "campaign", "type", *costs, "leads", "hot_leads", "lead_to_opportunity",
        "lead_to_customer", "pipeline", "revenue", "gross_margin", *per_euro,
        "revenue_per_m2", "margin_per_m2", "revenue_per_staff_day", "attribution",
    ]  # fmt: skip
    writer.writerow(header)
    for r in rows:
        values = {
            "campaign": r.campaign.name,
            "type": r.campaign.kind,
            "costs": r.cost,
            "cost_per_lead": r.cost_per_lead,
            "cost_per_hot_lead": r.cost_per_hot_lead,
            "leads": r.leads,
            "hot_leads": r.hot,
            "lead_to_opportunity": r.lead_to_opportunity,
            "lead_to_customer": r.lead_to_customer,
            "pipeline": r.attributed.get("pipeline"),
            "revenue": r.attributed.get("revenue"),
            "gross_margin": r.attributed.get("margin"),
            "revenue_per_euro": r.revenue_per_euro,
            "margin_per_euro": r.margin_per_euro,
            "revenue_per_m2": r.revenue_per_m2,
            "margin_per_m2": r.margin_per_m2,
            "revenue_per_staff_day": r.revenue_per_staff_day,
            "attribution": model,
        }
        writer.writerow(safe_row([_csv_value(h, values[h]) for h in header]))
    return response


RATIOS = {"lead_to_opportunity", "lead_to_customer"}


def _csv_value(name: str, value: object) -> object:
    """Shares to four decimals (0.3333), amounts to the cent, nothing as empty."""
    from decimal import Decimal

    from koers.engine.money import quantize_money

    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.0001")) if name in RATIOS else quantize_money(value)
    return "" if value is None else value


class FollowUpForm(forms.Form):
    days = forms.IntegerField(
        label=_("Hot leads not followed up after (days)"),
        min_value=0,
        max_value=365,
        required=False,
    )


def follow_up_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign's hot leads that sales has not taken on N days after they came in, by
    salesperson (the leads the viewer may see)."""
    vis.require_role(request.user, vis.ANY_ROLE)
    campaign = get_object_or_404(sm.Campaign, pk=pk)
    form = FollowUpForm(request.GET or None)
    days = form.cleaned_data.get("days") if form.is_bound and form.is_valid() else None
    days = AGREED_DAYS if days is None else days
    today = timezone.localdate()
    leads = (
        vis.visible_leads(request.user)
        .filter(
            campaign=campaign,
            quality=sm.Lead.Quality.HOT,
            accepted_on__isnull=True,
            created_on__lte=today - dt.timedelta(days=days),
        )
        .exclude(status__in=(sm.Lead.Status.CONVERTED, sm.Lead.Status.DISQUALIFIED))
        .select_related("owner")
        .order_by("owner__last_name", "created_on")
    )
    groups: dict[object, list] = {}
    for lead in leads:
        lead.waiting = (today - lead.created_on).days
        groups.setdefault(lead.owner, []).append(lead)
    hot = vis.visible_leads(request.user).filter(campaign=campaign, quality="hot").count()
    context = {
        "campaign": campaign,
        "form": form,
        "days": days,
        "groups": sorted(groups.items(), key=lambda g: -len(g[1])),
        "waiting": sum(len(v) for v in groups.values()),
        "hot": hot,
    }
    return render(request, "measure/campaign_follow_up.html", context)
