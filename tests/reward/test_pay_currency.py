"""A plan may pay in the payee's currency: the run's figures stay in the reporting currency;
the amount to payroll is converted at the rate of the month's last day, and shown and
exported in both."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from koers.reward.models import CalcRun, Payout, PayoutLine
from koers.reward.services import run_advance, run_month
from koers.reward.services.payouts import payroll_csv
from koers.sales.models import ExchangeRate
from tests.conftest import on_plan

NOV = dt.date(2026, 11, 1)
# the cast's € 1,000 sale on 2 November; 10% commission pays € 100.00
FLAT = (
    "code: uk\nname: UK\n{pays_in}components:\n  - {{code: c, name: {{en: C, nl: C}}, "
    "rule: flat, rate: 10%}}\n"
)


def _plan(cast, pays_in: str = "payee") -> None:
    on_plan(FLAT.format(pays_in=f"pays_in: {pays_in}\n" if pays_in else ""), cast.ruud)
    cast.ruud.currency = "GBP"
    cast.ruud.save()


def test_a_plan_that_pays_in_the_payees_currency_converts_at_the_months_last_rate(cast, login):
    _plan(cast)
    ExchangeRate.objects.create(currency="GBP", date=dt.date(2026, 10, 1), rate=Decimal("1.10"))
    ExchangeRate.objects.create(currency="GBP", date=dt.date(2026, 11, 30), rate=Decimal("1.6"))
    ExchangeRate.objects.create(currency="GBP", date=dt.date(2026, 12, 1), rate=Decimal("2"))
    run = run_month(NOV, by=None)
    payout = Payout.objects.get(run=run, person=cast.ruud)
    assert payout.paid == Decimal("100.00")  # the run's figures: reporting currency
    assert (payout.currency, payout.exchange_rate) == ("GBP", Decimal("1.6"))
    assert payout.paid_in_currency == Decimal("62.50")
    page = login(cast.user("ruud")).get(reverse("statement")).content.decode()
    assert "paid as £ 62.50" in page
    assert "Paid in GBP, at 1.6 per GBP" in page
    run_advance(run, by=None, expected=run.status, confirmed=True)
    rows = list(csv.reader(io.StringIO(payroll_csv(run).lstrip("\ufeff"))))
    ruud = [r for r in rows[1:] if r[2] == str(cast.ruud)]
    assert [(r[3], r[6], r[7]) for r in ruud] == [
        ("c", "100.00", "EUR"),
        ("to payroll in GBP at 1.6 EUR per GBP", "62.50", "GBP"),
    ]


def test_half_a_penny_rounds_away_from_zero(cast):
    _plan(cast)
    ExchangeRate.objects.create(currency="GBP", date=dt.date(2026, 1, 1), rate=Decimal("160"))
    run = run_month(NOV, by=None)
    # € 100.00 ÷ 160 = £ 0.625 → £ 0.63
    assert Payout.objects.get(run=run, person=cast.ruud).paid_in_currency == Decimal("0.63")


def test_a_plan_in_the_reporting_currency_pays_and_exports_in_it(cast):
    _plan(cast, pays_in="")
    run = run_month(NOV, by=None)
    payout = Payout.objects.get(run=run, person=cast.ruud)
    assert (payout.currency, payout.paid_in_currency) == ("EUR", None)
    run_advance(run, by=None, expected=run.status, confirmed=True)
    rows = list(csv.reader(io.StringIO(payroll_csv(run).lstrip("\ufeff"))))
    # the amounts are euros, whatever the person's own currency
    assert {r[7] for r in rows[1:] if r[2] == str(cast.ruud)} == {"EUR"}


def test_an_unknown_pays_in_is_refused(cast):
    from koers.reward.documents import PlanDocumentError, parse_plan

    with pytest.raises(PlanDocumentError, match="pays_in"):
        parse_plan(FLAT.format(pays_in="pays_in: dollars\n"))


@pytest.mark.django_db(transaction=True)
def test_a_missing_rate_refuses_the_run_and_writes_nothing(cast):
    _plan(cast)
    with pytest.raises(ValidationError, match="GBP on or before 2026-11-30"):
        run_month(NOV, by=None)
    assert not PayoutLine.objects.exists()
    assert not Payout.objects.exists()
    assert not CalcRun.objects.exists()


def test_the_api_statement_says_what_payroll_pays(cast, login):
    _plan(cast)
    ExchangeRate.objects.create(currency="GBP", date=dt.date(2026, 1, 1), rate=Decimal("1.25"))
    run_month(NOV, by=None)
    client = login(cast.user("ruud"))
    statement = client.get(f"/api/v1/reward/statements/{cast.ruud.pk}/2026-11").json()
    assert statement["paid"] == "100.00"
    assert (statement["currency"], statement["paid_in_currency"]) == ("GBP", "80.00")


@pytest.mark.django_db(transaction=True)
def test_the_command_line_calculates_outside_a_request(cast):
    # no request transaction around it: the run takes its own (and its row lock in it)
    from django.core.management import call_command

    _plan(cast, pays_in="")
    call_command("calculate", "2026-11", "--approve")
    assert CalcRun.objects.get(month=NOV).status == CalcRun.Status.APPROVED
