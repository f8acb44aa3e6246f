"""The demo organisation's incentive plans, targets and assignments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Avg

from koers.engine.periods import add_months, fiscal_year_start, month_start
from koers.measure.models import KpiFact
from koers.org.models import Person, Role
from koers.org.setup import fiscal_start_month
from koers.plan.models import Target
from koers.reward.models import Plan, PlanAssignment

ACCOUNT_MANAGER = """\
code: account-manager
name: Account manager
components:
  - code: commission
    name: {en: Commission on revenue, nl: Provisie op omzet}
    measure: revenue
    period: month
    rule: marginal
    quota: revenue
    tiers:
      - {from: 0%, rate: 0.25%}
      - {from: 100%, rate: 0.5%}
      - {from: 130%, rate: 0.75%}
    cap: 1500.00
    clawback_days: 180
  - code: quarter-bonus
    name: {en: Quarterly revenue bonus, nl: Kwartaalbonus omzet}
    measure: revenue
    period: quarter
    rule: bonus
    quota: revenue
    incentive: 40%
    curve:
      - {attainment: 60%, payout: 0%}
      - {attainment: 100%, payout: 100%}
      - {attainment: 140%, payout: 180%}
    multiplier:
      kpi: visits
      steps:
        - {from: 0%, factor: 80%}
        - {from: 90%, factor: 100%}
        - {from: 110%, factor: 110%}
  - code: team-bonus
    name: {en: Team bonus, nl: Teambonus}
    measure: revenue
    period: quarter
    rule: bonus
    scope: team
    incentive: 10%
    curve:
      - {attainment: 80%, payout: 0%}
      - {attainment: 100%, payout: 100%}
      - {attainment: 120%, payout: 150%}
  - code: development
    name: {en: Personal goals, nl: Persoonlijke doelen}
    measure: goals
    period: quarter
    rule: bonus
    incentive: 10%
    curve:
      - {attainment: 0%, payout: 0%}
      - {attainment: 100%, payout: 100%}
      - {attainment: 120%, payout: 120%}
  - code: pumps-push
    name: {en: "Pumps push (SPIFF, on payment)", nl: "Actie pompen (SPIFF, bij betaling)"}
    measure: revenue
    basis: payment
    period: month
    rule: flat
    rate: 0.5%
    product_groups: [PMP]
    window: {from: WINDOW_FROM, to: WINDOW_TO}
    choice: true
"""

SALES_MANAGER = """\
code: sales-manager
name: Sales manager
components:
  - code: team-bonus
    name: {en: Team revenue bonus, nl: Teambonus omzet}
    measure: revenue
    period: quarter
    rule: bonus
    quota: revenue
    rollup: true
    incentive: 80%
    curve:
      - {attainment: 70%, payout: 0%}
      - {attainment: 100%, payout: 100%}
      - {attainment: 130%, payout: 150%}
  - code: team-margin
    name: {en: Team margin commission, nl: Teamprovisie op marge}
    measure: margin
    period: month
    rule: retroactive
    quota: gross_margin
    rollup: true
    tiers:
      - {from: 0%, rate: 0.2%}
      - {from: 100%, rate: 0.4%}
  - code: company-bonus
    name: {en: Company bonus, nl: Bedrijfsbonus}
    measure: revenue
    period: quarter
    rule: bonus
    scope: company
    incentive: 20%
    curve:
      - {attainment: 90%, payout: 0%}
      - {attainment: 100%, payout: 100%}
      - {attainment: 110%, payout: 120%}
"""

DIRECTOR = """\
code: commercial-director
name: Commercial director
components:
  - code: company-bonus
    name: {en: Company revenue bonus, nl: Bedrijfsbonus omzet}
    measure: revenue
    period: quarter
    rule: bonus
    scope: company
    incentive: 60%
    curve:
      - {attainment: 90%, payout: 0%}
      - {attainment: 100%, payout: 100%}
      - {attainment: 120%, payout: 150%}
    cap: 40000.00
  - code: margin-ytd
    name: {en: Margin commission year to date, nl: Margeprovisie lopend jaar}
    measure: margin
    period: ytd
    rule: marginal
    quota: gross_margin
    rollup: true
    tiers:
      - {from: 0%, rate: 0.1%}
      - {from: 100%, rate: 0.3%}
