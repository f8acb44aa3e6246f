"""KPI facts on tiny frames, each checked against a value computed by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from koers.engine import kpi

JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
D = dt.date


def facts_value(facts: pl.DataFrame, code: str, person: int = 1, month: dt.date = JAN):
    row = facts.filter(
        (pl.col("kpi") == code) & (pl.col("person_id") == person) & (pl.col("month") == month)
    )
    if row.height == 0:
        return None
    return kpi.value(kpi.CATALOGUE[code], row["numerator"].sum(), row["denominator"].sum())


def test_activity_counts_and_new_business_time():
    activities = pl.DataFrame(
        {
            "person_id": [1, 1, 1, 1, 2],
            "date": [D(2026, 1, 5), D(2026, 1, 9), D(2026, 1, 20), D(2026, 2, 2), D(2026, 1, 7)],
            "kind": ["visit", "visit", "call", "quote", "visit"],
            "minutes": [60, 30, 10, 45, 90],
            "new_account": [True, False, None, False, True],
        }
    )
    facts = kpi.activity_facts(activities)
    assert facts_value(facts, "visits") == 2 and facts_value(facts, "calls") == 1
    assert facts_value(facts, "quotes") == 0 and facts_value(facts, "quotes", month=FEB) == 1
    assert facts_value(facts, "visits", person=2) == 1
    # 60 minutes on a new account out of 90 with an account (the call had none)
    assert facts_value(facts, "new_business_time") == pytest.approx(200 / 3)


def test_revenue_margin_and_volume_follow_the_credited_share():
    credits = pl.DataFrame(
        {
            "line_id": [1, 2, 2],
            "person_id": [1, 1, 2],
            "date": [D(2026, 1, 3), D(2026, 1, 8), D(2026, 1, 8)],
            "amount_cents": [100_000, 50_000, 50_000],
            "cost_cents": [70_000, None, None],
            "quantity": [10_000, 4_000, 4_000],  # thousandths: 10 and 4 units
            "share_bp": [10_000, 5_000, 5_000],
        }
    )
    facts = kpi.order_facts(credits)
    assert facts_value(facts, "revenue") == 1250.00  # 1,000 + half of 500
    assert facts_value(facts, "gross_margin") == 300.00  # only the line with a cost
    assert facts_value(facts, "margin_pct") == pytest.approx(30.0)  # 300 / 1,000
    assert facts_value(facts, "volume") == 12
    assert facts_value(facts, "revenue", person=2) == 250.00


def test_win_rate_deal_size_cycle_and_new_customers():
    opportunities = pl.DataFrame(
        {
            "person_id": [1, 1, 1, 1],
            "created_on": [D(2026, 1, 1), D(2025, 12, 1), D(2026, 1, 10), D(2025, 11, 1)],
            "closed_on": [D(2026, 1, 31), D(2026, 1, 15), None, D(2026, 1, 11)],
            "outcome": ["won", "lost", "open", "won"],
            "amount_cents": [1_000_000, 500_000, 200_000, 3_000_000],
            "new_business": [True, False, True, False],
        }
    )
    facts = kpi.opportunity_facts(opportunities)
    assert facts_value(facts, "new_opportunities") == 2  # created in January
    assert facts_value(facts, "won_deals") == 2
    assert facts_value(facts, "win_rate") == pytest.approx(200 / 3)  # 2 won of 3 decided
    assert facts_value(facts, "avg_deal_size") == 20_000.00  # (10,000 + 30,000) / 2
    assert facts_value(facts, "sales_cycle") == pytest.approx((30 + 71) / 2)
    assert facts_value(facts, "new_customers") == 1


def test_dso_is_weighted_by_amount_and_ignores_credit_notes():
    payments = pl.DataFrame(
        {
            "person_id": [1, 1, 1],
            "invoice_date": [D(2026, 1, 1), D(2026, 1, 10), D(2026, 1, 2)],
            "paid_date": [D(2026, 1, 31), D(2026, 1, 20), D(2026, 1, 30)],
            "amount_cents": [10_000, 30_000, -5_000],
        }
    )
    facts = kpi.payment_facts(payments)
    assert facts_value(facts, "dso") == pytest.approx(15.0)  # (30×100 + 10×300) / 400


def _nps(scores: list[int]):
    answers = pl.DataFrame(
        {"person_id": [1] * len(scores), "date": [JAN] * len(scores), "score": scores},
        schema={"person_id": pl.Int64, "date": pl.Date, "score": pl.Int64},
    )
    return facts_value(kpi.nps_facts(answers), "nps")


def test_nps_as_the_domain_defines_it():
    # 25% promoters, 55% passives, 20% detractors gives +5
    assert _nps([9] * 5 + [7] * 11 + [3] * 4) == pytest.approx(5.0)
    assert _nps([10, 9, 8, 7, 6, 3]) == 0
    assert _nps([7, 8, 8]) == 0  # only passives
    assert _nps([0, 6]) == -100 and _nps([9, 10]) == 100
    assert _nps([]) is None  # no answers: no score


def test_nps_refuses_impossible_scores():
    with pytest.raises(ValueError, match="0-10"):
        _nps([11])


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="amount_cents"):
        kpi.order_facts(pl.DataFrame({"line_id": [1], "person_id": [1], "date": [JAN]}))


def test_every_catalogue_kpi_has_both_names():
    for definition in kpi.CATALOGUE.values():
        assert definition.name_en and definition.name_nl
        assert definition.timing in {kpi.LEADING, kpi.LAGGING}


@given(
    st.lists(
        st.tuples(st.integers(1, 3), st.sampled_from(["won", "lost"])), min_size=1, max_size=40
    )
)
def test_rolled_up_win_rate_equals_the_pooled_rate(deals):
    """Summing each person's facts and dividing once gives the team's true rate."""
    frame = pl.DataFrame(
        {
            "person_id": [p for p, _o in deals],
            "created_on": [JAN] * len(deals),
            "closed_on": [JAN] * len(deals),
            "outcome": [o for _p, o in deals],
            "amount_cents": [100] * len(deals),
            "new_business": [False] * len(deals),
        }
    )
    facts = kpi.opportunity_facts(frame).filter(pl.col("kpi") == "win_rate")
    pooled = sum(o == "won" for _p, o in deals) / len(deals) * 100
    rolled = kpi.value(
        kpi.CATALOGUE["win_rate"], facts["numerator"].sum(), facts["denominator"].sum()
    )
    assert rolled == pytest.approx(pooled)


def test_counts_and_amounts_add_up_over_people_and_months():
    activities = pl.DataFrame(
        {
            "person_id": [1, 1, 2, 2, 2],
            "kind": ["visit"] * 5,
            "minutes": [30] * 5,
            "date": [D(2026, 1, 5), D(2026, 2, 5), D(2026, 1, 6), D(2026, 3, 1), D(2026, 3, 2)],
            "new_account": [None] * 5,
        },
        schema_overrides={"new_account": pl.Boolean},
    )
    facts = kpi.activity_facts(activities).filter(pl.col("kpi") == "visits")
    total = kpi.value(kpi.CATALOGUE["visits"], facts["numerator"].sum(), facts["denominator"].sum())
    assert total == 5  # a quarter's team total is the sum, not an average per person-month


def test_leads_count_marketing_and_sales_generated_apart_and_together():
    activities = pl.DataFrame(
        {
            "person_id": [1, 1],
            "date": [D(2026, 1, 5), D(2026, 1, 6)],
            "kind": ["lead", "visit"],
            "minutes": [10, 60],
            "new_account": [True, True],
        }
    )
    leads = pl.DataFrame(
        {
            "person_id": [1, 1, 1],
            "date": [D(2026, 1, 2), D(2026, 1, 3), D(2026, 1, 4)],
            "source": ["marketing", "marketing", "sales"],
        }
    )
    facts = kpi.lead_facts(activities, leads)
    assert facts_value(facts, "marketing_leads") == 2
    assert facts_value(facts, "sales_leads") == 2  # a lead record from sales and a logged lead
    assert facts_value(facts, "leads") == 4
    assert "leads" not in kpi.activity_facts(activities)["kpi"].to_list()


def test_every_built_in_kpi_is_described_in_both_languages():
    for definition in kpi.CATALOGUE.values():
        assert definition.description_en and definition.description_nl, definition.code


def test_group_facts_split_revenue_and_quantity_per_product_group():
    credits = pl.DataFrame(
        {
            "line_id": [1, 2, 3],
            "person_id": [1, 1, 1],
            "date": [D(2026, 1, 3), D(2026, 1, 8), D(2026, 1, 9)],
            "amount_cents": [100_000, 50_000, 20_000],
            "cost_cents": [None, None, None],
            "quantity": [10, 4, 2],
            "share_bp": [10_000, 5_000, 10_000],
            "product_group_id": [7, 7, 8],
        }
    )
    rows = {r["product_group_id"]: r for r in kpi.group_facts(credits).to_dicts()}
    assert (rows[7]["revenue_cents"], rows[7]["quantity"]) == (125_000, 12)
    assert (rows[8]["revenue_cents"], rows[8]["quantity"]) == (20_000, 2)


def _credits(rows: list[tuple[int, int, int, int, int | None, int]]) -> pl.DataFrame:
    """(line, person, share bp, amount cents, cost cents, quantity) on 10 January."""
    return pl.DataFrame(
        [
            {
                "line_id": line,
                "person_id": person,
                "date": D(2026, 1, 10),
                "amount_cents": amount,
                "cost_cents": cost,
                "quantity": quantity,
                "share_bp": share,
                "product_group_id": 1,
            }
            for line, person, share, amount, cost, quantity in rows
        ],
        schema_overrides={"cost_cents": pl.Int64},
    )


def test_a_split_line_adds_up_to_the_cent_with_the_leftover_to_the_largest_share():
    # € 100.01 over 33.33% / 33.33% / 33.34%: 33.33, 33.33 and 33.34 plus the cent left
    facts = kpi.order_facts(
        _credits([(1, 1, 3_333, 10_001, 4_001, 7), (1, 2, 3_333, 10_001, 4_001, 7)]).vstack(
            _credits([(1, 3, 3_334, 10_001, 4_001, 7)])
        )
    )
    revenue = [facts_value(facts, "revenue", person=p) for p in (1, 2, 3)]
    assert revenue == [33.33, 33.33, 33.35] and sum(revenue) == pytest.approx(100.01)
    margin = [facts_value(facts, "gross_margin", person=p) for p in (1, 2, 3)]
    assert margin == [19.99, 19.99, 20.02]  # € 60.00: 19.998 twice and 20.004, two cents left
    volume = [facts_value(facts, "volume", person=p) for p in (1, 2, 3)]
    # 0.007 units: 0.00233 twice and 0.00233 → the thousandth left to the largest share
    assert volume == [0.002, 0.002, 0.003]


def test_the_kpi_facts_and_the_pay_engine_split_a_line_alike():
    """594.58 split 0.01% / 99.99%: the facts gave 594.57 while pay credited 594.53 + 0.05."""
    from koers.engine import comp

    credits = _credits([(1, 1, 1, 59_458, None, 1), (1, 2, 9_999, 59_458, None, 1)])
    facts = kpi.order_facts(credits)
    paid = comp.split_values(credits, pl.col("amount_cents"))
    by_person = dict(zip(paid["person_id"], paid["value"], strict=True))
    assert facts_value(facts, "revenue", person=2) * 100 == by_person[2] == 59_453
    assert facts_value(facts, "revenue", person=1) * 100 == by_person[1] == 5


def test_a_return_is_split_with_its_sign():
    facts = kpi.order_facts(
        _credits([(1, 1, 5_000, -10_001, None, -3), (1, 2, 5_000, -10_001, None, -3)])
    )
    assert [facts_value(facts, "revenue", person=p) for p in (1, 2)] == [-50.01, -50.0]
    assert [facts_value(facts, "volume", person=p) for p in (1, 2)] == [-0.002, -0.001]


def test_quantities_add_exactly_to_the_thousandth():
    """Three lines of 0.4 units once counted as 0 (each rounded to a whole unit)."""
    facts = kpi.order_facts(_credits([(n, 1, 10_000, 1_000, None, 400) for n in (1, 2, 3)]))
    assert facts_value(facts, "volume") == pytest.approx(1.2)


def test_marketing_and_sales_leads_and_logged_lead_activities():
    activities = pl.DataFrame(
        {
            "person_id": [1, 1, 1, 1],
            "date": [D(2026, 1, 5), D(2026, 1, 6), D(2026, 1, 7), D(2026, 1, 8)],
            "kind": ["lead", "visit", "call", "meeting"],
            "minutes": [0, 0, 0, 0],
            "new_account": [None, None, None, None],
        },
        schema_overrides={"new_account": pl.Boolean},
    )
    leads = pl.DataFrame(
        {
            "person_id": [1, 1, 1, 1],
            "date": [D(2026, 1, 2), D(2026, 1, 3), D(2026, 1, 4), D(2026, 1, 4)],
            "source": ["marketing", "marketing", "marketing", "sales"],
        }
    )
    facts = kpi.lead_facts(activities, leads)
    assert facts_value(facts, "marketing_leads") == 3
    assert facts_value(facts, "sales_leads") == 2  # one record, one logged lead activity
    assert facts_value(facts, "leads") == 5


def test_new_customers_count_won_new_business_only():
    opportunities = pl.DataFrame(
        {
            "person_id": [1, 1, 1, 1],
            "created_on": [D(2025, 12, 1)] * 4,
            "closed_on": [D(2026, 1, 5)] * 4,
            "outcome": ["won", "won", "won", "lost"],
            "amount_cents": [1, 1, 1, 1],
            "new_business": [True, True, False, True],
        }
    )
    assert facts_value(kpi.opportunity_facts(opportunities), "new_customers") == 2


def test_dso_weighs_even_the_smallest_invoice():
    payments = pl.DataFrame(
        {
            "person_id": [1, 1],
            "invoice_date": [D(2026, 1, 1), D(2026, 1, 1)],
            "paid_date": [D(2026, 1, 11), D(2026, 1, 31)],
            "amount_cents": [99, 1],
        }
    )
    assert facts_value(kpi.payment_facts(payments), "dso") == pytest.approx(10.2)


@pytest.mark.parametrize("score", [-1, 11])
def test_nps_refuses_a_score_just_outside_the_scale(score):
    with pytest.raises(ValueError, match="0-10"):
        _nps([score])


def test_value_divides_ratios_adds_counts_and_gives_money_in_euros():
    catalogue = kpi.CATALOGUE
    assert kpi.value(catalogue["win_rate"], 1, 0) is None  # nothing decided: no rate
    assert kpi.value(catalogue["win_rate"], 1, 4) == 25.0
    assert kpi.value(catalogue["visits"], 5, 0) == 5  # a count needs no denominator
    assert kpi.value(catalogue["revenue"], 12_345, 1) == 123.45


def test_the_catalogue_says_which_way_is_better_and_describes_in_each_language():
    catalogue = kpi.CATALOGUE
    assert not catalogue["sales_cycle"].higher_is_better
    assert not catalogue["dso"].higher_is_better
    assert catalogue["revenue"].higher_is_better and catalogue["win_rate"].ratio
    assert not catalogue["revenue"].ratio and not any(d.custom for d in catalogue.values())
    assert catalogue["nps"].description_en.startswith("% promoters (9-10) minus")
    assert catalogue["nps"].description_nl.startswith("% promoters (9-10) min % criticasters")
    plain = kpi.KpiDefinition("x", "X", "X", "leading", "activity", "count")
    assert plain.higher_is_better and not plain.ratio and not plain.custom
    with pytest.raises(AttributeError):
        plain.code = "y"  # definitions are values: nobody changes one in place
