"""A mixed EUR/USD/GBP organisation: every figure in the reporting currency, at the rate
of the transaction's date; the original amount and currency stay on the record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from koers.imports.reader import ImportFileError
from koers.imports.services import import_file
from koers.measure import selectors as sel
from koers.measure.services import kpi_facts_refresh
from koers.org.models import Person
from koers.reward.models import PayoutLine
from koers.reward.services import run_month
from koers.sales.currency import BASIS_KEY
from koers.sales.models import CurrencyBasis, ExchangeRate, OrderLine
from tests.conftest import on_plan, sale

NOV, NOV_END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)


@pytest.fixture
def mixed(cast):
    # the cast has USD at 0.92 from 1 November; 0.90 from the 5th, 0.80 from the 15th
    ExchangeRate.objects.create(currency="USD", date=dt.date(2026, 11, 5), rate=Decimal("0.9"))
    ExchangeRate.objects.create(currency="USD", date=dt.date(2026, 11, 15), rate=Decimal("0.8"))
    ExchangeRate.objects.create(currency="GBP", date=dt.date(2026, 1, 1), rate=Decimal("1.15"))
    OrderLine.objects.filter(credits__person=cast.rik).delete()
    for number, day, amount, currency in [
        ("SO-E", 3, "1000.00", "EUR"),
        ("SO-U1", 10, "1000.00", "USD"),  # at 0.90: € 900
        ("SO-U2", 20, "1000.00", "USD"),  # at 0.80 from the 15th: € 800
        ("SO-G", 21, "100.01", "GBP"),  # at 1.15: 115.0115 → € 115.01
    ]:
        line = sale(cast, cast.rik, number, dt.date(2026, 11, day), amount)
        line.currency = currency
        line.amount = Decimal(amount).quantize(Decimal("0.01"))
        line.save()
    kpi_facts_refresh(start=NOV, end=NOV_END)
    return cast


def test_amounts_are_converted_at_the_rate_of_their_date_and_keep_their_original(mixed):
    lines = {o.order_number: o for o in OrderLine.objects.filter(order_number__startswith="SO-")}
    assert lines["SO-U1"].reporting_amount == Decimal("900.00")
    assert lines["SO-U2"].reporting_amount == Decimal("800.00")
    assert (lines["SO-U2"].amount, lines["SO-U2"].currency) == (Decimal("1000.00"), "USD")
    assert lines["SO-E"].reporting_amount == Decimal("1000.00")
    rik = Person.objects.filter(pk=mixed.rik.pk)
    revenue = sel.kpi_values(rik, NOV, NOV_END)["revenue"]
    assert revenue == pytest.approx(1000 + 900 + 800 + float(lines["SO-G"].reporting_amount))


def test_pay_is_calculated_on_reporting_amounts(mixed):
    document = (
        "code: flat\nname: Flat\ncomponents:\n  - {code: c, name: {en: C, nl: C}, "
        "rule: flat, rate: 10%}\n"
    )
    on_plan(document, mixed.rik)
    run_month(NOV, by=None)
    line = PayoutLine.objects.get(person=mixed.rik)
    reporting = sum(o.reporting_amount for o in OrderLine.objects.filter(credits__person=mixed.rik))
    assert line.earnings == (reporting / 10).quantize(Decimal("0.01"))


def test_a_missing_rate_is_an_error_naming_the_currency_and_date(cast):
    line = sale(cast, cast.rik, "SO-CHF", dt.date(2026, 11, 4), "10.00")
    line.currency = "CHF"
    with pytest.raises(ValidationError, match="No exchange rate for CHF on or before 2026-11-04"):
        line.full_clean()


def test_an_import_in_a_currency_without_a_rate_changes_nothing(cast):
    cast.rik.external_id = "P-RIK"
    cast.rik.save()
    cast.accounts["rik"].external_id = "A-RIK"
    cast.accounts["rik"].save()
    cast.product.external_id = "PR-1"
    cast.product.save()
    before = OrderLine.objects.count()
    text = (
        "external_id;order_number;order_date;account;product;quantity;amount;currency;credited_to\n"
        "OL-S;SO-S;2026-11-12;A-RIK;PR-1;1;100,00;SEK;P-RIK\n"
    )
    with pytest.raises(ImportFileError, match="No exchange rate for SEK on or before 2026-11-12"):
        import_file(kind="orders", raw=text.encode(), filename="o.csv", by=None)
    assert OrderLine.objects.count() == before
    rates = "currency;date;rate\nSEK;2026-11-01;0,088\n"
    assert import_file(kind="exchange-rates", raw=rates.encode(), filename="r.csv", by=None)
    run = import_file(kind="orders", raw=text.encode(), filename="o.csv", by=None).run
    assert run.status == "committed", run.errors
    assert OrderLine.objects.get(order_number="SO-S").reporting_amount == Decimal("8.80")


def test_a_new_rate_converts_what_it_covers_and_refreshes_the_figures(mixed):
    rik = Person.objects.filter(pk=mixed.rik.pk)
    before = sel.kpi_values(rik, NOV, NOV_END)["revenue"]
    rates = "currency;date;rate\nUSD;2026-11-18;0,5\n"
    run = import_file(kind="exchange-rates", raw=rates.encode(), filename="r.csv", by=None).run
    assert run.status == "committed", run.errors
    assert OrderLine.objects.get(order_number="SO-U2").reporting_amount == Decimal("500.00")
    assert sel.kpi_values(rik, NOV, NOV_END)["revenue"] == pytest.approx(before - 300)


def test_pages_show_the_reporting_currencys_symbol(mixed, login, settings):
    """An installation set up in pounds shows pounds."""
    settings.KOERS_REPORTING_CURRENCY = "GBP"
    CurrencyBasis.objects.update(currency="GBP")
    cache.delete(BASIS_KEY)
    body = login(mixed.user("rik")).get(reverse("kpis")).content.decode()
    assert "£ " in body


def test_a_changed_reporting_currency_relabels_nothing_and_stops_pay_and_imports(
    mixed, login, settings
):
    """Setting pounds on euros showed every euro, approved pay included, as a pound."""
    settings.KOERS_REPORTING_CURRENCY = "GBP"
    body = login(mixed.user("rik")).get(reverse("kpis")).content.decode()
    assert "£ " not in body and "€ " in body
    with pytest.raises(
        ValidationError, match="is in EUR, but the reporting currency is set to GBP"
    ):
        run_month(NOV, by=None)
    rates = "currency;date;rate\nUSD;2026-11-18;0,5\n"
    with pytest.raises(ImportFileError, match="KOERS_REPORTING_CURRENCY back to EUR"):
        import_file(kind="exchange-rates", raw=rates.encode(), filename="r.csv", by=None)
