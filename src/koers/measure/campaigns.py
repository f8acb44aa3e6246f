"""What each campaign cost and brought: its leads and their quality, how many became
opportunities and customers, and the pipeline, revenue and gross margin attributed to it
by the model chosen (``koers.engine.attribution``), per euro spent and, for a trade fair,
per m² of stand and per staff day. In the reporting currency.

A campaign's *leads* are those it brought in (their campaign); the pipeline, revenue and
margin of a lead go to every campaign that touched it before it became an opportunity, by
the attribution model, so that a lead touched by three campaigns counts once in a total.
A lead's revenue is that of the order lines of its opportunity (the opportunity's amount
when it was won without order lines); its margin that of the order lines with a cost;
its pipeline the amount of its opportunity while it is open.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum

from koers.engine.attribution import Touch, attribute
from koers.engine.money import from_cents, to_cents
from koers.sales import models as sm
from koers.sales.currency import converted

FIGURES = ("pipeline", "revenue", "margin")


@dataclass
class CampaignReturn:
    campaign: sm.Campaign
    cost: Decimal
    leads: int = 0
    hot: int = 0
    opportunities: int = 0
    customers: int = 0
    attributed: dict[str, Decimal] = field(default_factory=dict)
    costs_unconverted: int = 0  # cost lines without an exchange rate (left out)

    def _per(self, amount: Decimal | None, by: Any) -> Decimal | None:
        return amount / Decimal(by) if amount is not None and by else None

    @property
    def cost_per_lead(self) -> Decimal | None:
        return self._per(self.cost, self.leads)

    @property
    def cost_per_hot_lead(self) -> Decimal | None:
        return self._per(self.cost, self.hot)

    @property
    def lead_to_opportunity(self) -> Decimal | None:
        return self._per(Decimal(self.opportunities), self.leads)

    @property
    def lead_to_customer(self) -> Decimal | None:
        return self._per(Decimal(self.customers), self.leads)

    @property
    def revenue_per_euro(self) -> Decimal | None:
        return self._per(self.attributed.get("revenue"), self.cost)

    @property
    def margin_per_euro(self) -> Decimal | None:
        return self._per(self.attributed.get("margin"), self.cost)

    @property
    def revenue_per_m2(self) -> Decimal | None:
        return self._per(self.attributed.get("revenue"), self.campaign.stand_m2)

    @property
    def margin_per_m2(self) -> Decimal | None:
        return self._per(self.attributed.get("margin"), self.campaign.stand_m2)

    @property
    def revenue_per_staff_day(self) -> Decimal | None:
        return self._per(self.attributed.get("revenue"), self.campaign.staff_days)


def touches_of(leads: Any) -> list[Touch]:
    """Every campaign touch of ``leads``: their touches, and each lead's own campaign on
    the day the lead was created (once, when not also recorded as a touch)."""
    found = {
        (lead, campaign, day)
        for lead, campaign, day in sm.LeadTouch.objects.filter(lead__in=leads).values_list(
            "lead", "campaign", "date"
        )
    }
    for lead, campaign, day in leads.filter(campaign__isnull=False).values_list(
        "pk", "campaign", "created_on"
    ):
        found.add((lead, campaign, day))
    return [Touch(*t) for t in sorted(found)]


def lead_amounts(leads: Any) -> tuple[dict[int, dict[str, int]], dict[int, dt.date]]:
    """Per lead with an opportunity: its pipeline, revenue and margin in cents, and the
    day it became an opportunity (touches after it do not count)."""
    rows = list(
        leads.filter(opportunity__isnull=False).values(
            "pk",
            "opportunity",
            "opportunity__stage__kind",
            "opportunity__reporting_amount",
            "opportunity__created_on",
            "converted_on",
        )
    )
    opportunities = [r["opportunity"] for r in rows]
    lines = {
        r["opportunity"]: r
        for r in sm.OrderLine.objects.filter(opportunity__in=opportunities)
        .values("opportunity")
        .annotate(
            revenue=Sum("reporting_amount"),
            margin=Sum(
                F("reporting_amount") - F("reporting_cost"),
                filter=Q(reporting_cost__isnull=False),
            ),
        )
        .order_by()
    }
    amounts: dict[int, dict[str, int]] = {}
    until: dict[int, dt.date] = {}
    for r in rows:
        kind, amount = r["opportunity__stage__kind"], r["opportunity__reporting_amount"]
        sold = lines.get(r["opportunity"])
        revenue = sold["revenue"] if sold else (amount if kind == sm.Stage.Kind.WON else None)
        amounts[r["pk"]] = {
            "pipeline": to_cents(amount) if kind == sm.Stage.Kind.OPEN and amount else 0,
            "revenue": to_cents(revenue) if revenue else 0,
            "margin": to_cents(sold["margin"]) if sold and sold["margin"] else 0,
        }
        until[r["pk"]] = r["converted_on"] or r["opportunity__created_on"]
    return amounts, until


def campaign_returns(
    campaigns: Any, model: str, first: dt.date | None = None, last: dt.date | None = None
) -> list[CampaignReturn]:
    """The returns of ``campaigns`` by the attribution ``model``, over the leads created
    ``first``..``last`` (all when not given)."""
    campaigns = list(campaigns)
    ids = [c.pk for c in campaigns]
    leads = sm.Lead.objects.all()
    if first:
        leads = leads.filter(created_on__gte=first)
    if last:
        leads = leads.filter(created_on__lte=last)
    touched = leads.filter(Q(campaign__in=ids) | Q(touches__campaign__in=ids)).distinct()
    amounts, until = lead_amounts(touched)
    attributed = attribute(touches_of(touched), amounts, model, until)
    counts = {
        r["campaign"]: r
        for r in leads.filter(campaign__in=ids)
        .values("campaign")
        .annotate(
            n=Count("pk"),
            hot=Count("pk", filter=Q(quality=sm.Lead.Quality.HOT)),
            opps=Count("pk", filter=Q(opportunity__isnull=False)),
            won=Count("pk", filter=Q(opportunity__stage__kind=sm.Stage.Kind.WON)),
        )
        .order_by()
    }
    costs: dict[int, Decimal] = defaultdict(Decimal)
    unconverted: dict[int, int] = defaultdict(int)
    for line in sm.CampaignCost.objects.filter(campaign__in=ids):
        amount = converted(line.amount, line.currency, line.date)
        if amount is None:
            unconverted[line.campaign_id] += 1
        else:
            costs[line.campaign_id] += amount
    out = []
    for campaign in campaigns:
        count = counts.get(campaign.pk, {})
        out.append(
            CampaignReturn(
                campaign=campaign,
                cost=costs.get(campaign.pk, Decimal("0.00")),
                leads=count.get("n", 0),
                hot=count.get("hot", 0),
                opportunities=count.get("opps", 0),
                customers=count.get("won", 0),
                attributed={
                    name: from_cents(attributed.get(campaign.pk, {}).get(name, 0))
                    for name in FIGURES
                },
                costs_unconverted=unconverted.get(campaign.pk, 0),
            )
        )
    return out


def totals(rows: list[CampaignReturn]) -> dict[str, Decimal]:
    """The campaigns' sums: each attributed lead counted once (the parts of a lead add up
    to it)."""
    out = {"cost": sum((r.cost for r in rows), Decimal(0))}
    for name in FIGURES:
        out[name] = sum((r.attributed.get(name, Decimal(0)) for r in rows), Decimal(0))
    out["leads"] = sum(r.leads for r in rows)
    out["hot"] = sum(r.hot for r in rows)
    return out


@dataclass
class LeadFlow:
    """Sales and marketing on one set of numbers: the year's leads, how many sales took
    on within the agreed days, how fast, how many wait untouched, and what they became."""

    generated: int
    marketing: int
    accepted_in_time: int
    median_days: float | None
    untouched: int
    converted: int

    def share(self, count: int) -> float | None:
        return count / self.generated if self.generated else None

    @property
    def in_time_share(self) -> float | None:
        return self.share(self.accepted_in_time)

    @property
    def untouched_share(self) -> float | None:
        return self.share(self.untouched)

    @property
    def converted_share(self) -> float | None:
        return self.share(self.converted)


def campaigns_between(first: dt.date, last: dt.date) -> Any:
    """The campaigns that ran at some time from ``first`` to ``last``."""
    return sm.Campaign.objects.filter(start_date__lte=last).exclude(end_date__lt=first)


def taken_on_in_time(created: dt.date, accepted: dt.date | None, agreed_days: int) -> bool:
    """Did sales accept a lead at most ``agreed_days`` after it came in?"""
    return accepted is not None and (accepted - created).days <= agreed_days


def lead_flow(leads: Any, today: dt.date, agreed_days: int) -> LeadFlow:
    """Over ``leads``: accepted within ``agreed_days`` of coming in; the median days to
    acceptance; untouched (not accepted, not converted or disqualified) for more than
    ``agreed_days``; converted to an opportunity."""
    import statistics

    rows = list(leads.values_list("created_on", "accepted_on", "status", "source"))
    waits = [(a - c).days for c, a, _s, _src in rows if a is not None]
    done = (sm.Lead.Status.CONVERTED, sm.Lead.Status.DISQUALIFIED)
    return LeadFlow(
        generated=len(rows),
        marketing=sum(1 for *_x, src in rows if src == "marketing"),
        accepted_in_time=sum(1 for c, a, _s, _src in rows if taken_on_in_time(c, a, agreed_days)),
        median_days=statistics.median(waits) if waits else None,
        untouched=sum(
            1
            for c, a, s, _src in rows
            if a is None and s not in done and (today - c).days > agreed_days
        ),
        converted=sum(1 for _c, _a, s, _src in rows if s == sm.Lead.Status.CONVERTED),
    )
