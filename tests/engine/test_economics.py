"""Break-even, price against volume and the affordable discount, by hand and at the edges."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from koers.engine.economics import (
    affordable_discount,
    break_even,
    break_even_revenue,
    price_change,
    volume_for_discounts,
)


def test_break_even_of_a_product_by_hand():
    # € 10,000 fixed, sold at € 50 that cost € 30: € 20 a unit, 40% of the price
    result = break_even(D("10000"), D("50"), D("30"), expected_units=D("800"))
    assert result.breaks_even
    assert (result.contribution, result.ratio) == (D("20"), D("0.4"))
    assert result.units == 500 and result.revenue == D("25000.00")
    # 800 expected: 300 above break-even, 37.5% of the expected volume; € 6,000 profit
    assert result.safety == D("0.375") and result.profit == D("6000.00")
    assert result.expected_revenue == D("40000.00")


def test_break_even_rounds_the_volume_up_to_whole_units():
    # € 1,000 / € 3 = 333.33…: 333 units leave € 1 uncovered
    result = break_even(D("1000"), D("10"), D("7"))
    assert result.units == 334 and result.revenue == D("3333.33")
    assert result.safety is None and result.profit is None


@pytest.mark.parametrize(
    ("price", "cost", "reason"), [("30", "30", "zero"), ("25", "30", "negative")]
)
def test_no_contribution_means_no_break_even(price, cost, reason):
    result = break_even(D("10000"), D(price), D(cost), expected_units=D("100"))
    assert not result.breaks_even and result.reason == reason
    assert result.units is None and result.revenue is None
    # the loss at the expected volume is still told
    assert result.profit == D("-10000") + 100 * (D(price) - D(cost))


def test_nothing_fixed_breaks_even_at_nothing():
    result = break_even(D("0"), D("50"), D("30"), expected_units=D("10"))
    assert result.units == 0 and result.revenue == D("0.00") and result.safety == 1


def test_break_even_in_revenue_for_a_campaign_or_a_new_salesperson():
    # a salesperson costing € 90,000 a year at a 30% gross margin needs € 300,000
    result = break_even_revenue(D("90000"), D("0.30"), expected_revenue=D("400000"))
    assert result.revenue == D("300000.00") and result.safety == D("0.25")
    assert result.profit == D("30000.00")
    assert not break_even_revenue(D("90000"), D("0")).breaks_even
    assert break_even_revenue(D("90000"), D("-0.1")).reason == "negative"


def test_the_textbook_price_cut_asks_a_third_more_volume():
    # 10% off a price with a 40% contribution margin: € 20 → € 15 a unit, 33⅓% more units
    result = price_change(D("50"), D("30"), D("800"), D("-0.10"))
    assert result.new_price == D("45.00") and result.new_contribution == D("15")
    assert result.units_needed == 1067  # 1066.67 rounded up
    assert round(result.volume_change, 4) == D("0.3333")
    assert result.profit_before == D("16000.00") and result.profit_at_same_volume == D("12000.00")
    # 10% more: a fifth fewer units keep the same profit
    up = price_change(D("50"), D("30"), D("800"), D("0.10"))
    assert up.units_needed == 640 and up.volume_change == D("-0.2")


def test_a_price_cut_that_takes_the_whole_contribution_cannot_be_made_up():
    result = price_change(D("50"), D("30"), D("800"), D("-0.40"))
    assert result.new_contribution == 0 and result.units_needed is None
    assert result.volume_change is None


def test_the_discount_a_salesperson_can_afford():
    # 20% more units from the discount: at most 6⅔% off keeps the € 16,000
    assert round(affordable_discount(D("50"), D("30"), D("800"), D("0.20")), 6) == D("0.066667")
    assert affordable_discount(D("50"), D("30"), D("800"), D("0")) == 0
    assert affordable_discount(D("30"), D("30"), D("800"), D("0.5")) is None


def test_the_volume_each_discount_needs():
    table = dict(volume_for_discounts(D("50"), D("30"), (D("0.05"), D("0.10"), D("0.40"))))
    assert round(table[D("0.05")], 4) == D("0.1429")  # 20 / 17.5 - 1
    assert round(table[D("0.10")], 4) == D("0.3333")
    assert table[D("0.40")] is None


def test_impossible_inputs_are_refused():
    with pytest.raises(ValueError):
        break_even(D("-1"), D("50"), D("30"))
    with pytest.raises(ValueError):
        price_change(D("0"), D("30"), D("1"), D("0.1"))
    with pytest.raises(ValueError):
        break_even_revenue(D("1"), D("1.5"))


money = st.decimals(min_value=D("0.01"), max_value=D("10") ** 12, places=2)
volume = st.integers(min_value=1, max_value=10**9).map(D)


@given(fixed=money, price=money, cost=money)
def test_break_even_covers_the_fixed_costs_and_one_unit_less_does_not(fixed, price, cost):
    result = break_even(fixed, price, cost)
    if price <= cost:
        assert not result.breaks_even
        return
    contribution = price - cost
    assert result.units * contribution >= fixed
    assert (result.units - 1) * contribution < fixed


@given(price=money, cost=money, units=volume, change=st.decimals(D("-0.99"), D("10"), places=4))
def test_the_volume_needed_keeps_the_gross_profit(price, cost, units, change):
    result = price_change(price, cost, units, change)
    if result.units_needed is None:
        assert result.new_contribution <= 0 or price <= cost
        return
    kept = result.units_needed * result.new_contribution
    assert kept >= units * (price - cost)
    assert (result.units_needed - 1) * result.new_contribution < units * (price - cost)


@given(price=money, cost=money, units=volume, extra=st.decimals(D("0"), D("10"), places=4))
def test_the_affordable_discount_keeps_the_gross_profit(price, cost, units, extra):
    discount = affordable_discount(price, cost, units, extra)
    if discount is None:
        assert price <= cost
        return
    assert 0 <= discount < 1
    new_units = units * (1 + extra)
    kept = new_units * (price * (1 - discount) - cost)
    assert abs(kept - units * (price - cost)) <= D("1e-6") * max(1, units * price)
