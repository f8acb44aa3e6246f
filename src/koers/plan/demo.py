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
from koers.plan.services import round_open, round_propose

REASONS = (
    "Twee grote klanten plannen een nieuwe productielijn; de pipeline houdt € 80k voor Q1.",
    "Rayon uitgebreid met twaalf klanten van een vertrokken collega; wekelijks bezoek gepland.",
    "Vorig jaar zat er een eenmalig project in; zonder dat is dit +4%.",
    "Drie offertes uit bij nieuwe klanten, elk boven € 20k.",
)


def _plans(today: dt.date, top: OrgUnit) -> None:
    """The three levels for this year: the long-term plan, the annual plans of the company
    and each team, a few initiatives with owners, and every salesperson's plan."""
    from koers.engine.periods import fiscal_year_start
    from koers.org.models import Person, Role
    from koers.org.setup import fiscal_start_month
    from koers.plan.models import AnnualPlan, IndividualPlan, Initiative, LongTermPlan

    year = fiscal_year_start(today, fiscal_start_month()).year
    strategy = LongTermPlan.objects.create(
        unit=top,
        title=f"Koers {year + 4}",
        first_year=year,
        last_year=year + 4,
        ambition="Marktleider in pompen en kleppen voor de Benelux-industrie: 8% groei per jaar.",
        market_choices="Voedingsmiddelen, chemie en waterbeheer; Vlaanderen als groeimarkt.",
        positioning="De technische partner die de hele levenscyclus ontzorgt.",
        value_proposition="Minder stilstand: levering binnen 48 uur en onderhoud op afspraak.",
    )
    director = Person.objects.filter(role=Role.DIRECTOR).order_by("pk").first()
    company = AnnualPlan.objects.create(
        long_term=strategy,
        unit=top,
        year=year,
        goals="Omzet +5% op vorig jaar; 40 nieuwe klanten; winratio 30%.",
        marketing="Twee vakbeurzen, een webinarreeks over energiebesparing.",
        budget=Decimal("250000.00"),
    )
    teams = {}
    sellers = Person.objects.filter(role=Role.SALESPERSON).select_related("unit")
    for unit_id in sorted({p.unit_id for p in sellers}):
        teams[unit_id] = AnnualPlan(
            long_term=strategy,
            unit_id=unit_id,
            year=year,
            goals="De targets van de ronde; elke week twee bezoeken aan nieuwe klanten.",
        )
    AnnualPlan.objects.bulk_create(teams.values())
    if director is not None:
        Initiative.objects.bulk_create(
            [
                Initiative(
                    long_term=strategy,
                    title="Vestiging in Antwerpen",
                    owner=director,
                    due_date=dt.date(year + 1, 9, 1),
                    status=Initiative.Status.PLANNED,
                ),
                Initiative(
                    annual=company,
                    title="Vakbeurs Aqua Nederland",
                    owner=director,
                    due_date=dt.date(year, 3, 15),
                    status=Initiative.Status.DONE,
                ),
            ]
        )
    IndividualPlan.objects.bulk_create(
        IndividualPlan(
            person=person,
            year=year,
            annual=teams.get(person.unit_id),
            planned_activities="Twee bezoeken per week aan nieuwe klanten; elke offerte binnen "
            "drie dagen nabellen.",
            accounts="De vijf grootste klanten: jaarlijks accountplan met hun inkoper.",
            development="Onderhandelen op waarde in plaats van prijs.",
        )
        for person in sellers
    )


def load(today: dt.date, seed: int = 2026) -> int:
    """The plan levels and both rounds; returns the number of proposals written."""
    top = OrgUnit.objects.filter(parent=None).order_by("pk").first()
    if top is None:
        return 0
    _plans(today, top)
    rng = np.random.default_rng(seed)
    from koers.engine.periods import add_months, fiscal_year_start
    from koers.org.setup import fiscal_start_month

    first = fiscal_year_start(today, fiscal_start_month())
    this_year = first.year
    agreed = dict(
        Target.objects.overall()
        .filter(
            kpi="revenue", person__isnull=False, month__gte=first, month__lt=add_months(first, 12)
        )
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
    _account_targets(this_year, agreed)
    _key_account_plans(today, this_year)
    _lead_targets(first, top)
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


def _lead_targets(first: dt.date, top: OrgUnit) -> None:
    """Sales and marketing's shared goal: the organisation's marketing leads each month of
    the year, a tenth above the same month of last year."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from koers.engine.periods import add_months
    from koers.sales.models import Lead

    last_year = dict(
        Lead.objects.filter(
            source="marketing", created_on__gte=add_months(first, -12), created_on__lt=first
        )
        .annotate(month=TruncMonth("created_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("month", "n")
    )
    Target.objects.bulk_create(
        [
            Target(
                kpi="marketing_leads",
                unit=top,
                month=add_months(first, m),
                value=Decimal(round(last_year.get(add_months(first, m - 12), 0) * 1.1)),
            )
            for m in range(12)
        ],
        ignore_conflicts=True,
    )


def _account_targets(year: int, agreed: dict[int, Decimal], people: int = 5) -> None:
    """A few salespeople's year targets divided over their accounts (Plan → Account
    targets), by last year's purchases where there are any."""
    from django.core.exceptions import ValidationError

    from koers.org.models import Person
    from koers.plan import account_targets

    sellers = Person.objects.filter(pk__in=agreed, role="salesperson", accounts__isnull=False)
    for person in sellers.distinct().order_by("pk")[:people]:
        for method in ("history", "potential", "equal"):
            try:
                division = account_targets.divide(person, year=year, kpi="revenue", method=method)
            except ValidationError:
                continue
            account_targets.write(division, by=None)
            break


def _key_account_plans(today: dt.date, year: int, count: int = 12) -> None:
    """The key accounts' plans for the year (the largest customers of the last twelve
    months): what we want there, who decides, what we know, our choices, the activities
    and the revenue expected, substantiated."""
    from decimal import Decimal

    from koers.engine.periods import add_months, month_start
    from koers.plan.models import AccountPlan
    from koers.sales.models import OrderLine

    start = add_months(month_start(today), -12)
    largest = (
        OrderLine.objects.filter(order_date__gte=start, order_date__lt=month_start(today))
        .values("account", "account__name")
        .annotate(v=Sum("reporting_amount"))
        .order_by("-v")[:count]
    )
    AccountPlan.objects.bulk_create(
        AccountPlan(
            account_id=row["account"],
            year=year,
            objectives=(
                "Voorkeursleverancier blijven voor pompen en kleppen; het onderhoudscontract "
                "uitbreiden naar de tweede vestiging."
            ),
            decision_makers=(
                "Inkoper (beslist over prijs), technisch manager (beslist over merk), "
                "directeur bedrijfsvoering (tekent boven € 50k)."
            ),
            research="Nieuwe productielijn gepland; stilstand kost hen € 8k per uur.",
            choices="Op levertijd en onderhoud verkopen, niet op prijs.",
            activities="Kwartaaloverleg met de technisch manager; demo van de nieuwe pomp in Q2.",
            expected_revenue=(Decimal(row["v"] or 0) * Decimal("1.05")).quantize(Decimal(100)),
            substantiation="Omzet van de laatste twaalf maanden plus 5% voor de tweede vestiging.",
        )
        for row in largest
    )
