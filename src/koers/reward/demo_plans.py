"""The demo organisation's incentive plans, targets and assignments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Avg

from koers.engine.periods import add_months, month_start
from koers.measure.models import KpiFact
from koers.org.models import Person, Role
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
      - {from: 0%, rate: 1.5%}
      - {from: 100%, rate: 3%}
      - {from: 130%, rate: 4%}
    cap: 6000.00
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
  - code: pumps-push
    name: {en: Pumps push (on payment), nl: Actie pompen (bij betaling)}
    measure: revenue
    basis: payment
    period: month
    rule: flat
    rate: 0.5%
    product_groups: [1]
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
    incentive: 100%
    curve:
      - {attainment: 70%, payout: 0%}
      - {attainment: 100%, payout: 100%}
      - {attainment: 130%, payout: 150%}
"""


def load(today: dt.date) -> int:
    """Revenue targets (history + 5%), the two plans, and everyone on one; returns the
    number of assignments."""
    people = list(Person.objects.filter(role__in=[Role.SALESPERSON, Role.MANAGER]))
    averages = dict(
        KpiFact.objects.filter(kpi="revenue")
        .values("person")
        .annotate(avg=Avg("numerator"))
        .values_list("person", "avg")
    )
    months = [add_months(month_start(today), -k) for k in range(11, -2, -1)]
    team: dict[int, Decimal] = {}
    targets = []
    for person in people:
        if person.role != Role.SALESPERSON or not averages.get(person.pk):
            continue
        monthly = (Decimal(averages[person.pk]) / 100 * Decimal("1.05")).quantize(Decimal("100"))
        team[person.manager_id or 0] = team.get(person.manager_id or 0, Decimal(0)) + monthly
        targets += [Target(kpi="revenue", person=person, month=m, value=monthly) for m in months]
    for person in people:
        if person.role == Role.MANAGER and team.get(person.pk):
            targets += [
                Target(kpi="revenue", person=person, month=m, value=team[person.pk]) for m in months
            ]
    Target.objects.bulk_create(targets, batch_size=2000, ignore_conflicts=True)
    plans = {
        Role.SALESPERSON: Plan.objects.create(
            code="account-manager",
            name="Account manager",
            status="active",
            document=ACCOUNT_MANAGER,
        ),
        Role.MANAGER: Plan.objects.create(
            code="sales-manager", name="Sales manager", status="active", document=SALES_MANAGER
        ),
    }
    start = months[0]
    assignments = [
        PlanAssignment(
            person=p,
            plan=plans[p.role],
            valid_from=max(start, p.start_date or start),
            target_incentive=(p.base_salary * Decimal("0.25")).quantize(Decimal("0.01")),
        )
        for p in people
    ]
    PlanAssignment.objects.bulk_create(assignments, batch_size=2000)
    return len(assignments)
