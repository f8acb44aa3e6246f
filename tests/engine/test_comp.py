"""The compensation engine, each rule against figures computed by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from koers.engine import comp
from koers.engine.comp import Component, Tier

D = dt.date
JAN, JAN_END = D(2026, 1, 1), D(2026, 1, 31)


def credits(rows: list[dict]) -> pl.DataFrame:
    base = {
        "line_id": 1,
        "person_id": 1,
        "share_bp": 10_000,
        "order_date": D(2026, 1, 10),
        "invoice_date": None,
        "paid_date": None,
        "amount_cents": 0,
        "cost_cents": None,
        "quantity": 1,
        "product_group_id": 1,
        "new_business": False,
        "original_date": None,
        "segment": "",
        "original_id": None,
    }
    return pl.DataFrame([{**base, **r} for r in rows], schema=comp.CREDIT_SCHEMA)


def payees(*people: tuple[int, int | None, int]) -> pl.DataFrame:
    """(person_id, quota cents, target incentive cents) on the plan all of January."""
    return pl.DataFrame(
        {
            "person_id": [p for p, _q, _t in people],
            "quota": [q for _p, q, _t in people],
            "target_incentive_cents": [t for _p, _q, t in people],
            "valid_from": [JAN] * len(people),
            "valid_to": [JAN_END] * len(people),
        },
        schema={
            "person_id": pl.Int64,
            "quota": pl.Int64,
            "target_incentive_cents": pl.Int64,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
        },
    )


def run(component, lines, people, managers=None):
    results, trace = comp.calculate(credits(lines), people, component, JAN, JAN_END, managers)
    return {r["person_id"]: r for r in results.to_dicts()}, trace


TIERS = (Tier(0, 50_000), Tier(1_000_000, 80_000), Tier(1_500_000, 100_000))  # 5% / 8% / 10%


def test_marginal_tiers_pay_each_band_its_own_rate():
    # quota € 10,000; sold € 16,000: 5% of 10,000 + 8% of 5,000 + 10% of 1,000 = € 1,000
    results, _ = run(
        Component("c", "marginal", tiers=TIERS),
        [{"amount_cents": 1_600_000}],
        payees((1, 1_000_000, 0)),
    )
    assert results[1]["earnings_cents"] == 50_000 + 40_000 + 10_000
    assert results[1]["attainment_ppm"] == 1_600_000


def test_retroactive_tiers_pay_the_reached_rate_on_everything():
    results, _ = run(
        Component("c", "retroactive", tiers=TIERS),
        [{"amount_cents": 1_600_000}],
        payees((1, 1_000_000, 0)),
    )
    assert results[1]["earnings_cents"] == 160_000  # 10% of € 16,000
    below, _ = run(
        Component("c", "retroactive", tiers=TIERS),
        [{"amount_cents": 999_999}],
        payees((1, 1_000_000, 0)),
    )
    assert below[1]["earnings_cents"] == 50_000  # 5% of € 9,999.99 = 499.99995 → 500.00


def test_tiers_work_on_the_period_total_not_per_line():
    lines = [{"line_id": i, "amount_cents": 400_000} for i in range(1, 5)]  # 4 × € 4,000
    results, trace = run(Component("c", "marginal", tiers=TIERS), lines, payees((1, 1_000_000, 0)))
    assert results[1]["earnings_cents"] == 100_000 and trace.height == 4


def test_a_cap_limits_the_payout_line():
    capped = Component("c", "retroactive", tiers=TIERS, cap_cents=120_000)
    results, _ = run(capped, [{"amount_cents": 1_600_000}], payees((1, 1_000_000, 0)))
    assert results[1]["earnings_cents"] == 120_000


CURVE = (
    (500_000, 0),
    (1_000_000, 1_000_000),
    (1_500_000, 2_000_000),
)  # 50%→0, 100%→100%, 150%→200%


@pytest.mark.parametrize(
    ("sold", "payout"),
    [
        (400_000, 0),  # below the threshold
        (750_000, 150_000),  # halfway up the decelerator: 50% of € 3,000
        (1_000_000, 300_000),  # target: 100%
        (1_200_000, 420_000),  # accelerator: 140% of € 3,000
        (2_000_000, 600_000),  # beyond the last point: flat at 200%
    ],
)
def test_quota_bonus_on_a_payout_curve(sold, payout):
    bonus = Component("b", "bonus", curve=CURVE)
    results, _ = run(bonus, [{"amount_cents": sold}], payees((1, 1_000_000, 300_000)))
    assert results[1]["earnings_cents"] == payout


def test_flat_rates_per_product_group():
    flat = Component("f", "flat", tiers=(Tier(0, 30_000),), group_rates=((2, 100_000),))
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "product_group_id": 1},  # 3%
        {"line_id": 2, "amount_cents": 50_000, "product_group_id": 2},  # 10%
    ]
    results, _ = run(flat, lines, payees((1, None, 0)))
    assert results[1]["earnings_cents"] == 3_000 + 5_000


def test_splits_divide_the_credit_and_conserve_it():
    lines = [
        {"line_id": 1, "person_id": 1, "share_bp": 6_000, "amount_cents": 100_001},
        {"line_id": 1, "person_id": 2, "share_bp": 4_000, "amount_cents": 100_001},
    ]
    results, _ = run(
        Component("c", "flat", tiers=(Tier(0, 100_000),)), lines, payees((1, None, 0), (2, None, 0))
    )
    # 60% of € 1,000.01 is 600.006: truncated, and the cent left over goes to the larger share
    assert results[1]["measure"] == 60_001 and results[2]["measure"] == 40_000


def test_managers_get_the_credit_of_their_people_through_the_hierarchy():
    managers = pl.DataFrame({"person_id": [1, 2, 3], "manager_id": [2, 3, None]})
    lines = [{"amount_cents": 100_000}]
    rollup = Component("r", "flat", tiers=(Tier(0, 10_000),), rollup=True)
    people = payees((1, None, 0), (2, None, 0), (3, None, 0))
    results, trace = run(rollup, lines, people, managers)
    assert [results[p]["measure"] for p in (1, 2, 3)] == [100_000] * 3
    # the trace names the holder once; per payee it is every row of their subtree
    assert trace["person_id"].to_list() == [1]
    assert sorted(comp.payee_trace(trace, people, managers)["person_id"]) == [1, 2, 3]


def test_a_manager_who_joins_mid_month_gets_only_the_credit_of_their_days():
    managers = pl.DataFrame({"person_id": [1, 2], "manager_id": [2, None]})
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "order_date": D(2026, 1, 5)},
        {"line_id": 2, "amount_cents": 50_000, "order_date": D(2026, 1, 25)},
    ]
    rollup = Component("r", "flat", tiers=(Tier(0, 10_000),), rollup=True)
    people = payees((2, None, 0)).with_columns(pl.lit(D(2026, 1, 20)).alias("valid_from"))
    results, _ = run(rollup, lines, people, managers)
    assert results[2]["measure"] == 50_000


def test_a_return_within_the_window_claws_back_even_after_payment():
    # the sale was paid in December; the return in January reduces January
    lines = [
        {"line_id": 2, "amount_cents": -200_000, "original_date": D(2025, 12, 5)},
        {"line_id": 3, "amount_cents": 500_000},
    ]
    results, _ = run(Component("c", "flat", tiers=(Tier(0, 100_000),)), lines, payees((1, None, 0)))
    assert results[1]["earnings_cents"] == 30_000  # 10% of (5,000 - 2,000)
    late = Component("c", "flat", tiers=(Tier(0, 100_000),), clawback_days=30)
    results, _ = run(late, lines, payees((1, None, 0)))
    assert results[1]["earnings_cents"] == 50_000  # the window closed: no clawback


def test_paying_on_payment_counts_the_paid_date():
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "paid_date": D(2026, 1, 20)},
        {"line_id": 2, "amount_cents": 100_000, "paid_date": D(2026, 2, 3)},
    ]
    on_payment = Component("c", "flat", tiers=(Tier(0, 100_000),), basis="payment")
    results, _ = run(on_payment, lines, payees((1, None, 0)))
    assert results[1]["measure"] == 100_000


def test_only_the_days_on_the_plan_count():
    people = payees((1, None, 0)).with_columns(pl.lit(D(2026, 1, 15)).alias("valid_from"))
    lines = [{"line_id": 1, "amount_cents": 100_000, "order_date": D(2026, 1, 10)}]
    results, _ = run(Component("c", "flat", tiers=(Tier(0, 100_000),)), lines, people)
    assert results[1]["measure"] == 0


def test_an_impossible_component_is_refused():
    with pytest.raises(ValueError, match="tiers must start at 0%"):
        run(Component("c", "marginal", tiers=(Tier(10, 500),)), [{}], payees((1, 1, 0)))


@given(st.integers(0, 3_000_000), st.integers(0, 3_000_000))
def test_on_a_rising_curve_more_attainment_never_pays_less(a, b):
    low, high = sorted((a, b))
    bonus = Component("b", "bonus", curve=CURVE)
    paid = [
        run(bonus, [{"amount_cents": s}], payees((1, 1_000_000, 300_000)))[0][1]["earnings_cents"]
        for s in (low, high)
    ]
    assert paid[0] <= paid[1]


@given(
    st.lists(
        st.tuples(
            st.integers(-(10**7), 10**8), st.lists(st.integers(1, 100), min_size=1, max_size=4)
        ),
        min_size=1,
        max_size=8,
    )
)
def test_credit_conserves_the_deal_amount(deals):
    rows = []
    for line_id, (amount, weights) in enumerate(deals, start=1):
        total = sum(weights)
        shares = [w * 10_000 // total for w in weights]
        shares[0] += 10_000 - sum(shares)
        rows += [
            {"line_id": line_id, "person_id": p + 1, "share_bp": s, "amount_cents": amount}
            for p, s in enumerate(shares)
        ]
    trace = comp.credited(
        credits(rows), Component("c", "flat", tiers=(Tier(0, 100),)), JAN, JAN_END
    )
    per_line = trace.group_by("line_id").agg(pl.col("value").sum())
    for line_id, value in per_line.iter_rows():
        amount = deals[line_id - 1][0]
        assert value == amount  # the holders together get exactly the line


@given(st.integers(0, 5_000_000), st.integers(1, 3_000_000))
def test_running_twice_gives_the_same_result(sold, quota):
    component = Component("c", "marginal", tiers=TIERS)
    first = run(component, [{"amount_cents": sold}], payees((1, quota, 0)))[0]
    assert run(component, [{"amount_cents": sold}], payees((1, quota, 0)))[0] == first


def test_a_roll_up_follows_the_hierarchy_valid_on_the_day_of_the_credit():
    # person 1 reports to manager 2 until the 15th, then to manager 3
    managers = pl.DataFrame(
        {
            "person_id": [1, 1, 2, 3],
            "manager_id": [2, 3, None, None],
            "valid_from": [D(2025, 1, 1), D(2026, 1, 16), None, None],
            "valid_to": [D(2026, 1, 15), None, None, None],
        }
    )
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "order_date": D(2026, 1, 10)},
        {"line_id": 2, "amount_cents": 30_000, "order_date": D(2026, 1, 20)},
    ]
    rollup = Component("r", "flat", tiers=(Tier(0, 10_000),), rollup=True)
    people = payees((2, None, 0), (3, None, 0))
    results, trace = run(rollup, lines, people, managers)
    assert (results[2]["measure"], results[3]["measure"]) == (100_000, 30_000)
    per_payee = comp.payee_trace(trace, people, managers, JAN, JAN_END)
    assert sorted(per_payee.select("person_id", "line_id").rows()) == [(2, 1), (3, 2)]
