from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from koers.engine.deviations import deviations


def _series(values: list[float], person: int = 1) -> pl.DataFrame:
    months = [dt.date(2026, m + 1, 1) for m in range(len(values))]
    return pl.DataFrame(
        {"person_id": [person] * len(values), "month": months, "value": [float(v) for v in values]}
    )


def test_a_drop_from_the_persons_own_trend_is_flagged():
    flagged = deviations(_series([100, 110, 90, 100, 60, 105]))
    assert flagged["month"].to_list() == [dt.date(2026, 5, 1)]
    assert flagged["baseline"][0] == pytest.approx(100.0)
    assert flagged["deviation_pct"][0] == pytest.approx(-40.0)


def test_for_lower_is_better_a_rise_is_the_deviation():
    flagged = deviations(_series([30, 30, 30, 45, 29]), higher_is_better=False)
    assert flagged["month"].to_list() == [dt.date(2026, 4, 1)]


def test_small_moves_and_short_histories_are_not_flagged():
    assert deviations(_series([100, 100, 90, 80])).height == 0  # -15% and -10%
    assert deviations(_series([100, 10])).height == 0  # not enough history
    people = pl.concat([_series([100, 100, 100, 50], 1), _series([10, 10, 10, 11], 2)])
    assert deviations(people)["person_id"].to_list() == [1]
