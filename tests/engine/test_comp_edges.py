"""More edges of the pay engine, each closing a gap that mutation testing found: default
windows, bounds of a rule's inputs, hierarchy depth, people who leave mid-period, company
flat rates, and the settlement's zero cases."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from koers.engine import comp
from koers.engine.comp import Component, Tier
from tests.engine.test_comp import JAN, JAN_END, D, payees, run
from tests.engine.test_comp import credits as comp_credits
from tests.engine.test_comp_rules import settle

TEN_PCT = (Tier(0, 100_000),)
QUOTA = 1_000_000


def _earned(component: Component, sold: int, quota: int | None = QUOTA, ti: int = 300_000) -> int:
    results, _ = run(component, [{"amount_cents": sold}], payees((1, quota, ti)))
    return results[1]["earnings_cents"]


@pytest.mark.parametrize(("days", "counts"), [(365, True), (366, False), (364, True)])
def test_by_default_a_return_within_a_year_of_its_sale_claws_back(days, counts):
    original = D(2026, 1, 10) - dt.timedelta(days=days)
    lines = [
        {"line_id": 1, "amount_cents": 500_000},
        {"line_id": 2, "amount_cents": -100_000, "original_date": original},
    ]
    results, _ = run(Component("c", "flat", tiers=TEN_PCT), lines, payees((1, None, 0)))
    assert results[1]["measure"] == (400_000 if counts else 500_000)


@pytest.mark.parametrize(
    "window",
    [(None, D(2026, 1, 20)), (D(2026, 1, 10), None), (D(2026, 1, 10), D(2026, 1, 10))],
    ids=["until", "from", "one-day"],
)
def test_a_window_open_on_one_side_or_of_one_day_is_sound(window):
    assert Component("s", "flat", tiers=TEN_PCT, window=window).problems() == []


def test_a_zero_rate_band_is_allowed():
    zero_first = (Tier(0, 0), Tier(800_000, 100_000))
    assert Component("c", "marginal", tiers=zero_first).problems() == []
    # nothing on the first € 8,000, 10% of the € 2,000 above
    assert _earned(Component("c", "marginal", tiers=zero_first), 1_000_000) == 20_000


def test_credits_missing_a_column_are_refused_by_name():
    frame = comp_credits([{"amount_cents": 1}]).drop("segment")
    with pytest.raises(ValueError, match="segment"):
        comp.credited(frame, Component("c", "flat", tiers=TEN_PCT), JAN, JAN_END)


def test_a_reporting_line_counts_from_its_first_day():
    managers = pl.DataFrame(
        {
            "person_id": [1, 2],
            "manager_id": [2, None],
            "valid_from": [D(2026, 1, 10), None],
            "valid_to": [None, None],
        }
    )
    lines = [{"line_id": 1, "amount_cents": 100_000, "order_date": D(2026, 1, 10)}]
    rollup = Component("r", "flat", tiers=TEN_PCT, rollup=True)
    results, _ = run(rollup, lines, payees((2, None, 0)), managers)
    assert results[2]["measure"] == 100_000


def _chain(levels: int) -> pl.DataFrame:
    """Person 1 reports to 2, 2 to 3, … up to ``levels`` + 1."""
    people = list(range(1, levels + 2))
    return pl.DataFrame({"person_id": people, "manager_id": [*people[1:], None]})


@pytest.mark.parametrize("dated", [False, True])
def test_a_roll_up_reaches_eight_levels_of_managers(dated):
    managers = _chain(9)
    if dated:  # one line changing in the period sends every credit up the dated path
        managers = managers.with_columns(
            pl.lit(None, dtype=pl.Date).alias("valid_from"),
            pl.when(pl.col("person_id") == 10)
            .then(pl.lit(D(2026, 1, 5)))
            .otherwise(None)
            .alias("valid_to"),
        )
    lines = [{"line_id": 1, "amount_cents": 100_000, "order_date": D(2026, 1, 20)}]
    rollup = Component("r", "flat", tiers=TEN_PCT, rollup=True)
    people = payees(*[(p, None, 0) for p in range(2, 11)])
    results, _ = run(rollup, lines, people, managers)
    assert [results[p]["measure"] for p in range(2, 10)] == [100_000] * 8
    assert results[10]["measure"] == 0  # the ninth level up is beyond a roll-up's reach


def test_a_dated_roll_up_climbs_past_a_level_of_one_row():
    managers = pl.DataFrame(
        {
            "person_id": [1, 2, 3],
            "manager_id": [2, 3, None],
            "valid_from": [None, None, D(2026, 1, 15)],
            "valid_to": [None, None, None],
        }
    )
    lines = [{"line_id": 1, "amount_cents": 100_000, "order_date": D(2026, 1, 20)}]
    rollup = Component("r", "flat", tiers=TEN_PCT, rollup=True)
    results, _ = run(rollup, lines, payees((2, None, 0), (3, None, 0)), managers)
    assert (results[2]["measure"], results[3]["measure"]) == (100_000, 100_000)


def test_a_positive_correction_of_an_old_sale_still_counts():
    lines = [{"line_id": 1, "amount_cents": 100_000, "original_date": D(2024, 1, 1)}]
    component = Component("c", "flat", tiers=TEN_PCT, clawback_days=30)
    results, _ = run(component, lines, payees((1, None, 0)))
    assert results[1]["measure"] == 100_000


def test_below_the_threshold_even_a_huge_target_incentive_pays_exactly_nothing():
    bonus = Component("b", "bonus", curve=((500_000, 0), (1_000_000, 1_000_000)))
    assert _earned(bonus, 400_000, ti=1_000_000_000) == 0


def test_a_curve_that_starts_with_a_step_pays_it_at_exactly_the_threshold():
    stepped = Component("b", "bonus", curve=((500_000, 500_000), (1_000_000, 1_000_000)))
    assert _earned(stepped, 500_000) == 150_000  # 50% of € 3,000 at exactly 50%
    assert _earned(stepped, 499_999) == 0


def test_without_a_quota_a_curve_that_pays_at_zero_pays_that():
    floor = Component("b", "bonus", curve=((0, 200_000), (1_000_000, 1_000_000)))
    assert _earned(floor, 1_000_000, quota=None) == 60_000  # 20% of € 3,000


def test_without_a_quota_a_retroactive_rule_pays_its_first_band():
    tiers = (Tier(0, 10_000), Tier(1, 90_000))
    assert _earned(Component("c", "retroactive", tiers=tiers), 100_000, quota=None) == 1_000


def test_a_band_not_reached_takes_nothing_off():
    # 50% on a cent is half a cent, rounded up; the 8% band above 100% is not reached
    tiers = (Tier(0, 500_000), Tier(1_000_000, 80_000))
    assert _earned(Component("c", "marginal", tiers=tiers), 1) == 1


def test_a_one_cent_return_claws_back_at_the_first_bands_rate():
    half = Component("c", "marginal", tiers=(Tier(0, 500_000),))
    lines = [{"line_id": 1, "amount_cents": -1, "original_date": D(2025, 12, 1)}]
    results, _ = run(half, lines, payees((1, QUOTA, 0)))
    assert results[1]["earnings_cents"] == -1  # half a cent back, rounded away from zero


def test_a_kpi_measure_that_is_missing_counts_as_zero():
    component = Component("k", "flat", measure="kpi", kpi="visits", tiers=TEN_PCT)
    people = payees((1, None, 0)).with_columns(pl.lit(None, dtype=pl.Int64).alias("measure"))
    results, _ = comp.calculate(comp_credits([]), people, component, JAN, JAN_END)
    assert results.row(0, named=True)["measure"] == 0
    assert results.row(0, named=True)["earnings_cents"] == 0


def test_without_roll_up_a_manager_is_paid_on_her_own_credit_only():
    managers = pl.DataFrame({"person_id": [1, 2], "manager_id": [2, None]})
    lines = [
        {"line_id": 1, "person_id": 1, "amount_cents": 100_000},
        {"line_id": 2, "person_id": 2, "amount_cents": 30_000},
    ]
    results, _ = run(
        Component("c", "flat", tiers=TEN_PCT), lines, payees((1, None, 0), (2, None, 0)), managers
    )
    assert (results[1]["measure"], results[2]["measure"]) == (100_000, 30_000)


def test_a_company_flat_rate_pays_everyone_on_the_company_total():
    lines = [
        {"line_id": 1, "person_id": 1, "amount_cents": 100_000},
        {"line_id": 2, "person_id": 2, "amount_cents": 50_000},
    ]
    company = Component("c", "flat", tiers=(Tier(0, 10_000),), scope="company")
    results, _ = run(company, lines, payees((1, None, 0), (2, None, 0), (3, None, 0)))
    assert [results[p]["earnings_cents"] for p in (1, 2, 3)] == [1_500] * 3  # 1% of € 1,500


@pytest.mark.parametrize("rollup", [False, True])
def test_someone_who_leaves_mid_month_is_paid_on_their_days_only(rollup):
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "order_date": D(2026, 1, 5)},
        {"line_id": 2, "amount_cents": 50_000, "order_date": D(2026, 1, 25)},
    ]
    managers = pl.DataFrame(
        {"person_id": [1], "manager_id": [None]}, schema_overrides={"manager_id": pl.Int64}
    )
    people = payees((1, None, 0)).with_columns(pl.lit(D(2026, 1, 15)).alias("valid_to"))
    component = Component("c", "flat", tiers=TEN_PCT, rollup=rollup)
    results, _ = run(component, lines, people, managers)
    assert (results[1]["measure"], results[1]["earnings_cents"]) == (100_000, 10_000)


def test_the_trace_per_payee_works_without_period_bounds_on_a_dated_hierarchy():
    managers = pl.DataFrame(
        {
            "person_id": [1, 1],
            "manager_id": [2, 3],
            "valid_from": [None, D(2026, 1, 16)],
            "valid_to": [D(2026, 1, 15), None],
        }
    )
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "order_date": D(2026, 1, 10)},
        {"line_id": 2, "amount_cents": 30_000, "order_date": D(2026, 1, 20)},
    ]
    rollup = Component("r", "flat", tiers=TEN_PCT, rollup=True)
    people = payees((2, None, 0), (3, None, 0))
    _results, trace = run(rollup, lines, people, managers)
    rows = sorted(comp.payee_trace(trace, people, managers).select("person_id", "line_id").rows())
    assert rows == [(2, 1), (3, 2)]


def test_group_rates_fall_back_to_the_first_bands_rate():
    flat = Component(
        "f", "flat", tiers=(Tier(0, 30_000), Tier(500_000, 90_000)), group_rates=((2, 100_000),)
    )
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "product_group_id": 1},
        {"line_id": 2, "amount_cents": 50_000, "product_group_id": 2},
    ]
    results, _ = run(flat, lines, payees((1, None, 0)))
    assert results[1]["earnings_cents"] == 3_000 + 5_000


def test_someone_on_the_plan_without_sales_measures_and_earns_nothing():
    lines = [{"line_id": 1, "person_id": 1, "amount_cents": 100_000}]
    results, _ = run(
        Component("c", "flat", tiers=TEN_PCT), lines, payees((1, None, 0), (2, None, 0))
    )
    assert (results[2]["measure"], results[2]["earnings_cents"]) == (0, 0)
    assert results[1]["earnings_cents"] == 10_000


def test_a_draw_of_nothing_tops_up_nothing():
    row = settle((1, 0, 0, "recoverable", 0, 0, False, 0))[1]
    assert (row["topup_cents"], row["paid_cents"], row["balance_out_cents"]) == (0, 0, 0)


def test_a_held_month_releases_nothing():
    row = settle((1, 10_000, 0, "", 0, 0, True, 5_000))[1]
    assert (row["released_cents"], row["paid_cents"], row["held_out_cents"]) == (0, 0, 15_000)


def test_components_and_tiers_are_values_nobody_changes_in_place():
    import dataclasses

    component = Component("c", "flat", tiers=TEN_PCT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        component.code = "d"
    with pytest.raises(dataclasses.FrozenInstanceError):
        component.tiers[0].rate = 500


@pytest.mark.parametrize(
    ("component", "problem"),
    [
        (
            Component("c", "flat", scope="company", measure="goals", tiers=TEN_PCT),
            "a team or company scope needs a credited measure",
        ),
        (
            Component("c", "flat", scope="company", rollup=True, tiers=TEN_PCT),
            "a roll-up credits managers one by one",
        ),
        (
            Component(
                "c",
                "flat",
                tiers=TEN_PCT,
                modifier_kpi="v",
                modifier_steps=((0, 1), (500, 1), (300, 1)),
            ),
            "a gate or multiplier needs steps from 0% rising",
        ),
        (
            Component(
                "c", "flat", tiers=TEN_PCT, modifier_kpi="v", modifier_steps=((-100, 1), (0, 1))
            ),
            "a gate or multiplier needs steps from 0% rising",
        ),
        (
            Component("c", "marginal", tiers=(Tier(-1, 500), Tier(0, 600))),
            "tiers must start at 0% and rise",
        ),
        (Component("c", "flat", tiers=(Tier(0, -100),)), "rates and caps cannot be negative"),
    ],
)
def test_each_of_these_is_refused(component, problem):
    assert any(problem in p for p in component.problems()), component.problems()


def test_a_reporting_line_counts_through_its_last_day():
    managers = pl.DataFrame(
        {
            "person_id": [1, 1, 2, 3],
            "manager_id": [2, 3, None, None],
            "valid_from": [None, D(2026, 1, 11), None, None],
            "valid_to": [D(2026, 1, 10), None, None, None],
        }
    )
    lines = [{"line_id": 1, "amount_cents": 100_000, "order_date": D(2026, 1, 10)}]
    rollup = Component("r", "flat", tiers=TEN_PCT, rollup=True)
    results, _ = run(rollup, lines, payees((2, None, 0), (3, None, 0)), managers)
    assert (results[2]["measure"], results[3]["measure"]) == (100_000, 0)


def test_earnings_are_whole_cents_as_integers():
    results, _ = run(
        Component("c", "flat", tiers=TEN_PCT), [{"amount_cents": 12_345}], payees((1, None, 0))
    )
    assert results[1]["earnings_cents"] == 1_235 and isinstance(results[1]["earnings_cents"], int)


def _multiplied(cents: int, factor_ppm: int) -> int:
    steps = ((0, factor_ppm),)
    component = Component("c", "flat", tiers=TEN_PCT, modifier_kpi="v", modifier_steps=steps)
    people = payees((1, None, 0)).with_columns(pl.Series("modifier_ppm", [0], dtype=pl.Int64))
    lines = [{"amount_cents": cents, "original_date": D(2025, 12, 1) if cents < 0 else None}]
    results, _ = run(component, lines, people)
    return results[1]["earnings_cents"]


def test_a_multiplier_keeps_the_sign_of_a_clawback():
    assert _multiplied(-100_000, 500_000) == -5_000  # 10% of -€ 1,000 at 50%


def test_a_multiplier_on_a_clawback_truncates_towards_zero():
    # 10% of -5 cents = -0.5 cent, × 99.9999% = -0.49999995: rounds to 0, not to -1
    assert _multiplied(-5, 999_999) == 0


def test_just_under_half_a_cent_rounds_down():
    assert _earned(Component("c", "marginal", tiers=(Tier(0, 499_900),)), 1) == 0  # 0.4999 cent


def test_bands_not_reached_add_nothing_at_all():
    tiers = (Tier(0, 400_000), Tier(1_000_000, 200_000))
    assert _earned(Component("c", "marginal", tiers=tiers), 1) == 0  # 0.4 cent
