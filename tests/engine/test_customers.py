from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from koers.engine.customers import (
    PyramidThresholds,
    flows,
    lifecycle,
    lifetime_value,
    pyramid,
    pyramid_summary,
)

D = dt.date


def _revenue(rows: list[tuple[int, dt.date, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"account_id": pl.Int64, "month": pl.Date, "revenue_cents": pl.Int64},
        orient="row",
    )


def test_pyramid_classes_by_twelve_month_revenue():
    revenue = _revenue(
        [
            (1, D(2026, 3, 1), 30_000_000),
            (1, D(2026, 9, 1), 0),  # € 300,000: top
            (2, D(2025, 12, 1), 6_000_000),  # € 60,000: large (first month inside the window)
            (3, D(2025, 11, 1), 9_000_000),
            (3, D(2026, 11, 1), 500_000),  # only € 5,000 counts
            (4, D(2026, 1, 1), 1_000_000),  # € 10,000: medium (the threshold is inclusive)
        ]
    )
    classes = pyramid(revenue, pl.Series([1, 2, 3, 4, 5]), D(2026, 11, 23))
    assert dict(zip(classes["account_id"], classes["class"], strict=True)) == {
        1: "top",
        2: "large",
        3: "small",
        4: "medium",
        5: "inactive",
    }
    summary = {row["class"]: row for row in pyramid_summary(classes)}
    assert summary["top"]["accounts"] == 1 and summary["inactive"]["accounts"] == 1
    assert summary["top"]["share"] == pytest.approx(30_000_000 / 37_500_000 * 100)


def test_pyramid_thresholds_are_configurable_and_checked():
    classes = pyramid(
        _revenue([(1, D(2026, 5, 1), 2_000_000)]),
        pl.Series([1]),
        D(2026, 11, 23),
        PyramidThresholds(top=20_000, large=15_000, medium=5_000),
    )
    assert classes["class"][0] == "top"
    with pytest.raises(ValueError):
        PyramidThresholds(top=10, large=20, medium=5)


def test_pyramid_without_any_orders_is_all_inactive():
    classes = pyramid(_revenue([]), pl.Series([1, 2]), D(2026, 11, 23))
    assert set(classes["class"]) == {"inactive"}
    assert all(row["share"] is None for row in pyramid_summary(classes))


def test_lifecycle_flows_and_retention():
    revenue = _revenue(
        [
            (1, D(2025, 3, 1), 100),
            (1, D(2026, 2, 1), 100),  # retained
            (2, D(2025, 6, 1), 100),  # lost
            (3, D(2026, 4, 1), 100),  # new
            (4, D(2023, 1, 1), 100),
            (4, D(2026, 5, 1), 100),  # won back
            (5, D(2025, 1, 1), 100),
            (5, D(2026, 6, 1), 100),  # retained
            (6, D(2026, 7, 1), -50),  # only a credit note: not a purchase
        ]
    )
    result = flows(revenue, D(2025, 12, 1), D(2026, 11, 30))
    assert (result.active_before, result.retained, result.lost) == (3, 2, 1)
    assert (result.new, result.won_back, result.active) == (1, 1, 4)
    assert result.retention == pytest.approx(200 / 3)


def test_a_customer_from_before_the_loaded_history_is_won_back_not_new():
    """The page loads 36 months: a customer who last bought four years ago is not new."""
    revenue = _revenue([(7, D(2026, 5, 1), 100)])
    assert flows(revenue, D(2025, 12, 1), D(2026, 11, 30)).new == 1
    with_history = flows(revenue, D(2025, 12, 1), D(2026, 11, 30), {7: D(2022, 3, 1)})
    assert (with_history.new, with_history.won_back) == (0, 1)


def test_the_lifecycle_and_the_flows_count_new_customers_alike():
    revenue = _revenue(
        [
            (1, D(2025, 3, 1), 100),
            (1, D(2026, 2, 1), 100),  # loyal
            (2, D(2025, 6, 1), 100),  # ex (lost this year)
            (3, D(2026, 4, 1), 100),  # new
            (4, D(2021, 1, 1), 100),  # ex (long gone)
        ]
    )
    first = {1: D(2025, 3, 1), 2: D(2025, 6, 1), 3: D(2026, 4, 1), 4: D(2021, 1, 1)}
    last = {1: D(2026, 2, 1), 2: D(2025, 6, 1), 3: D(2026, 4, 1), 4: D(2021, 1, 1)}
    start = D(2025, 12, 1)
    stages = lifecycle([1, 2, 3, 4, 5], first, last, start)
    assert stages == {"potential": 1, "new": 1, "loyal": 1, "ex": 2}
    flow = flows(revenue, start, D(2026, 11, 30), first)
    assert flow.new == stages["new"] and flow.active == stages["new"] + stages["loyal"]
    assert flow.lost <= stages["ex"]


def test_lifetime_value():
    assert lifetime_value(100_000, 80.0) == pytest.approx(500_000)  # 5 years
    assert lifetime_value(100_000, 100.0) == 2_000_000  # capped at 20 years
    assert lifetime_value(100_000, None) is None


def test_one_point_more_retention_over_the_customers_lifetime():
    from koers.engine.customers import retention_effect

    # € 1,000 margin a year, 80% retention: 5 years, € 5,000; at 81%: 1 / 0.19 = 5.263 years
    each, total, share = retention_effect(100_000, 80.0, 40)
    assert each == pytest.approx(100_000 / 0.19 - 500_000)  # € 263.16 a customer
    assert total == pytest.approx(40 * each)
    assert share == pytest.approx(0.0526, abs=1e-4)  # the 4–5% of the textbook, a bit more
    assert retention_effect(100_000, None, 40) is None
    assert retention_effect(100_000, 100.0, 40) is None  # nothing left to keep
    assert retention_effect(0, 80.0, 40) is None  # no margin to keep
    # at the 20-year cap one point more adds nothing
    assert retention_effect(100_000, 96.0, 40)[0] == pytest.approx(0)


def test_account_month_facts_sum_revenue_and_the_margin_of_costed_lines():
    import datetime as dt

    from koers.engine.customers import account_month_facts

    lines = pl.DataFrame(
        {
            "account_id": [1, 1, 1, 2],
            "date": [
                dt.date(2026, 1, 3),
                dt.date(2026, 1, 20),
                dt.date(2026, 2, 1),
                dt.date(2026, 1, 9),
            ],
            "amount_cents": [100_000, -20_000, 5_000, 7_000],
            "cost_cents": [60_000, -12_000, None, 3_000],
        }
    )
    rows = {(r["account_id"], r["month"].month): r for r in account_month_facts(lines).to_dicts()}
    assert rows[(1, 1)]["revenue_cents"] == 80_000  # a return is a negative line
    assert rows[(1, 1)]["margin_cents"] == 32_000
    assert rows[(1, 2)]["margin_cents"] == 0  # no cost known: no margin
    assert rows[(2, 1)]["revenue_cents"] == 7_000


def test_customer_profitability_by_hand():
    from koers.engine.customers import (
        ServiceRates,
        customer_profitability,
        profitability_by_class,
    )

    classes = pl.DataFrame(
        {
            "account_id": [1, 2, 3],
            "revenue_cents": [900_000, 50_000, 0],
            "class": ["top", "small", "inactive"],
        }
    )
    margins = pl.DataFrame({"account_id": [1, 2], "margin_cents": [300_000, 10_000]})
    services = pl.DataFrame(
        {"account_id": [1, 2, 3], "visits": [4, 1, 2], "calls": [10, 0, 1], "returns": [0, 1, 0]}
    )
    rows = customer_profitability(classes, margins, services, ServiceRates(15_000, 1_500, 4_000))
    profit = dict(zip(rows["account_id"], rows["profit_cents"], strict=True))
    # top: € 3,000 margin less 4 visits × € 150 and 10 calls × € 15 = € 2,250
    # small: € 100 less a visit and a return (€ 190) = € -90; the prospect: € -315
    assert profit == {1: 225_000, 2: -9_000, 3: -31_500}
    summary = {r["class"]: (r["profit_cents"], r["losing"]) for r in profitability_by_class(rows)}
    assert summary == {"top": (225_000, 0), "small": (-9_000, 1), "inactive": (-31_500, 1)}


def test_a_discount_is_a_cost_to_serve_counted_once():
    from koers.engine.customers import ServiceRates, customer_profitability

    classes = pl.DataFrame({"account_id": [1], "revenue_cents": [90_000], "class": ["large"]})
    # sold € 900 for € 1,000 at list price: € 300 margin realised, € 100 of discount
    margins = pl.DataFrame({"account_id": [1], "margin_cents": [30_000]})
    services = pl.DataFrame(
        {"account_id": [1], "visits": [1], "calls": [0], "returns": [0], "discount_cents": [10_000]}
    )
    row = customer_profitability(classes, margins, services, ServiceRates(15_000, 1_500, 4_000))
    found = row.select("list_margin_cents", "discount_cents", "serve_cents", "profit_cents").row(0)
    # € 400 at list price, € 100 discount + € 150 visit to serve, € 150 profit
    assert found == (40_000, 10_000, 25_000, 15_000)
