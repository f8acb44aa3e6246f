"""The edges of every rule of the compensation engine: exactly at a threshold, one cent
below and above it, the first and last day of a window, and each refusal's message."""

from __future__ import annotations

import polars as pl
import pytest

from koers.engine import comp
from koers.engine.comp import Component, Tier
from tests.engine.test_comp import TIERS, D, payees, run
from tests.engine.test_comp import credits as comp_credits

QUOTA = 1_000_000  # € 10,000
TEN_PCT = (Tier(0, 100_000),)


def _earned(component: Component, sold: int, quota: int | None = QUOTA, **line) -> int:
    results, _ = run(component, [{"amount_cents": sold, **line}], payees((1, quota, 300_000)))
    return results[1]["earnings_cents"]


@pytest.mark.parametrize(
    ("sold", "expected"),
    [
        (999_999, 50_000),  # one cent below 100%: 5% of € 9,999.99 = 499.99995 → € 500.00
        (1_000_000, 80_000),  # exactly at 100%: the 8% band is reached
        (1_000_001, 80_000),  # one cent above: 8% of € 10,000.01 = 800.0008 → € 800.00
        (1_499_999, 120_000),  # one cent below 150%: 8% of € 14,999.99 = 1,199.9992
        (1_500_000, 150_000),  # exactly at 150%: 10%
    ],
)
def test_a_retroactive_band_is_reached_at_exactly_its_threshold(sold, expected):
    assert _earned(Component("c", "retroactive", tiers=TIERS), sold) == expected


@pytest.mark.parametrize(
    ("sold", "expected"),
    [
        (999_900, 49_995),  # € 9,999 at 5%
        (1_000_000, 50_000),  # exactly the quota: all at 5%
        (1_000_100, 50_008),  # € 1 above: that euro at 8%
        (1_500_100, 90_010),  # € 1 above 150%: 500 + 400 + 0.10
    ],
)
def test_marginal_bands_split_at_exactly_their_thresholds(sold, expected):
    assert _earned(Component("c", "marginal", tiers=TIERS), sold) == expected


def test_a_negative_marginal_measure_claws_back_at_the_first_bands_rate():
    # returns exceeding the month's sales: -€ 2,000 at the first band's 5%
    component = Component("c", "marginal", tiers=TIERS)
    returned = {"original_date": D(2025, 12, 1)}
    assert _earned(component, -200_000, **returned) == -10_000
    # also without a quota, where everything falls in the first band
    assert _earned(component, -200_000, quota=None, **returned) == -10_000


def test_without_a_quota_a_marginal_measure_falls_in_the_first_band():
    assert _earned(Component("c", "marginal", tiers=TIERS), 1_600_000, quota=None) == 80_000


@pytest.mark.parametrize(
    ("original", "counts"),
    [
        (D(2025, 12, 11), True),  # 30 days before the return: the window's last day
        (D(2025, 12, 10), False),  # 31 days: the window has closed
        (D(2026, 1, 10), True),  # the same day
    ],
)
def test_the_clawback_window_includes_its_last_day(original, counts):
    component = Component("c", "flat", tiers=TEN_PCT, clawback_days=30)
    lines = [
        {"line_id": 1, "amount_cents": 500_000},
        {"line_id": 2, "amount_cents": -200_000, "original_date": original},
    ]
    results, trace = run(component, lines, payees((1, None, 0)))
    assert results[1]["earnings_cents"] == (30_000 if counts else 50_000)
    assert (2 in trace["line_id"].to_list()) is counts


@pytest.mark.parametrize(
    ("day", "counts"),
    [
        (D(2026, 1, 14), False),
        (D(2026, 1, 15), True),
        (D(2026, 1, 20), True),
        (D(2026, 1, 21), False),
    ],
)
def test_a_spiff_window_includes_its_first_and_last_day(day, counts):
    spiff = Component("s", "flat", tiers=TEN_PCT, window=(D(2026, 1, 15), D(2026, 1, 20)))
    assert _earned(spiff, 100_000, order_date=day) == (10_000 if counts else 0)