"""

GOALS = (  # a Dutch company's MBO goals, in its own language
    "Certificering pompdimensionering afronden",
    "Twee klantworkshops geven",
)


def load(today: dt.date) -> int:
    """Targets (history + 5% for revenue and margin, history for visits), the two plans,
    everyone on one, draws for new hires and quarterly goals; returns the number of
    assignments."""
    people = list(Person.objects.filter(role__in=[Role.SALESPERSON, Role.MANAGER, Role.DIRECTOR]))
    # the last twelve months and the rest of this (fiscal) year: next year's targets come
    # from its round, still open in the demo
    year_end = add_months(fiscal_year_start(today, fiscal_start_month()), 12)
    first = add_months(month_start(today), -11)
    count = (year_end.year - first.year) * 12 + year_end.month - first.month
    months = [add_months(first, k) for k in range(count)]
    targets = []
    managers = dict(Person.objects.values_list("pk", "manager_id"))
    for kpi, uplift in (("revenue", "1.05"), ("gross_margin", "1.05"), ("visits", "1")):
        averages = dict(
            KpiFact.objects.filter(kpi=kpi)
            .values("person")
            .annotate(avg=Avg("numerator"))
            .values_list("person", "avg")
        )
        money = kpi != "visits"
        team: dict[int, Decimal] = {}
        for person in people:
            if person.role != Role.SALESPERSON or not averages.get(person.pk):
                continue
            average = Decimal(averages[person.pk]) / (100 if money else 1)
            monthly = (average * Decimal(uplift)).quantize(Decimal("100" if money else "1"))
            boss = managers.get(person.pk)
            while boss:  # every manager above carries the target of their whole subtree
                team[boss] = team.get(boss, Decimal(0)) + monthly
                boss = managers.get(boss)
            targets += [Target(kpi=kpi, person=person, month=m, value=monthly) for m in months]
        for person in people:  # a leader's team target is the target of the unit they lead
            if person.role in (Role.MANAGER, Role.DIRECTOR) and team.get(person.pk):
                targets += [
                    Target(kpi=kpi, unit_id=person.unit_id, month=m, value=team[person.pk])
                    for m in months
                ]
    Target.objects.bulk_create(targets, batch_size=2000, ignore_conflicts=True)
    window_from = add_months(month_start(today), -2)
    window_to = add_months(month_start(today), 1) - dt.timedelta(days=1)
    plans = {
        Role.SALESPERSON: Plan.objects.create(
            code="account-manager",
            name="Account manager",
            status="active",
            document=ACCOUNT_MANAGER.replace("WINDOW_FROM", window_from.isoformat()).replace(
                "WINDOW_TO", window_to.isoformat()
            ),
        ),
        Role.MANAGER: Plan.objects.create(
            code="sales-manager", name="Sales manager", status="active", document=SALES_MANAGER
        ),
        Role.DIRECTOR: Plan.objects.create(
            code="commercial-director",
            name="Commercial director",
            status="active",
            document=DIRECTOR,
        ),
    }
    start = months[0]
    assignments = []
    for p in people:
        target = (p.base_salary * Decimal("0.25")).quantize(Decimal("0.01"))
        new_hire = p.start_date and p.start_date > add_months(today, -9)
        assignments.append(
            PlanAssignment(
                person=p,
                plan=plans[p.role],
                valid_from=max(start, p.start_date or start),
                target_incentive=target,
                # new hires get a recoverable draw of their monthly target for six months
                draw_kind="recoverable" if new_hire else "",
                draw_amount=(target / 12).quantize(Decimal("0.01")) if new_hire else Decimal(0),
                draw_until=add_months(p.start_date, 6) if new_hire else None,
            )
        )
    PlanAssignment.objects.bulk_create(assignments, batch_size=2000)
    _goals(people, today)
    _game(people, today)
    return len(assignments)


POINT_RULES = (("visits", 1, 1), ("quotes", 2, 1), ("won_deals", 10, 1), ("new_customers", 25, 1))
BADGES = (
    ("road-warrior", "Road warrior", "Op de weg", "visits", 30),
    ("closer", "Closer", "Afsluiter", "won_deals", 5),
    ("hunter", "Hunter", "Jager", "new_customers", 2),
    ("big-month", "Big month", "Topmaand", "revenue", 50_000),
)


def _game(people: list[Person], today: dt.date) -> None:
    """Point rules, badges, and a few salespeople who take the pumps SPIFF as days off or
    training budget."""
    from koers.reward.models import Badge, PointRule, RewardChoice

    PointRule.objects.bulk_create(PointRule(kpi=k, points=p, per=n) for k, p, n in POINT_RULES)
    PointRule.objects.create(kpi="revenue", points=1, per=1_000)
    Badge.objects.bulk_create(
        Badge(code=c, name_en=en, name_nl=nl, kpi=k, threshold=t) for c, en, nl, k, t in BADGES
    )
    sellers = sorted((p for p in people if p.role == Role.SALESPERSON), key=lambda p: p.pk)
    choices = ("days", "training")
    RewardChoice.objects.bulk_create(
        RewardChoice(
            person=p,
            component="pumps-push",
            from_month=add_months(month_start(today), -3),
            choice=choices[i % 2],
        )
        for i, p in enumerate(sellers[1::7])
    )


def _goals(people: list[Person], today: dt.date) -> None:
    """Two goals a quarter for every salesperson: last quarter's scored, this one's open."""
    from koers.reward.models import Goal
    from koers.reward.services import period_of

    this_start, this_end = period_of("quarter", today)
    last_start, last_end = period_of("quarter", this_start - dt.timedelta(days=1))
    goals = []
    for person in people:
        if person.role != Role.SALESPERSON:
            continue
        for n, description in enumerate(GOALS):
            score = Decimal(70 + (person.pk * 7 + n * 13) % 50)
            goals.append(
                Goal(
                    person=person,
                    period_start=last_start,
                    period_end=last_end,
                    description=description,
                    weight=50,
                    score=score,
                )
            )
            goals.append(
                Goal(
                    person=person,
                    period_start=this_start,
                    period_end=this_end,
                    description=description,
                    weight=50,
                )
            )
    Goal.objects.bulk_create(goals, batch_size=2000)
