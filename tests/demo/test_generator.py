"""The demo organisation: deterministic, consistent, and with real causality."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from koers.demo.generate import generate

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo() -> dict[str, pl.DataFrame]:
    return generate(TODAY, scale=1, seed=2026)


def test_same_seed_gives_the_same_organisation(demo):
    again = generate(TODAY, scale=1, seed=2026)
    for table, frame in demo.items():
        assert frame.equals(again[table]), table


def test_another_seed_gives_other_history(demo):
    other = generate(TODAY, scale=1, seed=7)
    assert not demo["sales_orderline"].equals(other["sales_orderline"])


def test_size_matches_the_brief(demo):
    units = demo["org_orgunit"]
    assert units.filter(pl.col("kind") == "country").height == 4
    assert units.filter(pl.col("kind") == "team").height == 8
    sellers = demo["org_person"].filter(pl.col("role").is_in(["salesperson", "manager"]))
    assert sellers.height == 48
    assert demo["sales_account"].height == 4000


def test_scale_multiplies_the_volume():
    double = generate(TODAY, scale=2, seed=2026)
    assert double["sales_account"].height == 8000
    assert double["org_orgunit"].filter(pl.col("kind") == "team").height == 16


def _sums_to_100(frame: pl.DataFrame, key: str) -> bool:
    totals = frame.group_by(key).agg(pl.col("percent").cast(pl.Float64).sum())
    return bool((totals["percent"] == 100.0).all())


def test_every_split_and_credit_adds_up_to_100(demo):
    assert _sums_to_100(demo["sales_opportunitysplit"], "opportunity_id")
    assert _sums_to_100(demo["sales_orderlinecredit"], "line_id")
    credited = demo["sales_orderlinecredit"]["line_id"].unique().len()
    assert credited == demo["sales_orderline"].height


def test_won_deals_are_delivered_to_the_cent(demo):
    lines = demo["sales_orderline"].filter(
        pl.col("opportunity_id").is_not_null() & (pl.col("kind") == "sale")
    )
    cents = pl.col("amount").str.replace(r"\.", "").cast(pl.Int64)
    delivered = lines.group_by("opportunity_id").agg(cents.sum().alias("d"))
    deals = demo["sales_opportunity"].select(pl.col("id").alias("opportunity_id"), cents.alias("a"))
    joined = delivered.join(deals, on="opportunity_id")
    assert joined.height > 500 and (joined["d"] == joined["a"]).all()


def test_corrections_are_negative_and_reference_their_original(demo):
    lines = demo["sales_orderline"]
    corrections = lines.filter(pl.col("kind") != "sale")
    assert corrections.height > 100
    assert corrections["original_id"].is_not_null().all()
    assert (corrections["amount"].cast(pl.Float64) < 0).all()
    originals = lines.filter(pl.col("id").is_in(corrections["original_id"].implode()))
    assert (originals["kind"] == "sale").all()


def test_nothing_lies_in_the_future_and_references_resolve(demo):
    assert demo["sales_orderline"]["order_date"].max() <= TODAY
    assert demo["sales_activity"]["date"].max() <= TODAY
    paid = demo["sales_orderline"].drop_nulls("paid_date")
    assert (paid["paid_date"] >= paid["invoice_date"]).all()
    ids = set(demo["sales_account"]["id"])
    assert set(demo["sales_opportunity"]["account_id"]) <= ids
    people = set(demo["org_person"]["id"])
    assert set(demo["sales_orderlinecredit"]["person_id"]) <= people


def test_customer_pyramid_shape(demo):
    sizes = demo["sales_account"]["size_class"].value_counts().sort("size_class")
    counts = dict(zip(sizes["size_class"], sizes["count"], strict=True))
    assert counts["enterprise"] < counts["large"] < counts["medium"] < counts["small"]
    lifecycle = set(demo["sales_account"]["lifecycle"])
    assert lifecycle == {"potential", "new", "loyal", "ex"}


def _monthly(frame: pl.DataFrame, date_col: str, value: pl.Expr, by: str) -> pl.DataFrame:
    return (
        frame.with_columns(pl.col(date_col).dt.truncate("1mo").alias("month"))
        .group_by(by, "month")
        .agg(value.alias("v"))
    )


def test_quotes_lead_won_revenue(demo):
    """Within each salesperson's own history, quotes in a month go with won-deal revenue
    a month later and not with revenue before: the leading indicator really leads."""
    quotes = _monthly(
        demo["sales_activity"].filter(pl.col("kind") == "quote"), "date", pl.len(), "owner_id"
    )
    won = demo["sales_opportunity"].filter(pl.col("stage_id") == 4)
    revenue = _monthly(won, "closed_on", pl.col("amount").cast(pl.Float64).sum(), "owner_id")

    def demeaned(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(pl.col("v") - pl.col("v").mean().over("owner_id"))

    def correlation(lag: int) -> float:
        shifted = revenue.with_columns(pl.col("month").dt.offset_by(f"{-lag}mo"))
        joined = demeaned(quotes).join(demeaned(shifted), on=["owner_id", "month"])
        return float(np.corrcoef(joined["v"], joined["v_right"])[0, 1])

    by_lag = {lag: correlation(lag) for lag in range(-3, 5)}
    assert max(by_lag, key=by_lag.get) == 1
    assert by_lag[1] > 0.15 and max(by_lag[-3], by_lag[-2], by_lag[-1]) < 0.1


def _person(demo, username: str) -> int:
    users = demo["auth_user"].filter(pl.col("username") == username)
    return int(users["id"][0])


def _won(demo, person_id: int):
    deals = demo["sales_opportunity"].filter(
        (pl.col("owner_id") == person_id) & pl.col("stage_id").is_in([4, 5])
    )
    return deals.height, deals.filter(pl.col("stage_id") == 4).height


def test_the_named_cast_tells_its_stories(demo):
    top, struggler, rep = (
        _person(demo, "bas.vermeulen"),
        _person(demo, "eva.dewit"),
        _person(demo, "rep"),
    )
    credits = demo["sales_orderlinecredit"].join(
        demo["sales_orderline"].select(pl.col("id").alias("line_id"), "amount"), on="line_id"
    )
    revenue = credits.group_by("person_id").agg(pl.col("amount").cast(pl.Float64).sum())
    team = demo["org_person"].filter(pl.col("manager_id") == _person(demo, "manager"))["id"]
    team_revenue = revenue.filter(pl.col("person_id").is_in(team.implode()))
    assert team_revenue.sort("amount")["person_id"][-1] == top
    decided, won = _won(demo, struggler)
    decided_rep, won_rep = _won(demo, rep)
    assert won / decided < won_rep / decided_rep
    nps = demo["sales_npsresponse"].group_by("person_id").agg(pl.col("score").mean())
    assert nps.filter(pl.col("person_id") == struggler)["score"][0] > nps["score"].mean()


def test_the_new_hire_ramps_up(demo):
    newbie = _person(demo, "noah.bakker")
    person = demo["org_person"].filter(pl.col("id") == newbie)
    assert person["start_date"][0] == dt.date(2026, 7, 1)
    visits = _monthly(
        demo["sales_activity"].filter((pl.col("owner_id") == newbie) & (pl.col("kind") == "visit")),
        "date",
        pl.len(),
        "owner_id",
    ).sort("month")
    assert visits["month"][0] >= dt.date(2026, 7, 1)
    assert visits["v"][0] < visits["v"][-2]
