"""The workload method against a hand calculation."""

from __future__ import annotations

import pytest

from koers.engine.sizing import size, workload_hours


def test_the_workload_method_by_hand():
    # 10 large × 8 visits + 40 small × 2 visits = 160 visits × 1.5 h = 240 h a year
    assert workload_hours({"large": 10, "small": 40}) == 240
    # 880 selling hours a year per FTE: 0.27 FTE needed against 1 present
    team = size({"large": 10, "small": 40}, fte_present=1.0)
    assert team.fte_needed == pytest.approx(240 / 880)
    assert team.difference == pytest.approx(1 - 240 / 880)


def test_an_understaffed_team_shows_a_shortage():
    team = size({"enterprise": 100}, fte_present=1.0, hours_per_visit=2.0, selling_hours=800)
    # 100 × 12 × 2 = 2,400 h ÷ 800 = 3 FTE needed
    assert (team.fte_needed, team.difference, team.load) == (3.0, -2.0, 3.0)


def test_an_account_without_a_class_counts_as_small():
    assert workload_hours({"": 10}) == workload_hours({"small": 10}) == 30
