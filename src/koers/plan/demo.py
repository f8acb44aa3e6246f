"""The demo's planning cycle: this year's revenue round, proposed top-down, substantiated
bottom-up and approved (its agreed numbers are the targets the demo's KPI pages and
incentive plans already use), and next year's round open, with some people's numbers in
and some agreed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.db.models import Sum

from koers.org.models import OrgUnit
from koers.plan.models import Target, TargetProposal, TargetRound
from koers.plan.services import round_open, round_propose, year_start

REASONS = (
    "Two key accounts plan a new line; the pipeline holds € 80k for Q1.",
    "Territory gained the Utrecht accounts; visits planned weekly.",
    "Last year had a one-off project; without it this is +4%.",
    "Three quotes out at new customers, each above € 20k.",
)


def load(today: dt.date, seed: int = 2026) -> int:
    """Both rounds; returns the number of proposals written."""
    top = OrgUnit.objects.filter(parent=None).order_by("pk").first()
    if top is None:
        return 0
    rng = np.random.default_rng(seed)
    this_year = year_start(today.year).year
    agreed = dict(
        Target.objects.filter(kpi="revenue", person__isnull=False, month__year=this_year)
        .values("person")
        .annotate(v=Sum("value"))
        .values_list("person", "v")
    )
    total = sum(agreed.values(), Decimal(0))
    if not total:
        return 0
    current = round_propose(
        year=this_year, kpi="revenue", unit=top, total=total, method="history", by=None
    )
    round_open(current, by=None)
    proposals = list(current.proposals.all())
    for proposal in proposals:
        final = agreed.get(proposal.person_id, Decimal(0))
        proposal.agreed = final
        if final:
            proposal.bottom_up = (final * Decimal(rng.uniform(0.9, 1.08))).quantize(Decimal(100))
            proposal.substantiation = REASONS[int(rng.integers(len(REASONS)))]
    TargetProposal.objects.bulk_update(proposals, ["agreed", "bottom_up", "substantiation"])
    # approved at the start of the year: the agreed numbers are the targets already set
    TargetRound.objects.filter(pk=current.pk).update(
        status=TargetRound.Status.APPROVED,
        approved_at=dt.datetime(this_year, 1, 1, 9, tzinfo=dt.UTC),
    )
    following = round_propose(
        year=this_year + 1,
        kpi="revenue",
        unit=top,
        total=(total * Decimal("1.06")).quantize(Decimal(1000)),
        method="history",
        by=None,
    )
    round_open(following, by=None)
    later = list(following.proposals.all())
    for index, proposal in enumerate(later):
        if index % 2 == 0 and proposal.top_down:
            proposal.bottom_up = (proposal.top_down * Decimal(rng.uniform(0.85, 1.02))).quantize(
                Decimal(100)
            )
            proposal.substantiation = REASONS[int(rng.integers(len(REASONS)))]
            if index % 4 == 0:
                proposal.agreed = ((proposal.bottom_up + proposal.top_down) / 2).quantize(
                    Decimal(100)
                )
    TargetProposal.objects.bulk_update(later, ["bottom_up", "substantiation", "agreed"])
    return len(proposals) + len(later)
