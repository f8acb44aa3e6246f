"""Closing a month as a finance team expects: four eyes on adjustments, a confirmation
before approving early or with a windfall, and before locking; on every path."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from koers.plan.models import Target
from koers.reward.models import Adjustment, CalcRun
from koers.reward.services import run_advance, run_month
from koers.reward.services.approval import (
    NeedsConfirmation,
    adjustment_approve,
    approval_warnings,
    windfalls,
)
from koers.reward.services.payouts import add_adjustment
from tests.conftest import on_plan, sale

OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
AFTER = dt.date(2026, 12, 2)  # November has ended


def test_an_adjustment_is_approved_by_someone_other_than_its_author(planned):
    run = run_month(NOV, by=None)
    cora, dirk = planned.user("cora"), planned.user("dirk")
    adjustment = add_adjustment(
        person=planned.rosa, month=NOV, amount=Decimal("25"), reason="Missed split", by=cora
    )
    with pytest.raises(ValidationError, match="await approval"):
        run_advance(run, by=cora, expected="open", confirmed=True, today=AFTER)
    with pytest.raises(ValidationError, match="someone else approves it"):
        adjustment_approve(adjustment=adjustment, by=cora)
    adjustment_approve(adjustment=adjustment, by=dirk)
    with pytest.raises(ValidationError, match="approved already"):
        adjustment_approve(adjustment=adjustment, by=planned.user("ada"))
    assert run_advance(run, by=cora, expected="open", today=AFTER).status == "approved"


def test_approving_a_month_that_has_not_ended_asks_to_confirm(planned):
    run = run_month(NOV, by=None)
    with pytest.raises(NeedsConfirmation, match="has not ended yet"):
        run_advance(run, by=None, expected="open", today=dt.date(2026, 11, 30))
    assert CalcRun.objects.get().status == "open"
    assert run_advance(run, by=None, expected="open", today=AFTER).status == "approved"


def test_locking_always_asks_to_confirm(planned):
    run = run_advance(run_month(NOV, by=None), by=None, expected="open", today=AFTER)
    with pytest.raises(NeedsConfirmation, match="Confirm to lock"):
        run_advance(run, by=None, expected="approved", today=AFTER)
    assert run_advance(run, by=None, expected="approved", confirmed=True).status == "locked"


RAMP = """\
code: ramp
components:
  - {code: commission, rule: marginal, quota: revenue,
     tiers: [{from: 0%, rate: 5%}, {from: 100%, rate: 10%}]}
"""


def test_a_new_hire_at_240_percent_of_a_ramp_quota_is_a_windfall_to_confirm(cast):
    on_plan(RAMP, cast.rik, target_incentive="12000")
    Target.objects.create(kpi="revenue", person=cast.rik, month=NOV, value=Decimal("500"))
    sale(cast, cast.rik, "SO-RAMP", dt.date(2026, 11, 4), "200.00")  # € 1,200 of € 500
    run = run_month(NOV, by=None)
    found = windfalls(run)
    assert [(w.person, w.attainment_ppm) for w in found] == [(str(cast.rik), 2_400_000)]
    warnings = approval_warnings(run, AFTER)
    assert len(warnings) == 1 and "240% of quota" in warnings[0] and str(cast.rik) in warnings[0]
    with pytest.raises(NeedsConfirmation, match="Check these before paying"):
        run_advance(run, by=None, expected="open", today=AFTER)
    assert run_advance(run, by=None, expected="open", confirmed=True, today=AFTER)


def test_pay_above_a_multiple_of_the_target_incentive_is_a_windfall(cast, settings):
    settings.KOERS_WINDFALL_MULTIPLE = 2
    on_plan("code: f\ncomponents:\n  - {code: c, rule: flat, rate: 10%}\n", cast.rik,
            target_incentive="1200")  # fmt: skip
    # a month's share of the incentive is € 100: € 100 earned on € 1,000 is no windfall,
    # € 400 on € 4,000 is
    assert windfalls(run_month(NOV, by=None)) == []
    sale(cast, cast.rik, "SO-BIG", dt.date(2026, 11, 4), "3000.00")
    (found,) = windfalls(run_month(NOV, by=None))
    assert found.person == str(cast.rik) and found.earned == Decimal("400.00")
    assert "4× a month's target incentive" in found.reason


def _post(client, url, user_token):
    return client.post(url, data=json.dumps({}), content_type="application/json", **user_token)


def test_the_api_keeps_four_eyes_and_asks_to_confirm(planned, client, token):
    run_month(NOV, by=None)
    adjustment = add_adjustment(
        person=planned.rosa,
        month=NOV,
        amount=Decimal("10"),
        reason="Split",
        by=planned.user("cora"),
    )
    approve = f"/api/v1/reward/adjustments/{adjustment.pk}/approve"
    own = _post(client, approve, token("cora"))
    assert own.status_code == 422 and "someone else" in str(own.json())
    assert _post(client, approve, token("ruud")).status_code == 403
    assert _post(client, approve, token("dirk")).json()["approved_by_id"] == planned.user("dirk").pk
    early = _post(client, "/api/v1/reward/runs/2026-11/advance?from=open", token("cora"))
    assert early.status_code == 422 and "has not ended yet" in str(early.json())
    confirmed = "/api/v1/reward/runs/2026-11/advance?from=open&confirm=true"
    assert _post(client, confirmed, token("cora")).json()["status"] == "approved"
    assert Adjustment.objects.get().approved_by is not None
