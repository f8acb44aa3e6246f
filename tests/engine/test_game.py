"""Gamification and reward choice, against figures computed by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from koers.engine import game

NOV = dt.date(2026, 11, 1)


def facts(*rows):
    return pl.DataFrame(list(rows), schema=game.FACTS, orient="row")


RULES = pl.DataFrame(
    [("visits", 1, 1), ("won_deals", 10, 1), ("revenue", 1, 100_000)],
    schema=game.RULES,
    orient="row",
)


def test_points_count_whole_units_of_each_rule():
    scored = game.points(
        facts((1, NOV, "visits", 12), (1, NOV, "revenue", 250_050), (2, NOV, "won_deals", 3)),
        RULES,
    )
    # 12 visits; € 2,500.50 is two whole € 1,000 steps; 3 deals × 10
    assert scored.rows() == [
        (1, NOV, "revenue", 2),
        (1, NOV, "visits", 12),
        (2, NOV, "won_deals", 30),
    ]


def test_negative_figures_score_nothing_and_bad_rules_are_refused():
    assert game.points(facts((1, NOV, "revenue", -500_000)), RULES)["points"].to_list() == [0]
    bad = pl.DataFrame([("visits", 1, 0)], schema=game.RULES, orient="row")
    with pytest.raises(ValueError):
        game.points(facts(), bad)


def test_badges_are_won_in_the_month_the_level_is_reached():
    rules = pl.DataFrame([("road-warrior", "visits", 30)], schema=game.BADGES, orient="row")
    dec = dt.date(2026, 12, 1)
    won = game.badges(
        facts((1, NOV, "visits", 30), (1, dec, "visits", 29), (2, NOV, "visits", 5)), rules
    )
    assert won.rows() == [(1, NOV, "road-warrior")]


def test_boards_rank_with_shared_places_and_teams_per_member():
    scores = pl.DataFrame({"person_id": [1, 2, 3], "points": [50, 50, 20]})
    people = pl.DataFrame({"person_id": [1, 2, 3, 4], "shown": [True, False, True, True]})
    board = game.board(scores, people)
    assert board.select("person_id", "points", "rank").rows() == [
        (1, 50, 1),
        (2, 50, 1),
        (3, 20, 3),
        (4, 0, 4),
    ]
    units = pl.DataFrame({"person_id": [1, 2, 3, 4], "unit_id": [10, 10, 20, 20]})
    teams = game.team_board(scores, units)
    # team 10: 100 points over 2; team 20: 20 over 2
    assert teams.select("unit_id", "points_per_member", "rank").rows() == [(10, 50, 1), (20, 10, 2)]


def test_a_reward_taken_as_days_off_or_training():
    # € 700 at a day rate of € 275: five half days (€ 687.50), € 12.50 stays cash
    assert game.convert(70_000, "days", 27_500, 11_000) == {
        "cash_cents": 1_250,
        "half_days": 5,
        "training_cents": 0,
    }
    # € 700 as training at 110%: € 770 of training budget, nothing in cash
    assert game.convert(70_000, "training", 27_500, 11_000) == {
        "cash_cents": 0,
        "half_days": 0,
        "training_cents": 77_000,
    }
    assert game.convert(70_000, "cash", 27_500, 11_000)["cash_cents"] == 70_000
    with pytest.raises(ValueError):
        game.convert(70_000, "gold", 27_500, 11_000)
