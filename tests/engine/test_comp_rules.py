"""More rules of the compensation engine, against figures computed by hand: SPIFF windows,
gates and multipliers, team and company scope, measures handed in, and the settlement of
a month (draws, guarantees, recovery, holds)."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from koers.engine import comp
from koers.engine.comp import Component, Tier
from tests.engine.test_comp import D, payees, run

TEN_PCT = (Tier(0, 100_000),)


def test_a_spiff_counts_only_the_days_of_its_window():
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "order_date": D(2026, 1, 5)},
        {"line_id": 2, "amount_cents": 300_000, "order_date": D(2026, 1, 20)},
    ]
    spiff = Component("push", "flat", tiers=TEN_PCT, window=(D(2026, 1, 15), D(2026, 2, 15)))
    results, trace = run(spiff, lines, payees((1, None, 0)))
    assert results[1]["earnings_cents"] == 30_000 and trace["line_id"].to_list() == [2]


def _with(people: pl.DataFrame, **columns: list) -> pl.DataFrame:
    return people.with_columns(
        *(pl.Series(name, values, dtype=pl.Int64) for name, values in columns.items())
    )


def test_a_gate_on_a_leading_kpi_pays_nothing_below_its_minimum():
    gated = Component(
        "c",
        "flat",
        tiers=TEN_PCT,
        modifier_kpi="visits",
        modifier_steps=((0, 0), (800_000, comp.PPM)),
    )
    people = _with(payees((1, None, 0), (2, None, 0)), modifier_ppm=[790_000, 800_000])
    lines = [{"line_id": 1, "person_id": 1, "amount_cents": 100_000}]
    lines += [{"line_id": 2, "person_id": 2, "amount_cents": 100_000}]
    results, _ = run(gated, lines, people)
    # 79% of the visits target: the gate stays shut; 80%: 10% of € 1,000
    assert results[1]["earnings_cents"] == 0 and results[2]["earnings_cents"] == 10_000


def test_a_multiplier_scales_the_earnings_before_the_one_rounding():
    steps = ((0, 800_000), (1_000_000, 1_100_000))
    multiplied = Component("c", "flat", tiers=TEN_PCT, modifier_kpi="visits", modifier_steps=steps)
    people = _with(payees((1, None, 0), (2, None, 0)), modifier_ppm=[500_000, 1_200_000])
    lines = [{"line_id": 1, "person_id": 1, "amount_cents": 100_005}]
    lines += [{"line_id": 2, "person_id": 2, "amount_cents": 100_005}]
    results, _ = run(multiplied, lines, people)
    # 10% of € 1,000.05 = 10,000.5 cents; × 80% = 8,000.4 → 8,000; × 110% = 11,000.55 → 11,001
    assert results[1]["earnings_cents"] == 8_000 and results[2]["earnings_cents"] == 11_001


def test_a_team_bonus_gives_every_member_the_teams_attainment():
    managers = pl.DataFrame({"person_id": [1, 2, 9], "manager_id": [9, 9, None]})
    bonus = Component("team", "bonus", scope="team", curve=((0, 0), (comp.PPM, comp.PPM)))
    people = _with(payees((1, 400_000, 50_000), (2, 400_000, 50_000)), team_id=[9, 9])
    lines = [
        {"line_id": 1, "person_id": 1, "amount_cents": 300_000},
        {"line_id": 2, "person_id": 2, "amount_cents": 0},
        {"line_id": 3, "person_id": 9, "amount_cents": 100_000},  # the manager's own deal
    ]
    results, trace = run(bonus, lines, people, managers)
    # the team sold € 4,000 of its € 4,000: both members at 100%, € 500 each
    assert [results[p]["attainment_ppm"] for p in (1, 2)] == [comp.PPM, comp.PPM]
    assert [results[p]["earnings_cents"] for p in (1, 2)] == [50_000, 50_000]
    assert sorted(trace.filter(pl.col("person_id") == 2)["line_id"].to_list()) == [1, 2, 3]


def test_a_company_bonus_measures_everyone_together():
    company = Component("all", "bonus", scope="company", curve=((0, 0), (comp.PPM, comp.PPM)))
    lines = [
        {"line_id": 1, "person_id": 5, "amount_cents": 150_000},
        {"line_id": 2, "person_id": 6, "amount_cents": 50_000},
    ]
    results, trace = run(company, lines, payees((1, 400_000, 10_000)))
    assert results[1]["measure"] == 200_000 and results[1]["earnings_cents"] == 5_000
    assert trace.height == 0


def test_a_kpi_measure_is_handed_in_per_person():
    nps = Component(
        "nps", "bonus", measure="kpi", kpi="nps", curve=((500_000, 0), (comp.PPM, comp.PPM))
    )
    people = _with(payees((1, 4_000, 20_000), (2, 4_000, 20_000)), measure=[3_000, 5_000])
    results, trace = run(nps, [], people)
    # NPS 30 against 40 = 75%: halfway up the curve; 50 against 40 = 125%: the full bonus
    assert results[1]["earnings_cents"] == 10_000 and results[2]["earnings_cents"] == 20_000
    assert trace.height == 0


def month(*rows: tuple) -> pl.DataFrame:
    """(person, earned, adjustment, draw kind, draw, balance, held, held before)."""
    return pl.DataFrame(list(rows), schema=comp.SETTLE_SCHEMA, orient="row")


def settle(*rows: tuple) -> dict[int, dict]:
    return {r["person_id"]: r for r in comp.settle(month(*rows)).to_dicts()}


def test_a_recoverable_draw_is_recovered_from_later_earnings():
    # January: earned € 600 against a € 1,000 draw → paid € 1,000, € 400 to recover
    jan = settle((1, 60_000, 0, "recoverable", 100_000, 0, False, 0))[1]
    assert (jan["paid_cents"], jan["topup_cents"], jan["balance_out_cents"]) == (
        100_000,
        40_000,
        40_000,
    )
    # February: earned € 1,300 → € 300 above the draw recovers € 300 of the € 400
    feb = settle((1, 130_000, 0, "recoverable", 100_000, 40_000, False, 0))[1]
    assert (feb["paid_cents"], feb["recovery_cents"], feb["balance_out_cents"]) == (
        100_000,
        30_000,
        10_000,
    )
    # March, the draw has ended: € 500 earned, the last € 100 recovered
    mar = settle((1, 50_000, 0, "", 0, 10_000, False, 0))[1]
    assert (mar["paid_cents"], mar["balance_out_cents"]) == (40_000, 0)


def test_a_guarantee_tops_up_without_being_recovered():
    row = settle((1, 60_000, 0, "guarantee", 100_000, 0, False, 0))[1]
    assert (row["paid_cents"], row["topup_cents"], row["balance_out_cents"]) == (100_000, 40_000, 0)


def test_a_clawback_larger_than_the_month_is_carried_not_taken_from_pay():
    row = settle((1, -25_000, 5_000, "", 0, 0, False, 0))[1]
    assert (row["paid_cents"], row["debt_cents"], row["balance_out_cents"]) == (0, 20_000, 20_000)


def test_a_hold_keeps_the_payout_back_until_it_is_released():
    held = settle((1, 70_000, 0, "", 0, 0, True, 30_000))[1]
    assert (held["paid_cents"], held["held_out_cents"]) == (0, 100_000)
    released = settle((1, 10_000, 0, "", 0, 0, False, 100_000))[1]
    assert (released["paid_cents"], released["released_cents"], released["held_out_cents"]) == (
        110_000,
        100_000,
        0,
    )


@given(
    st.lists(st.integers(-50_000, 300_000), min_size=1, max_size=12),
    st.integers(0, 150_000),
    st.sampled_from(["recoverable", "guarantee", ""]),
)
def test_over_the_months_nothing_is_created_or_lost(earned, draw, kind):
    """Paid to date = earned to date + top-ups not recovered − the balance still open."""
    balance, paid, topups = 0, 0, 0
    for cents in earned:
        row = settle((1, cents, 0, kind, draw, balance, False, 0))[1]
        assert row["paid_cents"] >= 0 and row["balance_out_cents"] >= 0
        balance, paid = row["balance_out_cents"], paid + row["paid_cents"]
        topups += row["topup_cents"] if kind == "guarantee" else 0
    assert paid == sum(earned) + topups + balance


def test_only_the_segments_named_count():
    lines = [
        {"line_id": 1, "amount_cents": 100_000, "segment": "Industrie"},
        {"line_id": 2, "amount_cents": 300_000, "segment": "Zorg"},
    ]
    industry = Component("c", "flat", tiers=TEN_PCT, segments=("Industrie",))
    results, trace = run(industry, lines, payees((1, None, 0)))
    assert results[1]["earnings_cents"] == 10_000 and trace["line_id"].to_list() == [1]