@pytest.mark.parametrize(
    ("attainment", "factor"),
    [(0, 0), (799_999, 0), (800_000, 1_000_000), (1_199_999, 1_000_000), (1_200_000, 1_500_000)],
)
def test_a_gate_step_is_reached_at_exactly_its_start(attainment, factor):
    steps = ((0, 0), (800_000, 1_000_000), (1_200_000, 1_500_000))
    gated = Component("c", "flat", tiers=TEN_PCT, modifier_kpi="visits", modifier_steps=steps)
    people = payees((1, None, 0)).with_columns(
        pl.Series("modifier_ppm", [attainment], dtype=pl.Int64)
    )
    results, _ = run(gated, [{"amount_cents": 100_000}], people)
    assert results[1]["factor_ppm"] == factor
    assert results[1]["earnings_cents"] == 10_000 * factor // 1_000_000


@pytest.mark.parametrize(
    ("sold", "payout"),
    [
        (499_999, 0),  # below the threshold
        (500_000, 0),  # at the threshold: its payout, 0%
        (500_001, 1),  # one cent above: 2 ppm of € 3,000 = 0.6 cent → 1 cent
        (1_000_000, 300_000),
        (1_500_000, 600_000),
    ],
)
def test_a_payout_curve_at_its_points(sold, payout):
    curve = ((500_000, 0), (1_000_000, 1_000_000), (1_500_000, 2_000_000))
    assert _earned(Component("b", "bonus", curve=curve), sold) == payout


def test_a_cap_applies_exactly_at_and_above_its_amount():
    capped = Component("c", "flat", tiers=TEN_PCT, cap_cents=10_000)
    assert _earned(capped, 99_999) == 10_000  # 9,999.9 → 10,000: at the cap
    assert _earned(capped, 100_000) == 10_000
    assert _earned(capped, 200_000) == 10_000


def test_volume_adds_quantities_and_margin_subtracts_cost():
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "cost_cents": 60_000, "quantity": 3},
        {"line_id": 2, "amount_cents": 50_000, "cost_cents": None, "quantity": 4},
    ]
    volume, _ = run(
        Component("v", "flat", measure="volume", tiers=TEN_PCT), lines, payees((1, None, 0))
    )
    margin, _ = run(
        Component("m", "flat", measure="margin", tiers=TEN_PCT), lines, payees((1, None, 0))
    )
    assert volume[1]["measure"] == 7
    assert margin[1]["measure"] == 40_000  # a line without cost has no margin


@pytest.mark.parametrize(
    ("business", "expected"), [("new", 100_000), ("existing", 30_000), ("", 130_000)]
)
def test_the_new_or_existing_business_filter(business, expected):
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "new_business": True},
        {"line_id": 2, "amount_cents": 30_000, "new_business": False},
    ]
    component = Component("c", "flat", tiers=TEN_PCT, business=business)
    results, _ = run(component, lines, payees((1, None, 0)))
    assert results[1]["measure"] == expected


def test_only_the_product_groups_named_count():
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "product_group_id": 1},
        {"line_id": 2, "amount_cents": 30_000, "product_group_id": 2},
    ]
    component = Component("c", "flat", tiers=TEN_PCT, product_groups=(2,))
    results, trace = run(component, lines, payees((1, None, 0)))
    assert results[1]["measure"] == 30_000 and trace["line_id"].to_list() == [2]


