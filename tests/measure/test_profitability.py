"""Customer profitability: gross margin less the cost to serve, per class of the pyramid,
with the customers that cost more than they bring; rates typed in Dutch; each role its
own customers."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from koers.measure.services import kpi_facts_refresh
from koers.sales import models as sm
from tests.conftest import sale

URL = "/measure/customers/profitability/"


@pytest.fixture
def served(cast):
    """Ruud's customer: € 1,000 at € 800 cost in June, four visits, a return of € 100 at
    € 80 cost; Rosa's: € 5,000 at € 3,000 cost, one call."""
    ruud, rosa = cast.accounts["ruud"], cast.accounts["rosa"]
    sale(cast, cast.ruud, "SO-P1", dt.date(2026, 6, 3), "1000", cost="800")
    sale(cast, cast.ruud, "SO-P2", dt.date(2026, 7, 3), "-100", cost="-80")
    sale(cast, cast.rosa, "SO-P3", dt.date(2026, 6, 5), "5000", cost="3000")
    for day in (2, 9, 16, 23):
        sm.Activity.objects.create(
            kind="visit", date=dt.date(2026, 6, day), owner=cast.ruud, account=ruud
        )
    sm.Activity.objects.create(kind="call", date=dt.date(2026, 6, 4), owner=cast.rosa, account=rosa)
    kpi_facts_refresh(start=dt.date(2025, 11, 1), end=dt.date(2026, 11, 30))
    return cast


def test_the_customers_that_cost_more_than_they_bring(served, login):
    page = (
        login(served.user("mia"))
        .get(URL, {"visit": "100", "call": "15", "return_line": "25"}, HTTP_ACCEPT_LANGUAGE="nl")
        .content.decode()
    )
    losing = re.search(r'data-testid="losing">(.*?)</table>', page, re.S).group(1)
    # Ruud's Pompen: € 180 margin less 4 × € 100 and a return of € 25 = € -245
    assert "Pompen" in losing and "€ -245,00" in losing
    assert "Kleppen" not in losing  # € 2,000 less € 15
    assert "1 klant kost meer dan hij oplevert" in page or "1 customer" in page


def test_a_salesperson_sees_his_own_customers_only(served, login):
    page = login(served.user("rosa")).get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Pompen" not in page
    assert "Every customer brings more than it costs to serve." in page


def test_a_bad_rate_is_answered_and_the_defaults_are_used(served, login):
    page = login(served.user("dirk")).get(URL, {"visit": "-5"}).content.decode()
    assert 'class="error"' in page and "€ 150.00 a visit" in page


def test_a_discount_is_list_price_times_quantity_less_the_amount(served, login):
    from koers.measure.profitability import discounts_of

    accounts = sm.Account.objects.filter(pk=served.accounts["ruud"].pk)
    window = (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    before = discounts_of(accounts, *window).get(served.accounts["ruud"].pk, 0)
    served.product.list_price, served.product.currency = 100, "EUR"
    served.product.save()
    # 12 units listed at € 100 sold for € 1,000: € 200 of discount
    sale(served, served.ruud, "SO-D1", dt.date(2026, 8, 3), "1000", quantity="12", cost="600")
    # sold above the list price: no discount (and no negative one)
    sale(served, served.ruud, "SO-D2", dt.date(2026, 8, 4), "150", quantity="1", cost="60")
    after = discounts_of(accounts, *window)[served.accounts["ruud"].pk]
    assert after - before == 20_000
    # the page counts it in the cost to serve and adds it back to the margin at list price
    kpi_facts_refresh(start=dt.date(2026, 8, 1), end=dt.date(2026, 8, 31))
    page = login(served.user("dirk")).get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    discounts = re.findall(r'data-testid="discounts">€ ([\d,.]+)<', page)
    assert sum(float(d.replace(",", "")) for d in discounts) * 100 == pytest.approx(
        sum(discounts_of(sm.Account.objects.all(), *window).values())
    )
