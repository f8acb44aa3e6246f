"""Changing the reporting currency from euros to pounds (``koers currency-switch``): every
stored amount converted, nothing relabelled, pay already approved kept as it was paid, and
no correction made by the switch itself. The pound stands at € 1.25 throughout, so every
converted figure is exactly four fifths of the euro figure."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from koers.org.models import Person
from koers.plan.models import Target
from koers.reward.models import CalcRun, Payout, PayoutLine, Plan, PlanAssignment
from koers.reward.services import run_month
from koers.reward.services.approval import run_advance
from koers.sales.currency import BASIS_KEY, reporting_currency
from koers.sales.currency_switch import convert_document, switch_currency
from koers.sales.models import CurrencySwitch, ExchangeRate, Opportunity, OrderLine
from tests.conftest import on_plan, sale

AUG, SEP, OCT, NOV = (dt.date(2026, m, 1) for m in (8, 9, 10, 11))
PLAN = """code: switch
name: Switch
components:
  - code: commission
    measure: revenue
    period: month
    rule: flat
    rate: 10%
    cap: 5000.00
  - code: year-bonus
    measure: revenue
    period: ytd
    rule: marginal
    quota: revenue
    tiers: [{from: € 0, rate: 1%}, {from: € 20000, rate: 2%}]