@pytest.mark.parametrize(
    ("component", "message"),
    [
        (Component("c", "steep", tiers=TEN_PCT), "c: rule 'steep' is not one of flat, marginal"),
        (Component("c", "flat", measure="hope", tiers=TEN_PCT), "c: measure 'hope' is unknown"),
        (
            Component("c", "flat", measure="kpi", tiers=TEN_PCT),
            "c: measure kpi needs the KPI's code",
        ),
        (Component("c", "flat", scope="world", tiers=TEN_PCT), "c: scope 'world' is unknown"),
        (
            Component("c", "flat", scope="team", measure="goals", tiers=TEN_PCT),
            "c: a team or company scope needs a credited measure",
        ),
        (
            Component("c", "flat", tiers=TEN_PCT, window=(D(2026, 2, 1), D(2026, 1, 1))),
            "c: the window ends before it starts",
        ),
        (
            Component("c", "flat", tiers=TEN_PCT, modifier_kpi="v", modifier_steps=((10, 1),)),
            "c: a gate or multiplier needs steps from 0% rising",
        ),
        (
            Component("c", "flat", tiers=TEN_PCT, modifier_kpi="v", modifier_steps=((0, -1),)),
            "c: a multiplier cannot be negative",
        ),
        (Component("c", "flat", tiers=TEN_PCT, credit="luck"), "c: credit 'luck' is unknown"),
        (Component("c", "flat", tiers=TEN_PCT, basis="hope"), "c: basis 'hope' is unknown"),
        (Component("c", "flat", tiers=TEN_PCT, period="week"), "c: period 'week' is unknown"),
        (Component("c", "marginal"), "c: a tiered rate needs tiers"),
        (
            Component("c", "flat", tiers=(Tier(0, 100), Tier(0, 200))),
            "c: tiers must start at 0% and rise",
        ),
        (Component("c", "flat"), "c: a flat rate needs a rate"),
        (Component("c", "bonus"), "c: a payout curve needs points in rising attainment"),
        (
            Component("c", "bonus", curve=((2, 1), (1, 2))),
            "c: a payout curve needs points in rising attainment",
        ),
        (Component("c", "flat", tiers=(Tier(0, -500),)), "c: rates and caps cannot be negative"),
        (
            Component("c", "flat", tiers=TEN_PCT, cap_cents=-1),
            "c: rates and caps cannot be negative",
        ),
    ],
)
def test_each_impossible_component_is_refused_with_its_reason(component, message):
    problems = component.problems()
    assert any(p.startswith(message) for p in problems), problems
    with pytest.raises(ValueError, match=message.split(": ", 1)[1][:20]):
        comp.earnings(
            pl.DataFrame(
                {"measure": [1], "quota": [1], "target_incentive_cents": [1], "flat_scaled": [1]}
            ),
            component,
        )


def test_a_sound_component_has_no_problems():
    assert Component("c", "marginal", tiers=TIERS).problems() == []
    assert Component("b", "bonus", curve=((0, 0), (1, 1))).problems() == []
    steps = ((0, 0), (800_000, 1_000_000))
    assert (
        Component("g", "flat", tiers=TEN_PCT, modifier_kpi="v", modifier_steps=steps).problems()
        == []
    )


@pytest.mark.parametrize(
    ("component", "problems"),
    [
        (Component("c", "marginal"), ["c: a tiered rate needs tiers"]),
        (
            Component("c", "abc", tiers=TEN_PCT),
            ["c: rule 'abc' is not one of flat, marginal, retroactive, bonus"],
        ),
        (
            Component("c", "flat", tiers=TEN_PCT, scope="team", rollup=True),
            ["c: a roll-up credits managers one by one: individual scope"],
        ),
        (Component("g", "bonus", measure="goals", curve=((0, 0), (1, 1))), []),
        (Component("v", "flat", measure="volume", tiers=TEN_PCT), []),
        (Component("m", "retroactive", measure="margin", tiers=TIERS), []),
    ],
)
def test_a_component_reports_exactly_its_problems(component, problems):
    assert component.problems() == problems


def test_a_one_cent_return_outside_the_window_is_ignored_too():
    component = Component("c", "flat", tiers=TEN_PCT, clawback_days=30)
    lines = [
        {"line_id": 1, "amount_cents": 500_000},
        {"line_id": 2, "amount_cents": -1, "original_date": D(2025, 11, 1)},
    ]
    results, trace = run(component, lines, payees((1, None, 0)))
    assert results[1]["measure"] == 500_000 and trace["line_id"].to_list() == [1]


def test_a_credit_note_without_an_original_counts_in_its_own_month():
    lines = [
        {"line_id": 1, "amount_cents": 500_000},
        {"line_id": 2, "amount_cents": -100_000, "original_date": None},
    ]
    results, _ = run(Component("c", "flat", tiers=TEN_PCT), lines, payees((1, None, 0)))
    assert results[1]["measure"] == 400_000


def test_without_roll_up_managers_get_no_credit_of_their_people():
    managers = pl.DataFrame({"person_id": [1, 2], "manager_id": [2, None]})
    frame = comp.credited(
        comp_credits([{"amount_cents": 100_000}]),
        Component("c", "flat", tiers=TEN_PCT),
        D(2026, 1, 1),
        D(2026, 1, 31),
        managers,
    )
    assert frame["person_id"].to_list() == [1]


