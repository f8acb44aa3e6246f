"""The sales economics page: break-even by the unit and in revenue, price against volume and
the affordable discount, typed in Dutch or started from a product or a team's own
figures; only those who lead or run the business see it, and pay only the pay roles."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from koers.measure.models import OperatingCost
from koers.measure.services import kpi_facts_refresh
from koers.sales import models as sm
from tests.conftest import sale

URL = "/measure/economics/"


def _text(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(p|td)>', page, re.S)
    assert found, testid
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_break_even_typed_in_dutch(cast, login):
    client = login(cast.user("dirk"))
    page = client.get(
        URL,
        {"u-fixed": "10.000", "u-price": "50", "u-cost": "30", "u-expected": "800"},
        HTTP_ACCEPT_LANGUAGE="nl",
    ).content.decode()
    verdict = _text(page, "unit-verdict")
    assert "500" in verdict and "€ 25.000,00" in verdict
    assert _text(page, "unit-safety") == "37,5%"
    assert _text(page, "unit-profit") == "€ 6.000,00"
    assert 'data-figure="' in page and "breakeven" in page


def test_no_contribution_is_said_plainly(cast, login):
    page = (
        login(cast.user("dirk"))
        .get(URL, {"u-fixed": "10000", "u-price": "25", "u-cost": "30"}, HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    verdict = _text(page, "unit-verdict")
    assert "loses € 5.00" in verdict and "No volume breaks even" in verdict
    assert "break-even-chart" in page  # the lines that never cross show why


def test_price_change_and_affordable_discount(cast, login):
    page = (
        login(cast.user("mia"))
        .get(
            URL,
            {
                "p-price": "50",
                "p-cost": "30",
                "p-units": "800",
                "p-change": "-10",
                "p-extra": "20",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
        .content.decode()
    )
    assert "1,067 units" in _text(page, "price-verdict")
    assert "6.67%" in _text(page, "discount-verdict")
    table = re.search(r'data-testid="discount-table">(.*?)</table>', page, re.S).group(1)
    assert "33.3%" in table and "100.0%" in table  # 10% and 20% off at a 40% margin


def test_a_product_starts_from_its_price_and_cost_of_the_last_twelve_months(cast, login):
    product = sm.Product.objects.create(
        external_id="P-ECO",
        name="Pomp Eco",
        group=cast.product.group,
        list_price=Decimal("60"),
        standard_cost=Decimal("35"),
        currency="EUR",
    )
    day = dt.date(2026, 6, 10)
    sale(cast, cast.ruud, "SO-E1", day, "200", product=product, quantity="4", cost="120")
    sale(cast, cast.rosa, "SO-E2", day, "330", product=product, quantity="6", cost="180")
    # this month is not a whole month yet: not counted
    sale(cast, cast.rosa, "SO-E3", dt.date(2026, 11, 2), "999", product=product, quantity="1")
    page = (
        login(cast.user("dirk"))
        .get(URL, {"u-product": product.pk, "u-fixed": "530"}, HTTP_ACCEPT_LANGUAGE="nl")
        .content.decode()
    )
    # € 530 over 10 units = € 53,00 a unit; € 300 / 10 = € 30,00: € 23,00 a unit
    assert 'value="53,00"' in page and 'value="30,00"' in page and 'value="10"' in page
    assert "24" in _text(page, "unit-verdict")  # 530 / 23 = 23.04: 24 units
    # a figure typed in wins over the product's
    typed = (
        login(cast.user("dirk"))
        .get(URL, {"u-product": product.pk, "u-fixed": "530", "u-price": "83"})
        .content.decode()
    )
    assert 'value="83"' in typed
    assert "at 10 units" in _text(typed, "unit-verdict")  # 530 / (83 - 30)


def test_a_team_starts_from_its_operating_costs_margin_and_revenue(cast, login):
    noord = cast.ruud.unit
    for month in range(1, 11):
        OperatingCost.objects.update_or_create(
            unit=noord, month=dt.date(2026, month, 1), defaults={"amount": Decimal("100")}
        )
    sale(cast, cast.ruud, "SO-T1", dt.date(2026, 6, 3), "4000", cost="3000")
    kpi_facts_refresh(start=dt.date(2025, 11, 1), end=dt.date(2026, 11, 30))
    page = (
        login(cast.user("mia"))
        .get(URL, {"r-basis": noord.pk}, HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert 'value="1000.00"' in page  # ten months of € 100 (November is not whole yet)
    # Ruud's € 4,000 at € 3,000 cost in June: 25% gross margin
    assert 'value="25.00"' in page and 'value="4000.00"' in page
    assert "Break-even at" in _text(page, "revenue-verdict")


def test_who_may_use_it_and_who_sees_the_pay_behind_a_new_salesperson(cast, login):
    assert login(cast.user("ruud")).get(URL).status_code == 403
    manager = login(cast.user("mia")).get(URL).content.decode()
    assert 'value="new"' not in manager  # the average salary is pay
    director = login(cast.user("dirk")).get(URL, {"r-basis": "new"}).content.decode()
    assert 'value="new"' in director
    # a manager asking for it by hand gets the typed-in calculator, not the pay
    asked = login(cast.user("mia")).get(URL, {"r-basis": "new"})
    assert asked.status_code == 200 and "revenue-verdict" not in asked.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"u-fixed": "tien", "u-price": "50", "u-cost": "30"},
        {"u-fixed": "-5", "u-price": "50", "u-cost": "30"},
        {"p-price": "50", "p-cost": "30", "p-units": "10", "p-change": "-100"},
        {"r-fixed": "1000", "r-margin": "250"},
        {"u-product": "999999"},
        {"r-basis": "999999"},
    ],
)
def test_bad_input_is_answered_with_the_reason(cast, login, query):
    answer = login(cast.user("dirk")).get(URL, query)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'class="error"' in page
    assert "unit-verdict" not in page or query.get("u-fixed") is None
