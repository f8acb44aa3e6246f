"""A payout line's chain: the steps add up to what the engine paid, by hand and on random
plans (the oracle tests' plans and histories)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from koers.engine import comp, explain
from koers.engine.comp import Component, Tier
from tests.conftest import examples
from tests.engine.test_comp_oracle import END, START, _component, _frames, hierarchies, lines, plans
from tests.engine.test_comp_oracle import payees as payee_lists


def test_marginal_bands_by_hand():
    c = Component("c", "marginal", tiers=(Tier(0, 50_000), Tier(1_000_000, 100_000)))
    steps = explain.chain(
        c,
        measure=100_000,
        quota=80_000,
        attainment_ppm=1_250_000,
        target_incentive_cents=0,
        modifier_ppm=None,
        factor_ppm=None,
        earnings_cents=6_000,
    )
    assert [s.kind for s in steps] == ["measure", "attainment", "band", "band", "rounded", "amount"]
    # 5% of € 800 = € 40, 10% of € 200 = € 20: € 60
    assert [(s.base, s.rate, s.scaled) for s in steps if s.kind == "band"] == [
        (80_000, 50_000, 4_000_000_000),
        (20_000, 100_000, 2_000_000_000),
    ]


def test_what_the_rule_does_not_pay_is_named_and_the_steps_still_add_up():
    c = Component("c", "flat", tiers=(Tier(0, 100_000),), cap_cents=500)
    steps = explain.chain(
        c,
        measure=10_000,
        quota=None,
        attainment_ppm=None,
        target_incentive_cents=0,
        modifier_ppm=None,
        factor_ppm=None,
        earnings_cents=-300,  # a return reversed at its sale's rate
    )
    assert [s.kind for s in steps] == ["measure", "reached", "rounded", "cap", "other", "amount"]
    # 10% of € 100 capped at € 5; the line paid −€ 3: −€ 8 came from elsewhere
    assert steps[-2].base == -300 - 500 and steps[-1].base == -300


@settings(max_examples=examples(100, 5_000))
@given(data=st.data(), managers=hierarchies(), history=lines(), plan=plans())
def test_the_chain_of_every_line_ends_at_what_the_engine_paid(data, managers, history, plan):
    people = data.draw(payee_lists(managers))
    component = _component(plan)
    credits, frame, chain = _frames(history, people, managers)
    try:
        results, _trace = comp.calculate(credits, frame, component, START, END, chain)
    except comp.AmountTooLarge:
        return
    for row in results.to_dicts():
        steps = explain.chain(
            component,
            measure=row["measure"],
            quota=row["quota"],
            attainment_ppm=row["attainment_ppm"],
            target_incentive_cents=row["target_incentive_cents"],
            modifier_ppm=row["modifier_ppm"],
            factor_ppm=row["factor_ppm"],
            earnings_cents=row["earnings_cents"],
        )
        assert "other" not in [s.kind for s in steps]
        assert steps[-1].base == row["earnings_cents"]
