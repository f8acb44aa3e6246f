"""Attribution by hand on a lead touched by three campaigns, and never more than the leads
bring over all campaigns (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from koers.engine.attribution import MODELS, Touch, attribute, split_cents, weights

D1, D2, D3 = dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)
FAIR, WEBINAR, MAILING = 1, 2, 3
# one lead: first met at the fair, then a webinar, then a mailing; € 1,000.00 revenue
TOUCHES = [Touch(7, MAILING, D3), Touch(7, FAIR, D1), Touch(7, WEBINAR, D2)]
AMOUNTS = {7: {"revenue": 100_000, "margin": 30_001}}


@pytest.mark.parametrize(
    ("model", "revenue", "margin"),
    [
        ("first", {FAIR: 100_000}, {FAIR: 30_001}),
        ("last", {MAILING: 100_000}, {MAILING: 30_001}),
        # thirds: 33,333.33 each; the cent left goes to the first touch
        ("even",
         {FAIR: 33_334, WEBINAR: 33_333, MAILING: 33_333},
         {FAIR: 10_001, WEBINAR: 10_000, MAILING: 10_000}),
        # 40 / 20 / 40: 30,001 × 0.4 = 12,000.4 each end, 6,000.2 in the middle
        ("position",
         {FAIR: 40_000, WEBINAR: 20_000, MAILING: 40_000},
         {FAIR: 12_001, WEBINAR: 6_000, MAILING: 12_000}),
    ],
)  # fmt: skip
def test_a_lead_touched_by_three_campaigns(model, revenue, margin):
    result = attribute(TOUCHES, AMOUNTS, model)
    assert {c: f["revenue"] for c, f in result.items() if "revenue" in f} == revenue
    assert {c: f["margin"] for c, f in result.items() if "margin" in f} == margin


def test_position_based_with_one_two_and_five_touches():
    assert weights([5], "position") == [(5, Fraction(1))]
    assert weights([5, 6], "position") == [(5, Fraction(1, 2)), (6, Fraction(1, 2))]
    five = [s for _c, s in weights([1, 2, 3, 4, 5], "position")]
    assert five == [Fraction(2, 5)] + [Fraction(1, 15)] * 3 + [Fraction(2, 5)]


def test_touches_after_the_lead_became_an_opportunity_do_not_count():
    result = attribute(TOUCHES, AMOUNTS, "last", until={7: D2})
    assert result == {WEBINAR: {"revenue": 100_000, "margin": 30_001}}


def test_a_lead_without_touches_is_not_attributed_and_a_campaign_twice_gets_both_shares():
    assert attribute([], AMOUNTS, "even") == {}
    twice = [Touch(7, FAIR, D1), Touch(7, FAIR, D2), Touch(7, WEBINAR, D3)]
    assert attribute(twice, {7: {"revenue": 90}}, "even") == {
        FAIR: {"revenue": 60},
        WEBINAR: {"revenue": 30},
    }


def test_an_unknown_model_is_refused():
    with pytest.raises(ValueError):
        attribute(TOUCHES, AMOUNTS, "linear")


def test_a_negative_amount_splits_symmetrically():
    assert split_cents(-100, [Fraction(1, 3)] * 3) == [-34, -33, -33]


touch = st.builds(
    Touch,
    lead=st.integers(1, 30),
    campaign=st.integers(1, 8),
    date=st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
)


@given(
    touches=st.lists(touch, max_size=60),
    amounts=st.dictionaries(st.integers(1, 30), st.integers(-(10**14), 10**14), max_size=30),
    model=st.sampled_from(MODELS),
)
def test_attributed_revenue_never_exceeds_the_revenue_of_the_attributed_deals(
    touches, amounts, model
):
    result = attribute(touches, {k: {"revenue": v} for k, v in amounts.items()}, model)
    touched = {t.lead for t in touches}
    attributed = sum(f.get("revenue", 0) for f in result.values())
    assert attributed == sum(v for k, v in amounts.items() if k in touched)
    # and no campaign gets more than the leads it touched
    for campaign, figures in result.items():
        its = {t.lead for t in touches if t.campaign == campaign}
        assert abs(figures["revenue"]) <= sum(abs(amounts.get(k, 0)) for k in its)
