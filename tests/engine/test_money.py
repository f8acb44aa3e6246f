from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from koers.engine.money import is_known_currency, quantize_money
from koers.engine.periods import add_months, fiscal_year_start, month_end


@pytest.mark.parametrize(
    "raw,rounded",
    [
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),
        ("2.675", "2.68"),
        ("1.004", "1.00"),
        ("-1.235", "-1.24"),
        ("10", "10.00"),
    ],
)
def test_money_rounds_half_away_from_zero_to_cents(raw, rounded):
    assert quantize_money(Decimal(raw)) == Decimal(rounded)


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        quantize_money(0.1)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False))
def test_rounding_moves_less_than_half_a_cent_and_is_symmetric(value):
    rounded = quantize_money(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert quantize_money(-value) == -rounded


def test_currencies():
    assert is_known_currency("EUR") and not is_known_currency("eur")
    assert not is_known_currency("XYZ")


def test_periods():
    assert add_months(dt.date(2026, 11, 23), 2) == dt.date(2027, 1, 1)
    assert add_months(dt.date(2026, 1, 31), -1) == dt.date(2025, 12, 1)
    assert fiscal_year_start(dt.date(2026, 3, 5), 4) == dt.date(2025, 4, 1)
    assert fiscal_year_start(dt.date(2026, 4, 1), 4) == dt.date(2026, 4, 1)
    assert month_end(dt.date(2028, 2, 10)) == dt.date(2028, 2, 29)


@given(
    st.lists(
        st.decimals(min_value=-(10**9), max_value=10**9, places=5, allow_nan=False),
        min_size=1,
        max_size=50,
    )
)
def test_column_rounding_agrees_with_quantize_money(values):
    import polars as pl

    from koers.engine.money import cents_from_decimal_text, cents_to_text

    text = [format(v, "f") for v in values]
    frame = pl.DataFrame({"t": text}).select(
        cents_to_text(cents_from_decimal_text(pl.col("t"))).alias("m")
    )
    assert [Decimal(m) for m in frame["m"]] == [quantize_money(v) for v in values]
