"""Learned stage probabilities against hand calculations: the shrinkage towards the
configured probability, the segment's towards the process, and the slip factor."""

from __future__ import annotations

import polars as pl
import pytest

from koers.engine import stage_probability as sp

STAGES = pl.DataFrame(
    {"process_id": [1, 1], "stage_id": [10, 20], "order": [1, 2], "configured": [0.2, 0.5]}
)


def _closed(rows):
    return pl.DataFrame(
        rows, schema=["process_id", "segment", "reached_order", "won"], orient="row"
    )


def test_planted_history_by_hand():
    # 20 closed deals: all reached stage 10; 10 reached stage 20, of which 8 won; 2 of the
    # 10 that stopped at stage 10 won (say, a quick yes)
    rows = [(1, "", 2, True)] * 8 + [(1, "", 2, False)] * 2
    rows += [(1, "", 1, True)] * 2 + [(1, "", 1, False)] * 8
    table = sp.learn(_closed(rows), STAGES)
    process = table.filter(pl.col("segment").is_null())
    first = process.filter(pl.col("stage_id") == 10).row(0, named=True)
    second = process.filter(pl.col("stage_id") == 20).row(0, named=True)
    # stage 10: 20 reached, 10 won; (10 + 10 × 0.2) / (20 + 10) = 0.4
    assert (first["reached"], first["won"], first["observed"]) == (20, 10, 0.5)
    assert first["probability"] == pytest.approx(12 / 30)
    # stage 20: 10 reached, 8 won; (8 + 10 × 0.5) / (10 + 10) = 0.65
    assert second["probability"] == pytest.approx(13 / 20)


def test_a_segment_is_shrunk_towards_its_process():
    rows = [(1, "zorg", 2, True)] * 3 + [(1, "bouw", 2, False)] * 3
    table = sp.learn(_closed(rows), STAGES)
    stage = table.filter(pl.col("stage_id") == 20)
    process = stage.filter(pl.col("segment").is_null())["probability"].item()
    assert process == pytest.approx((3 + 5) / (6 + 10))  # 0.5
    zorg = stage.filter(pl.col("segment") == "zorg")["probability"].item()
    assert zorg == pytest.approx((3 + 10 * 0.5) / (3 + 10))
    assert sp.probability_of(table, 1, 20, "zorg") == pytest.approx(zorg)
    # a segment without a record takes the process's
    assert sp.probability_of(table, 1, 20, "horeca") == pytest.approx(process)
    assert sp.probability_of(table, 1, 99, None) is None


def test_no_history_keeps_the_configured_probabilities():
    table = sp.learn(
        _closed([]).cast(
            {
                "process_id": pl.Int64,
                "segment": pl.String,
                "reached_order": pl.Int64,
                "won": pl.Boolean,
            }
        ),
        STAGES,
    )
    assert table["probability"].to_list() == [0.2, 0.5]
    assert table["observed"].to_list() == [None, None]


def test_many_deals_follow_the_record():
    rows = [(1, "", 2, True)] * 900 + [(1, "", 2, False)] * 100
    table = sp.learn(_closed(rows), STAGES)
    assert sp.probability_of(table, 1, 20, None) == pytest.approx((900 + 5) / 1010)


def test_slip_factor():
    # half of all deals are won, but only 2 of the 10 that slipped
    assert sp.slip_factor(10, 2, 100, 50) == pytest.approx(((2 + 5) / 20) / 0.5)
    assert sp.slip_factor(0, 0, 100, 50) == pytest.approx(1.0)
    assert sp.slip_factor(0, 0, 0, 0) == 1.0


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="reached_order"):
        sp.learn(pl.DataFrame({"process_id": [1]}), STAGES)
