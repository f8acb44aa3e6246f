from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from koers.engine.drivers import Drivers, decompose


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
