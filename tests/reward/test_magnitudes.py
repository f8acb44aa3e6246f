"""Large amounts through the real path (plan, order lines, targets, ``run_month``): every
figure exact to the cent, and an amount beyond what Koers keeps exact refuses the run,
naming the payee and the component, rather than wrap around."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from koers.plan.models import Target
from koers.reward.models import CalcRun, PayoutLine
from koers.reward.services import run_month
from koers.sales.models import OrderLine
from tests.conftest import on_plan, sale

OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


@pytest.fixture
def rik(cast):
    """Rik with no sales of his own: each test books what it needs."""
    OrderLine.objects.filter(credits__person=cast.rik).delete()
    return cast


def _earned(person, component: str, month: dt.date = NOV) -> Decimal:
    line = PayoutLine.objects.get(
        person=person, component=component, run__month=month, correction_of=None
    )
    return line.earnings


def _plan(cast, body: str, target_incentive: str = "0") -> None:
    on_plan(f"code: big\ncomponents:\n{body}", cast.rik, target_incentive=target_incentive)


def test_700000_at_10_percent_with_a_multiplier_of_1_5_pays_105000(rik):
    _plan(
        rik,
        "  - {code: c, rule: flat, rate: 10%,\n"
        "     multiplier: {kpi: visits, steps: [{from: 0%, factor: 150%}]}}\n",
    )
    sale(rik, rik.rik, "SO-1", dt.date(2026, 11, 3), "700000.00")
    run_month(NOV, by=None)
    assert _earned(rik.rik, "c") == Decimal("105000.00")


def test_a_gate_on_3_1_million_at_3_percent_pays_93000(rik):
    _plan(rik, "  - {code: c, rule: flat, rate: 3%, gate: {kpi: visits, min: 0%}}\n")
    sale(rik, rik.rik, "SO-1", dt.date(2026, 11, 3), "3100000.00")
    run_month(NOV, by=None)
    assert _earned(rik.rik, "c") == Decimal("93000.00")


def test_a_yearly_bonus_on_50000_at_200_percent_pays_100000(rik):
    _plan(
        rik,
        "  - code: b\n    rule: bonus\n    period: year\n    quota: revenue\n"
        "    incentive: 100%\n"
        "    curve: [{attainment: 0%, payout: 0%}, {attainment: 200%, payout: 200%}]\n",
        target_incentive="50000.00",
    )
    for month in range(1, 13):
        value = "500000" if month == 11 else "0"
        Target.objects.create(
            kpi="revenue", person=rik.rik, month=dt.date(2026, month, 1), value=Decimal(value)
        )
    sale(rik, rik.rik, "SO-1", dt.date(2026, 11, 3), "1000000.00")
    run_month(NOV, by=None)
    line = PayoutLine.objects.get(person=rik.rik, component="b", run__month=NOV)
    assert line.attainment_ppm == 2_000_000
    assert line.earnings == Decimal("100000.00")


def test_marginal_tiers_on_7_5_million_with_an_accelerator_of_2_5_pay_172500(rik):
    _plan(
        rik,
        "  - {code: c, rule: marginal, quota: revenue,\n"
        "     tiers: [{from: 0%, rate: 1%}, {from: 100%, rate: 0.76%}],\n"
        "     multiplier: {kpi: visits, steps: [{from: 0%, factor: 250%}]}}\n",
    )
    Target.objects.create(kpi="revenue", person=rik.rik, month=NOV, value=Decimal("5000000"))
    sale(rik, rik.rik, "SO-1", dt.date(2026, 11, 3), "7500000.00")
    run_month(NOV, by=None)
    # (1% of € 5,000,000 + 0.76% of € 2,500,000) × 2.5 = (50,000 + 19,000) × 2.5
    assert _earned(rik.rik, "c") == Decimal("172500.00")


def test_a_full_return_of_a_100000_sale_takes_back_the_10000_it_paid(rik):
    _plan(rik, "  - {code: c, rule: flat, rate: 10%}\n")
    sold = sale(rik, rik.rik, "SO-1", dt.date(2026, 10, 5), "100000.00")
    run_month(OCT, by=None)
    assert _earned(rik.rik, "c", OCT) == Decimal("10000.00")
    back = sale(rik, rik.rik, "SO-1R", dt.date(2026, 11, 10), "-100000.00")
    OrderLine.objects.filter(pk=back.pk).update(original=sold)
    run_month(NOV, by=None)
    assert _earned(rik.rik, "c") == Decimal("-10000.00")


def test_a_line_of_a_trillion_euros_is_paid_to_the_cent(rik):
    _plan(rik, "  - {code: c, rule: flat, rate: 9.9999%}\n")
    sale(rik, rik.rik, "SO-1", dt.date(2026, 11, 3), "1000000000000.00")
    sale(rik, rik.rik, "SO-2", dt.date(2026, 11, 4), "0.01")
    run_month(NOV, by=None)
    # 9.9999% of € 1,000,000,000,000.01 = € 99,999,000,000.0009999 → .00
    assert _earned(rik.rik, "c") == Decimal("99999000000.00")


def test_an_amount_beyond_what_koers_keeps_exact_refuses_the_run_naming_payee_and_component(
    rik,
):
    _plan(rik, "  - {code: commission, rule: flat, rate: 10%}\n")
    for n in range(2):  # € 2 × 10^15: beyond MAX_CENTS
        sale(rik, rik.rik, f"SO-{n}", dt.date(2026, 11, 3), "1000000000000000.00")
    with pytest.raises(ValidationError) as refused:
        run_month(NOV, by=None)
    message = " ".join(refused.value.messages)
    assert str(rik.rik) in message and "commission" in message
    assert not PayoutLine.objects.exists() and not CalcRun.objects.filter(month=NOV).exists()


def test_a_plan_beyond_the_bounds_is_refused_when_saved():
    from koers.reward.documents import PlanDocumentError, parse_plan

    with pytest.raises(PlanDocumentError, match="10000%"):
        parse_plan("code: x\ncomponents:\n  - {code: c, rule: flat, rate: 20000%}\n")
    with pytest.raises(PlanDocumentError, match="100×"):
        parse_plan(
            "code: x\ncomponents:\n  - {code: c, rule: flat, rate: 1%,\n"
            "     multiplier: {kpi: visits, steps: [{from: 0%, factor: 50000%}]}}\n"
        )
