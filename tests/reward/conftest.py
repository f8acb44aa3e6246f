"""The small cast on a plan: Ruud and Rosa on a commission and a quarterly bonus."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from koers.plan.models import Target
from koers.reward.models import Plan, PlanAssignment
from tests.reward.test_calc import DOCUMENT, NOV


@pytest.fixture
def planned(cast):
    plan = Plan.objects.create(code="rep", name="Rep", status="active", document=DOCUMENT)
    for person in (cast.ruud, cast.rosa):
        PlanAssignment.objects.create(
            person=person,
            plan=plan,
            valid_from=dt.date(2026, 1, 1),
            target_incentive=Decimal("12000.00"),
        )
    # Ruud's November quota € 800: he sold € 1,000 (125%)
    Target.objects.create(kpi="revenue", person=cast.ruud, month=NOV, value=Decimal("800"))
    # Rosa's € 2,000: she sold € 1,000 (50%)
    Target.objects.create(kpi="revenue", person=cast.rosa, month=NOV, value=Decimal("2000"))
    # the other months of the year: set, at zero (nothing was expected of them)
    for person in (cast.ruud, cast.rosa):
        for month in [dt.date(2026, m, 1) for m in range(1, 13)] + [dt.date(2027, 1, 1)]:
            if month != NOV:
                Target.objects.create(kpi="revenue", person=person, month=month, value=0)
    return cast