"""


@pytest.fixture
def paid(cast, settings):
    """Rik sells every month from August; August to October are approved, November is
    open and calculated, all in euros."""
    ExchangeRate.objects.create(currency="GBP", date=dt.date(2020, 1, 1), rate=Decimal("1.25"))
    on_plan(PLAN, cast.rik, target_incentive="10000")
    Person.objects.filter(pk=cast.rik.pk).update(base_salary=Decimal("50000"))
    for month in (AUG, SEP, OCT, NOV):
        Target.objects.update_or_create(
            kpi="revenue", person=cast.rik, month=month, defaults={"value": Decimal("10000")}
        )
        sale(cast, cast.rik, f"S-{month:%m}", month + dt.timedelta(days=9), "12000.00")
        run_month(month, by=None, today=dt.date(2026, 11, 23))
        if month < NOV:
            run_advance(
                CalcRun.objects.get(month=month),
                by=cast.user("dirk"),
                expected="open",
                confirmed=True,
            )
    return cast


def _switch(cast, settings):
    settings.KOERS_REPORTING_CURRENCY = "GBP"
    return switch_currency("GBP", by=cast.user("ada"), today=dt.date(2026, 11, 23))


def _pay() -> dict:
    return {
        (p.run.month, p.person_id): (p.earned, p.paid, p.currency)
        for p in Payout.objects.select_related("run")
    }


def test_the_switch_converts_everything_and_pays_what_was_paid_as_it_was(paid, settings):
    before = _pay()
    lines_before = list(PayoutLine.objects.filter(run__month__lt=NOV).values_list("id", "earnings"))
    november = {
        (line.component, line.correction_of): line.earnings
        for line in PayoutLine.objects.filter(run__month=NOV, person=paid.rik)
    }
    switch = _switch(paid, settings)
    assert (switch.from_currency, switch.to_currency, switch.effective) == ("EUR", "GBP", NOV)
    assert switch.rate == Decimal("0.8")
    assert reporting_currency() == "GBP"
    # what was approved stays, in euros: lines, payouts, the runs' currency
    after = _pay()
    assert {k: v for k, v in after.items() if k[0] < NOV} == {
        k: v for k, v in before.items() if k[0] < NOV
    }
    assert set(CalcRun.objects.filter(month__lt=NOV).values_list("currency", flat=True)) == {"EUR"}
    assert (
        list(PayoutLine.objects.filter(run__month__lt=NOV).values_list("id", "earnings"))
        == lines_before
    )
    # the open month again, in pounds: four fifths, and no correction of the months before
    run = CalcRun.objects.get(month=NOV)
    assert run.currency == "GBP"
    assert not PayoutLine.objects.filter(run=run).exclude(correction_of=None).exists()
    now = {
        (line.component, line.correction_of): line.earnings
        for line in PayoutLine.objects.filter(run=run, person=paid.rik)
    }
    assert now == {k: v * Decimal("0.8") for k, v in november.items()}
    assert after[(NOV, paid.rik.pk)][2] == "GBP"
    # the stored amounts, converted
    line = OrderLine.objects.get(order_number="S-11")
    assert (line.amount, line.currency, line.reporting_amount) == (
        Decimal("12000.00"),
        "EUR",
        Decimal("9600.00"),
    )
    assert Target.objects.get(person=paid.rik, month=OCT).value == Decimal("8000.00")
    assert Person.objects.get(pk=paid.rik.pk).base_salary == Decimal("40000.00")
    assignment = PlanAssignment.objects.get(person=paid.rik)
    assert assignment.target_incentive == Decimal("8000.00")
    document = Plan.objects.get(code="switch").document
    assert "cap: 4000.00" in document and "from: € 16000.00" in document
    assert ExchangeRate.objects.get(currency="EUR", date=dt.date(2020, 1, 1)).rate == Decimal("0.8")
    assert not ExchangeRate.objects.filter(currency="GBP").exists()


def test_running_the_open_month_again_after_the_switch_changes_nothing(paid, settings):
    _switch(paid, settings)
    first = list(PayoutLine.objects.filter(run__month=NOV).values_list("component", "earnings"))
    run_month(NOV, by=None, today=dt.date(2026, 11, 23))
    again = list(PayoutLine.objects.filter(run__month=NOV).values_list("component", "earnings"))
    assert sorted(again) == sorted(first)
    assert not PayoutLine.objects.filter(run__month=NOV).exclude(correction_of=None).exists()


def test_attainment_is_the_same_in_either_currency(paid, settings, client, token):
    def months() -> list[tuple[float, float, float]]:
        answer = client.get(
            "/api/v1/kpis/values",
            {"kpi": "revenue", "person": paid.rik.pk, "from": "2026-08-01", "to": "2026-11-30"},
            **token("rik"),
        )
        assert answer.status_code == 200, answer.content
        return [(v["value"], v["target"], v["attainment"]) for v in answer.json()["values"]]

    before = months()
    assert [a for _v, _t, a in before] == [120.0, 120.0, 120.0, 130.0]
    _switch(paid, settings)
    assert months() == [(v * 0.8, t * 0.8, a) for v, t, a in before]


def test_a_correction_pending_at_the_switch_comes_through_once_converted(paid, settings):
    """A late October sale of € 1,000 was booked before the switch: October's 10% is a
    correction of € 100 still to make. After the switch it is made once, as £ 80."""
    sale(paid, paid.rik, "S-LATE", dt.date(2026, 10, 20), "1000.00")
    _switch(paid, settings)
    corrections = PayoutLine.objects.filter(run__month=NOV, correction_of=OCT)
    assert {(c.component, c.earnings) for c in corrections} >= {("commission", Decimal("80.00"))}
    run_month(NOV, by=None, today=dt.date(2026, 11, 23))
    again = PayoutLine.objects.filter(run__month=NOV, correction_of=OCT)
    assert {(c.component, c.earnings) for c in again} == {
        (c.component, c.earnings) for c in corrections
    }


def test_statements_of_months_before_the_switch_show_the_currency_they_were_paid_in(
    paid, settings, login
):
    _switch(paid, settings)
    client = login(paid.user("rik"))
    october = client.get(reverse("statement") + "?month=2026-10").content.decode()
    november = client.get(reverse("statement") + "?month=2026-11").content.decode()

    def payable(page: str) -> str:
        return re.search(r'data-testid="payable">([^<]+)<', page).group(1)

    earned = Payout.objects.get(run__month=OCT, person=paid.rik).earned
    assert payable(october) == f"€ {earned:,.2f}"
    assert payable(november).startswith("£ ")


def test_without_a_rate_the_switch_is_refused_naming_it_and_nothing_changes(cast, settings):
    settings.KOERS_REPORTING_CURRENCY = "GBP"
    sale(cast, cast.rik, "S-1", dt.date(2026, 11, 10), "100.00")
    with pytest.raises(ValidationError, match="There is no exchange rate for GBP"):
        switch_currency("GBP", by=None, today=dt.date(2026, 11, 23))
    assert reporting_currency() == "EUR" and not CurrencySwitch.objects.exists()
    assert OrderLine.objects.get(order_number="S-1").reporting_amount == Decimal("100.00")


def test_amounts_dated_before_the_first_rate_are_named_not_kept_in_euros(cast, settings):
    """39 opportunities dated before the first rate kept their euro amounts silently."""
    ExchangeRate.objects.create(currency="GBP", date=dt.date(2026, 6, 1), rate=Decimal("1.25"))
    early = Opportunity.objects.filter(created_on__lt=dt.date(2026, 6, 1)).count()
    lines = OrderLine.objects.filter(order_date__lt=dt.date(2026, 6, 1)).count()
    if not early:
        opportunity = Opportunity.objects.first()
        Opportunity.objects.filter(pk=opportunity.pk).update(created_on=dt.date(2026, 3, 1))
        early = 1
    settings.KOERS_REPORTING_CURRENCY = "GBP"
    with pytest.raises(ValidationError) as refused:
        switch_currency("GBP", by=None, today=dt.date(2026, 11, 23))
    message = " ".join(refused.value.messages)
    assert "dated 2026-06-01" in message and f"{early:,} opportunities" in message
    if lines:
        assert f"{lines:,} order lines" in message
    assert reporting_currency() == "EUR"
    assert ExchangeRate.objects.filter(currency="GBP").count() == 1


def test_the_switch_asks_for_the_setting_first(paid, settings):
    with pytest.raises(ValidationError, match="Set KOERS_REPORTING_CURRENCY to GBP first"):
        switch_currency("GBP", by=None, today=dt.date(2026, 11, 23))


def test_the_command_checks_without_changing_anything_then_switches(paid, settings):
    settings.KOERS_REPORTING_CURRENCY = "GBP"
    out = io.StringIO()
    call_command("currency-switch", "--check", stdout=out)
    assert "nothing was changed" in out.getvalue() and "order lines" in out.getvalue()
    cache.delete(BASIS_KEY)
    assert reporting_currency() == "EUR" and not CurrencySwitch.objects.exists()
    assert OrderLine.objects.get(order_number="S-11").reporting_amount == Decimal("12000.00")
    out = io.StringIO()
    call_command("currency-switch", stdout=out)
    assert "EUR → GBP" in out.getvalue()
    assert reporting_currency() == "GBP"


def test_a_plan_documents_amounts_convert_and_its_comments_and_shares_stay():
    text = "cap: 5000.00  # per month\ntiers: [{from: 0%, rate: 2%}, {above: € 10000, rate: 3%}]"
    assert convert_document(text, Decimal("0.8")) == (
        "cap: 4000.00  # per month\ntiers: [{from: 0%, rate: 2%}, {above: € 8000.00, rate: 3%}]"
    )
