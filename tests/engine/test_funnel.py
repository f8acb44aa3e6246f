import polars as pl
import pytest

from koers.engine.funnel import funnel

STAGES = [("suspect", 1), ("prospect", 2), ("hot_prospect", 3), ("customer", 4)]


def test_each_step_counts_everything_that_got_at_least_that_far():
    highest = pl.DataFrame({"opportunity_id": range(10), "order": [1, 1, 1, 1, 2, 2, 3, 3, 4, 4]})
    steps = funnel(highest, STAGES)
    assert [s.reached for s in steps] == [10, 6, 4, 2]
    assert steps[0].conversion is None
    assert [s.conversion for s in steps[1:]] == pytest.approx([60.0, 66.667, 50.0], rel=1e-3)


def test_an_empty_funnel():
    steps = funnel(
        pl.DataFrame(
            {"opportunity_id": [], "order": []},
            schema={"opportunity_id": pl.Int64, "order": pl.Int64},
        ),
        STAGES,
    )
    assert [s.reached for s in steps] == [0, 0, 0, 0]
    assert steps[1].conversion is None