def test_a_multiplier_truncates_before_the_one_rounding():
    # 10% of 5 cents = 0.5 cent, × 99.9999% = 0.49999995 cent: rounds to 0, never up to 1
    steps = ((0, 999_999),)
    multiplied = Component("c", "flat", tiers=TEN_PCT, modifier_kpi="visits", modifier_steps=steps)
    people = payees((1, None, 0)).with_columns(pl.Series("modifier_ppm", [0], dtype=pl.Int64))
    results, _ = run(multiplied, [{"amount_cents": 5}], people)
    assert results[1]["earnings_cents"] == 0


def test_without_a_quota_a_bonus_pays_what_its_curve_pays_at_zero():
    steep = Component("b", "bonus", curve=((0, 0), (1, 1_000_000)))
    assert _earned(steep, 1_000_000, quota=None) == 0


def test_half_a_cent_in_the_first_band_rounds_up():
    half = Component("c", "marginal", tiers=(Tier(0, 500_000),))  # 50%
    assert _earned(half, 1) == 1  # 0.5 cent, half away from zero


def test_a_flat_rate_on_a_kpi_measure_uses_its_base_rate():
    component = Component(
        "k", "flat", measure="kpi", kpi="visits", tiers=(Tier(0, 10_000), Tier(500_000, 90_000))
    )
    people = payees((1, None, 0)).with_columns(pl.Series("measure", [10_000], dtype=pl.Int64))
    results, _ = comp.calculate(comp_credits([]), people, component, D(2026, 1, 1), D(2026, 1, 31))
    assert results["earnings_cents"].to_list() == [100]  # 1% of 10,000


def test_a_product_group_without_a_rate_earns_nothing():
    flat = Component("f", "flat", group_rates=((2, 100_000),))
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "product_group_id": 1},
        {"line_id": 2, "amount_cents": 50_000, "product_group_id": 2},
    ]
    results, _ = run(flat, lines, payees((1, None, 0)))
    assert results[1]["earnings_cents"] == 5_000


def test_a_rolled_up_flat_rate_pays_a_manager_who_joins_mid_month():
    managers = pl.DataFrame({"person_id": [1, 2], "manager_id": [2, None]})
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "order_date": D(2026, 1, 5)},
        {"line_id": 2, "amount_cents": 50_000, "order_date": D(2026, 1, 25)},
    ]
    rollup = Component("r", "flat", tiers=TEN_PCT, rollup=True)
    people = payees((2, None, 0)).with_columns(pl.lit(D(2026, 1, 20)).alias("valid_from"))
    results, _ = run(rollup, lines, people, managers)
    assert (results[2]["measure"], results[2]["earnings_cents"]) == (50_000, 5_000)


MONEY_BANDS = (Tier(0, 50_000), Tier(1_000_000, 80_000))  # up to € 10,000 at 5%, then 8%


@pytest.mark.parametrize(
    ("sold", "marginal", "retroactive_from", "retroactive_above"),
    [
        (999_999, 50_000, 50_000, 50_000),  # € 9,999.99: 5% of it everywhere
        (1_000_000, 50_000, 80_000, 50_000),  # exactly € 10,000: "from" reaches 8%
        (1_000_001, 50_000, 80_000, 80_000),  # one cent above: 8% of that cent (0.08 ct)
        (2_000_000, 130_000, 160_000, 160_000),  # € 20,000: 500 + 800 marginal
    ],
)
def test_money_bands_need_no_quota_and_start_from_or_above(
    sold, marginal, retroactive_from, retroactive_above
):
    def earned(rule: str, tiers) -> int:
        return _earned(Component("c", rule, tiers=tiers, bands="money"), sold, quota=None)

    above = (Tier(0, 50_000), Tier(1_000_000, 80_000, above=True))
    assert earned("marginal", MONEY_BANDS) == marginal
    assert earned("retroactive", MONEY_BANDS) == retroactive_from
    assert earned("retroactive", above) == retroactive_above


def test_an_above_band_on_the_quota_is_reached_only_past_it():
    tiers = (Tier(0, 50_000), Tier(1_000_000, 80_000, above=True))
    assert _earned(Component("c", "retroactive", tiers=tiers), 1_000_000) == 50_000
    assert _earned(Component("c", "retroactive", tiers=tiers), 1_000_001) == 80_000
