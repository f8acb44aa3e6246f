"""The driver model against hand calculations: what a revenue target takes, month by
month, and what the what-if levers change."""

from __future__ import annotations

import pytest

from koers.engine.driver_model import Levers, Rates, model, up

RATES = Rates(
    win_rate=0.25,
    deal_size=10_000.0,
    opportunities_per_lead=0.5,
    quotes_per_opportunity=0.8,
    visits_per_opportunity=2.0,
    cycle_days=60,
    fte=1.0,
)


def test_a_month_worked_back_by_hand():
    # € 100,000 in month 3 of 4: 10 deals, 40 decided opportunities, created two months
    # earlier (60-day cycle) in month 1: 80 leads, 32 quotes, 80 visits,
    # 80 × 2 h + 32 × 1.5 h = 208 h against 80 h for one FTE
    result = model([0, 0, 0, 100_000], RATES)
    assert [m.deals for m in result.months] == [0, 0, 0, 10]
    assert [m.decided for m in result.months] == [0, 0, 0, 40]
    assert [m.new_opportunities for m in result.months] == [0, 40, 0, 0]
    month = result.months[1]
    assert (month.leads, month.quotes, month.visits) == (80, 32, 80)
    assert month.hours_needed == 208 and month.hours_available == 80
    assert month.load == pytest.approx(2.6)
    # nothing is decided within one sales cycle (two months): no pipeline is due yet
    assert result.pipeline_needed == 0
    assert model([0, 100_000, 0], RATES).pipeline_needed == 400_000  # the target ÷ win rate


def test_what_should_have_started_before_the_plan_is_due_now():
    # a win in month 0 with a two-month cycle: its opportunities are needed at once
    result = model([50_000, 0, 0], RATES)
    assert result.months[0].new_opportunities == 20


def test_only_the_part_won_through_deals_takes_activities():
    # a fifth of the revenue comes through deals, the rest as repeat orders of the base:
    # € 100,000 → € 20,000 from deals → 2 deals, 8 decided, 16 visits, 6.4 → 7 quotes
    shared = Rates(**{**RATES.__dict__, "deal_share": 0.2})
    month = model([100_000], shared).months[0]
    assert (month.target, month.from_deals) == (100_000, 20_000)
    assert (month.deals, month.decided, month.visits, month.quotes) == (2, 8, 16, 7)
    assert model([100_000], shared).pipeline_needed == 80_000


def test_the_open_pipeline_holds_the_first_months_opportunities():
    # € 50,000 in each of three months, 20 decided opportunities each; € 250,000 open
    # at € 10,000 a deal is 25 opportunities: month 0 fully, month 1 for 5 of 20; the 15
    # missing of month 1 and month 2's 20 are due now (a two-month cycle)
    result = model([50_000, 50_000, 50_000], RATES, pipeline_open=250_000)
    assert [m.new_opportunities for m in result.months] == [35, 0, 0]
    assert model([50_000] * 3, RATES).months[0].new_opportunities == 60


def test_levers_recompute():
    base = model([100_000], RATES)
    better = model([100_000], RATES, levers=Levers(win_rate_points=5, deal_size_pct=25))
    # 100,000 ÷ 12,500 = 8 deals; 8 ÷ 0.30 = 26.7 → 27 decided
    assert (better.months[0].deals, better.months[0].decided) == (8, 27)
    assert better.months[0].decided < base.months[0].decided
    more = model([100_000], RATES, levers=Levers(extra_fte=1))
    assert more.months[0].hours_available == 160


def test_coverage_of_the_open_pipeline():
    result = model([100_000, 100_000], RATES, pipeline_open=200_000)
    assert result.coverage == pytest.approx(0.25)  # 200,000 of 800,000 needed


def test_impossible_rates_are_named_not_divided_by():
    result = model([100_000], Rates(0, 0, 0, 1, 1, 0, 1))
    assert set(result.problems) == {"win_rate", "deal_size"}
    assert result.months[0].leads is None


def test_counts_round_up():
    assert up(0.2) == 1 and up(3.0) == 3 and up(0) == 0
