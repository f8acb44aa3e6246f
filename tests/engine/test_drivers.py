from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from koers.engine.drivers import Drivers, decompose, price_mix


def test_decomposition_by_hand():
    # before: 20 decided, 5 won (25%), € 10,000 each = € 50,000
    # after:  24 decided, 8 won (33.3%), € 9,000 each = € 72,000
    parts = decompose(Drivers(20, 5, 5_000_000), Drivers(24, 8, 7_200_000))
    assert parts.before_cents == pytest.approx(5_000_000)
    assert parts.volume_cents == pytest.approx(4 * 0.25 * 1_000_000)  # +€ 10,000
    assert parts.conversion_cents == pytest.approx(24 * (8 / 24 - 0.25) * 1_000_000)  # +€ 20,000
    assert parts.deal_size_cents == pytest.approx(8 * -100_000)  # -€ 8,000
    assert parts.after_cents == pytest.approx(7_200_000)


def test_an_empty_period_is_all_volume():
    parts = decompose(Drivers(10, 2, 400_000), Drivers(0, 0, 0))
    assert parts.volume_cents == pytest.approx(-400_000) and parts.after_cents == 0


@given(
    st.integers(0, 200),
    st.integers(0, 200),
    st.integers(0, 10**9),
    st.integers(0, 200),
    st.integers(0, 200),
    st.integers(0, 10**9),
)
def test_the_effects_add_up_to_the_change(d1, w1, v1, d2, w2, v2):
    before = Drivers(max(d1, w1), w1, v1 if w1 else 0)
    after = Drivers(max(d2, w2), w2, v2 if w2 else 0)
    parts = decompose(before, after)
    total = parts.before_cents + parts.volume_cents + parts.conversion_cents + parts.deal_size_cents
    assert total == pytest.approx(parts.after_cents, rel=1e-9, abs=1e-3)


def test_leads_split_the_volume_effect_in_two():
    # before: 40 leads, 20 decided (50%), 5 won of € 10,000; after: 60 leads, 24 decided (40%)
    parts = decompose(Drivers(20, 5, 5_000_000, 40), Drivers(24, 8, 7_200_000, 60))
    per_lead = 0.5 * 0.25 * 1_000_000  # € 1,250 of won value per lead before
    assert parts.leads_cents == pytest.approx(20 * per_lead)  # +€ 25,000
    assert parts.lead_conversion_cents == pytest.approx(60 * (0.4 - 0.5) * 0.25 * 1_000_000)
    assert parts.leads_cents + parts.lead_conversion_cents == pytest.approx(parts.volume_cents)


def test_without_leads_there_is_no_lead_split():
    parts = decompose(Drivers(20, 5, 5_000_000, 0), Drivers(24, 8, 7_200_000, 60))
    assert parts.leads_cents is None and parts.lead_conversion_cents is None


def test_price_mix_by_hand():
    # before: A 10 × € 100, B 10 × € 50 = € 1,500 (20 units, € 75 average)
    # after:  A 15 × € 110, B 5 × € 50 = € 1,900 (20 units)
    before = {"A": (100_000, 10), "B": (50_000, 10)}
    after = {"A": (165_000, 15), "B": (25_000, 5)}
    parts = price_mix(before, after)
    assert parts.volume_cents == pytest.approx(0)  # as many units
    assert parts.mix_cents == pytest.approx(15 * 10_000 + 5 * 5_000 - 150_000)  # +€ 250
    assert parts.price_cents == pytest.approx(15 * 1_000)  # A € 10 dearer on 15 units
    assert parts.before_cents + parts.volume_cents + parts.mix_cents + parts.price_cents == (
        pytest.approx(parts.after_cents)
    )


def test_a_new_product_group_shows_as_mix_not_price():
    parts = price_mix({"A": (100_000, 10)}, {"A": (100_000, 10), "B": (40_000, 2)})
    assert parts.price_cents == pytest.approx(0)
    assert parts.volume_cents == pytest.approx(2 * 10_000)
    assert parts.mix_cents == pytest.approx(2 * 20_000 - 2 * 10_000)


def test_price_mix_without_units_is_all_volume():
    parts = price_mix({}, {"A": (10_000, 1)})
    assert (parts.volume_cents, parts.mix_cents, parts.price_cents) == (10_000, 0, 0)


groups = st.dictionaries(
    st.sampled_from("ABCDE"), st.tuples(st.integers(-(10**6), 10**9), st.integers(-5, 10**4))
)


@given(groups, groups)
def test_price_mix_effects_add_up_to_the_change(before, after):
    parts = price_mix(before, after)
    total = parts.before_cents + parts.volume_cents + parts.mix_cents + parts.price_cents
    assert total == pytest.approx(parts.after_cents, rel=1e-9, abs=1e-2)
