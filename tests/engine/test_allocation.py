"""Top-down proposals to the cent: each method by hand calculation, the seasonal spread,
the ramp-up of new hires, and that every level adds up exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from koers.engine import allocation
from koers.engine.allocation import (
    AllocationError,
    Child,
    allocate,
    month_factors,
    propose,
    seasonality,
    spread,
)
from koers.engine.split import split_by_weights


def test_share_of_last_year():
    # € 100,000.00 over 60% and 40% of last year
    children = [Child("a", history=600_00), Child("b", history=400_00)]
    assert allocate(100_000_00, children, "history") == {"a": 60_000_00, "b": 40_000_00}


def test_a_leftover_cent_goes_to_the_largest_share():
    # € 100.00 over three equal people: 33.33 each, the cent to the first among equals
    children = [Child(k, fte=Decimal(1)) for k in ("a", "b", "c")]
    assert allocate(100_00, children, "fte") == {"a": 33_34, "b": 33_33, "c": 33_33}
    # 1/3 and 2/3 of € 100.00: 33.33 and 66.66, the cent to the larger
    children = [Child("a", potential=1), Child("b", potential=2)]
    assert allocate(100_00, children, "potential") == {"a": 33_33, "b": 66_67}


def test_equal_per_fte():
    children = [Child("full", fte=Decimal(1)), Child("part", fte=Decimal("0.8"))]
    # 1 : 0.8 of € 90,000.00 → 50,000.00 and 40,000.00
    assert allocate(90_000_00, children, "fte") == {"full": 50_000_00, "part": 40_000_00}


def test_workload_weighted():
    children = [Child("a", workload=300), Child("b", workload=100)]
    assert allocate(1_000_00, children, "workload") == {"a": 750_00, "b": 250_00}


def test_by_hand_must_add_up():
    children = [Child("a", hand=700_00), Child("b", hand=300_00)]
    assert allocate(1_000_00, children, "hand") == {"a": 700_00, "b": 300_00}
    with pytest.raises(AllocationError, match="add 100"):
        allocate(1_000_00, [Child("a", hand=600_00), Child("b", hand=300_00)], "hand")
    with pytest.raises(AllocationError, match="No amount typed for: b"):
        allocate(1_000_00, [Child("a", hand=600_00), Child("b")], "hand")


def test_nothing_to_divide_by_says_so():
    with pytest.raises(AllocationError, match="history"):
        allocate(1_000_00, [Child("a"), Child("b")], "history")
    with pytest.raises(AllocationError, match="nobody"):
        allocate(1_000_00, [], "fte")


def test_a_new_hire_ramps_up():
    # starts in April (index 3): nothing before, 25/50/75% in April–June, full from July
    hire = Child("new", starts=3)
    assert month_factors(hire) == [0, 0, 0, 250, 500, 750] + [1000] * 6
    # their weight for the year: 7.5 full months of 12 against a full year's 12
    years = allocate(195_000_00, [Child("old"), hire], "fte")
    assert years == {"old": 120_000_00, "new": 75_000_00}
    months = propose(195_000_00, [Child("old"), hire], "fte", [1] * 12)
    assert months["old"] == [10_000_00] * 12
    assert months["new"] == [0, 0, 0, 2_500_00, 5_000_00, 7_500_00] + [10_000_00] * 6


def test_seasonality_follows_history():
    history = {0: 50, 11: 150}  # January 50, December 150, nothing else
    season = seasonality(history)
    assert spread(1_000_00, season) == [250_00] + [0] * 10 + [750_00]
    assert seasonality({}) == [1] * 12  # no history: equal months
    assert seasonality({5: -20}) == [1] * 12  # returns only: as none


@given(
    st.integers(-(10**12), 10**12),
    st.dictionaries(st.integers(0, 50), st.integers(0, 10**9), min_size=1, max_size=30),
)
def test_any_split_adds_up_and_is_fair(total, weights):
    parts = split_by_weights(total, weights)
    assert sum(parts.values()) == total
    whole = sum(weights.values()) or len(weights)
    for key, part in parts.items():
        weight = weights[key] if sum(weights.values()) else 1
        exact = total * weight / whole
        assert abs(part - exact) < len(weights) + 1  # truncation plus the leftover


@given(
    st.integers(0, 10**11),
    st.lists(
        st.tuples(st.integers(0, 10**8), st.sampled_from([None, 0, 3, 10, 11])),
        min_size=1,
        max_size=15,
    ),
    st.lists(st.integers(0, 10**6), min_size=12, max_size=12),
)
def test_every_proposal_adds_up_at_every_level(total, people, history):
    children = [Child(i, history=h, fte=Decimal(1), starts=s) for i, (h, s) in enumerate(people)]
    months = propose(total, children, "fte", seasonality(dict(enumerate(history))))
    assert sum(sum(m) for m in months.values()) == total
    years = allocate(total, children, "fte")
    assert {k: sum(m) for k, m in months.items()} == years


def test_a_new_hire_in_months_without_history_still_gets_their_year():
    # history only in January; she starts in December: her year lands in December
    months = propose(1_000_00, [Child("a"), Child("b", starts=11)], "fte", seasonality({0: 5}))
    assert sum(months["b"]) == allocate(1_000_00, [Child("a"), Child("b", starts=11)], "fte")["b"]
    assert months["b"][11] == sum(months["b"])


# -- a person's months over their accounts --------------------------------------------


def test_months_over_accounts_by_hand():
    # 100 + 101 + 102 cents over three equal accounts: each month adds up, each account's
    # year is the one split rule's share of 303 (101 each)
    table = allocation.divide_months([100, 101, 102], {"a": 1, "b": 1, "c": 1})
    assert [sum(col) for col in zip(*table.values(), strict=True)] == [100, 101, 102]
    assert {k: sum(v) for k, v in table.items()} == {"a": 101, "b": 101, "c": 101}


def test_months_over_accounts_keep_the_typed_years():
    # € 10,000 typed for one account and € 2,000.01 for another: the years stay exactly so
    months = [100_000] * 11 + [100_001]
    table = allocation.divide_months(months, {"x": 1_000_000, "y": 200_001})
    assert sum(table["x"]) == 1_000_000 and sum(table["y"]) == 200_001
    assert [a + b for a, b in zip(table["x"], table["y"], strict=True)] == months


def test_months_over_accounts_edges():
    assert allocation.divide_months([0] * 12, {"a": 5}) == {"a": [0] * 12}
    assert allocation.divide_months([7, 0], {"a": 0, "b": 0}) in (
        {"a": [4, 0], "b": [3, 0]},
        {"a": [3, 0], "b": [4, 0]},
    )
    with pytest.raises(allocation.AllocationError):
        allocation.divide_months([1], {})
    with pytest.raises(allocation.AllocationError):
        allocation.divide_months([-1], {"a": 1})


@given(
    months=st.lists(st.integers(0, 10**10), min_size=1, max_size=12),
    weights=st.lists(st.integers(0, 10**9), min_size=1, max_size=40),
)
@settings(max_examples=200, deadline=None)
def test_months_over_accounts_add_up_both_ways(months, weights):
    keyed = dict(enumerate(weights))
    table = allocation.divide_months(months, keyed)
    year = sum(months)
    rows = split_by_weights(year, keyed)
    assert {k: sum(v) for k, v in table.items()} == rows
    assert [sum(col) for col in zip(*table.values(), strict=True)] == months
    for k, parts in table.items():
        for month, part in zip(months, parts, strict=True):
            exact_floor = rows[k] * month // year if year else 0
            assert exact_floor <= part <= exact_floor + 1  # never further than rounding
