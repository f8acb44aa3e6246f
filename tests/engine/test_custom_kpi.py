"""Administrator-defined KPIs on tiny frames, checked against hand-computed values."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from koers.engine import kpi
from koers.engine.custom_kpi import Measure, measure_facts, ratio_facts

D = dt.date
JAN = D(2026, 1, 1)


def _total(facts: pl.DataFrame, code: str, person: int = 1) -> tuple[int, int]:
    rows = facts.filter((pl.col("kpi") == code) & (pl.col("person_id") == person))
    return int(rows["numerator"].sum()), int(rows["denominator"].sum())


@pytest.fixture
def frames() -> dict[str, pl.DataFrame]:
    return {
        "activities": pl.DataFrame(
            {
                "person_id": [1, 1, 1, 2],
                "date": [D(2026, 1, 5), D(2026, 1, 9), D(2026, 2, 1), D(2026, 1, 7)],
                "kind": ["quote", "quote", "visit", "quote"],
                "minutes": [30, 30, 60, 30],
                "new_account": [True, False, True, None],
                "segment": ["Zorg", "Industrie", "Zorg", None],
            }
        ),
        "credits": pl.DataFrame(
            {
                "line_id": [1, 2, 3],
                "person_id": [1, 1, 1],
                "date": [D(2026, 1, 3), D(2026, 1, 8), D(2026, 1, 9)],
                "amount_cents": [100_000, 50_000, 20_000],
                "cost_cents": [60_000, None, 5_000],
                "quantity": [10, 4, 2],
                "share_bp": [10_000, 5_000, 10_000],
                "product_group_id": [7, 7, 8],
                "segment": ["Zorg", "Zorg", "Industrie"],
                "new_account": [True, False, True],
            }
        ),
        "opportunities": pl.DataFrame(
            {
                "person_id": [1, 1, 1],
                "created_on": [D(2025, 12, 1), D(2026, 1, 2), D(2026, 1, 4)],
                "closed_on": [D(2026, 1, 20), D(2026, 1, 25), None],
                "outcome": ["won", "lost", "open"],
                "amount_cents": [900_000, 400_000, 100_000],
                "new_business": [True, False, True],
                "product_group_id": [7, 7, 8],
                "segment": ["Zorg", "Zorg", "Zorg"],
            }
        ),
        "leads": pl.DataFrame(
            {
                "person_id": [1, 1, 1],
                "date": [D(2026, 1, 2), D(2026, 1, 3), D(2026, 1, 4)],
                "source": ["marketing", "marketing", "sales"],
                "segment": ["Zorg", None, "Zorg"],
            }
        ),
    }


def test_quotes_for_one_segment(frames):
    measure = Measure("quotes_zorg", "activities", activity_kind="quote", segment="Zorg")
    assert _total(measure_facts(frames, measure), "quotes_zorg") == (1, 1)


def test_quotes_to_new_business_leave_out_activities_without_an_account(frames):
    measure = Measure("quotes_new", "activities", activity_kind="quote", business="new")
    facts = measure_facts(frames, measure)
    assert _total(facts, "quotes_new") == (1, 1)
    assert _total(facts, "quotes_new", person=2) == (0, 0)  # no account: neither new nor not


def test_revenue_and_margin_of_one_product_group_follow_the_credited_share(frames):
    revenue = measure_facts(frames, Measure("rev7", "orders", "amount", product_group_id=7))
    assert _total(revenue, "rev7")[0] == 100_000 + 25_000
    margin = measure_facts(frames, Measure("mar7", "orders", "margin", product_group_id=7))
    assert _total(margin, "mar7")[0] == 40_000  # the half line has no cost: no margin
    quantity = measure_facts(frames, Measure("q", "orders", "quantity"))
    assert _total(quantity, "q")[0] == 10 + 2 + 2


def test_opportunities_won_count_and_value_by_close_month(frames):
    won = measure_facts(frames, Measure("won_new", "opportunities_won", "amount", business="new"))
    assert won.select("month").to_series().to_list() == [JAN]
    assert _total(won, "won_new")[0] == 900_000
    created = measure_facts(
        frames, Measure("created8", "opportunities_created", "count", product_group_id=8)
    )
    assert _total(created, "created8") == (1, 1)


def test_marketing_leads_of_a_segment(frames):
    facts = measure_facts(frames, Measure("ml", "leads", lead_source="marketing", segment="Zorg"))
    assert _total(facts, "ml") == (1, 1)


@pytest.mark.parametrize(
    "measure",
    [
        Measure("x", "nowhere"),
        Measure("x", "activities", "amount"),
        Measure("x", "leads", product_group_id=3),
        Measure("x", "orders", activity_kind="visit"),
        Measure("x", "orders", business="maybe"),
    ],
)
def test_an_impossible_measure_is_refused_with_its_reason(frames, measure):
    assert measure.problems()
    with pytest.raises(ValueError, match="x: "):
        measure_facts(frames, measure)


def test_a_ratio_sums_top_and_bottom_so_roll_ups_stay_exact():
    facts = pl.DataFrame(
        {
            "kpi": ["quotes", "quotes", "visits", "visits", "visits"],
            "person_id": [1, 2, 1, 2, 2],
            "month": [JAN, JAN, JAN, JAN, D(2026, 2, 1)],
            "numerator": [3, 1, 6, 4, 5],
            "denominator": [1, 1, 1, 1, 1],
        },
        schema=kpi.FACT_SCHEMA,
    )
    ratio = ratio_facts(facts, "quotes_per_visit", "quotes", "visits")
    assert _total(ratio, "quotes_per_visit", 1) == (3, 6)
    # person 2 had visits but no quotes in February: 0 on top, 5 below
    assert _total(ratio, "quotes_per_visit", 2) == (1, 9)
    team = (int(ratio["numerator"].sum()), int(ratio["denominator"].sum()))
    assert team == (4, 15)  # the team's ratio is 4/15, not the mean of the people's ratios
