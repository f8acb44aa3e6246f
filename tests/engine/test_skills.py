"""The skills matrix's anonymity and averages, blind spots, SMART checks and the
difference in differences."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from koers.engine import coaching
from koers.engine.skills import (
    Rating,
    SmartGoal,
    blind_spot,
    difference_in_differences,
    gap,
    matrix,
    smart_failures,
    team_profile,
)

TODAY = dt.date(2026, 11, 30)


def _peers(n: int, score: int = 4) -> list[Rating]:
    return [Rating(1, 7, "peer", rater, score) for rater in range(100, 100 + n)]


def test_two_peers_show_nothing_three_show_an_average():
    two = matrix(_peers(2) + [Rating(1, 7, "manager", 1, 2)])[(1, 7)]
    assert two["peer"].value is None and two["peer"].hidden and two["peer"].raters == 2
    # the hidden peers do not leak into the combined score either
    assert two["combined"].value == 2 and two["combined"].raters == 1
    three = matrix([*_peers(2, 4), Rating(1, 7, "peer", 300, 5)])[(1, 7)]
    assert three["peer"].value == pytest.approx(13 / 3) and not three["peer"].hidden


def test_the_combined_score_weighs_each_source_once_and_leaves_self_out():
    ratings = [
        Rating(1, 7, "self", 1, 5),
        Rating(1, 7, "manager", 2, 2),
        *_peers(4, 4),
        Rating(1, 7, "customer", 9, 3),
        Rating(1, 7, "customer", 10, 5),
    ]
    cells = matrix(ratings)[(1, 7)]
    assert cells["customer"].value == 4
    assert cells["combined"].value == pytest.approx((2 + 4 + 4) / 3)
    assert cells["combined"].raters == 1 + 4 + 2
    assert cells["self"].value == 5


def test_a_rater_who_answers_twice_counts_once_with_the_last_answer():
    cells = matrix([Rating(1, 7, "manager", 2, 2), Rating(1, 7, "manager", 2, 4)])[(1, 7)]
    assert cells["manager"].value == 4 and cells["manager"].raters == 1


@pytest.mark.parametrize(
    "rating",
    [Rating(1, 7, "boss", 1, 3), Rating(1, 7, "self", 1, 0), Rating(1, 7, "self", 1, 6)],
)
def test_an_unknown_source_or_a_score_off_the_scale_is_refused(rating):
    with pytest.raises(ValueError):
        matrix([rating])


@given(st.lists(st.integers(1, 5), min_size=0, max_size=12))
def test_peers_show_exactly_from_the_minimum_on(scores):
    ratings = [Rating(1, 1, "peer", i, s) for i, s in enumerate(scores)]
    if not ratings:
        assert matrix(ratings) == {}
        return
    cell = matrix(ratings)[(1, 1)]["peer"]
    assert cell.hidden == (len(scores) < 3)
    if len(scores) >= 3:
        assert 1 <= cell.value <= 5


def test_blind_spots_and_gaps():
    assert blind_spot(5, 3.9) == "over"
    assert blind_spot(4, 3.1) is None
    assert blind_spot(2, 3.0) == "under"
    assert blind_spot(None, 3) is None
    assert gap(2.5, 4) == 1.5 and gap(4.2, 4) == 0 and gap(None, 4) is None


def test_the_team_profile_lists_strengths_first():
    cells = matrix(
        [
            Rating(1, 7, "manager", 9, 2),
            Rating(2, 7, "manager", 9, 3),
            Rating(1, 8, "manager", 9, 5),
        ]
    )
    profile = team_profile(cells)
    assert [(p.competency, p.mean, p.people) for p in profile] == [(8, 5, 1), (7, 2.5, 2)]


def _goal(**changes) -> SmartGoal:
    base = {
        "description": "Win three new accounts in the Utrecht region",
        "kpi": "new_customers",
        "target_value": 3.0,
        "due": dt.date(2027, 3, 31),
        "history": [1.0, 2.0, 2.0],
        "relevant": True,
    }
    return SmartGoal(**(base | changes))


def test_a_smart_goal_passes_every_letter():
    assert smart_failures(_goal(), today=TODAY) == []


@pytest.mark.parametrize(
    ("changes", "letters"),
    [
        ({"description": "do better"}, ["S"]),
        ({"kpi": None}, ["M"]),
        ({"target_value": None}, ["M"]),
        ({"target_value": 3.01}, ["A"]),  # 2 × 1.5 = 3 is the edge
        ({"history": []}, ["A"]),
        ({"relevant": False}, ["R"]),
        ({"due": None}, ["T"]),
        ({"due": TODAY}, ["T"]),
        ({"due": TODAY + dt.timedelta(days=367)}, ["T"]),
        ({"description": "more", "relevant": False, "due": None}, ["S", "R", "T"]),
    ],
)
def test_each_failing_letter_is_named(changes, letters):
    assert smart_failures(_goal(**changes), today=TODAY) == letters


def test_achievable_runs_the_other_way_when_lower_is_better():
    # a cycle of 30 days at best: 30 / 1.5 = 20 days is the edge of what is achievable
    goal = _goal(kpi="cycle_days", target_value=20.0, history=[40.0, 30.0], higher_is_better=False)
    assert smart_failures(goal, today=TODAY) == []
    assert smart_failures(_goal(**{**goal.__dict__, "target_value": 19.9}), today=TODAY) == ["A"]


def test_difference_in_differences_by_hand():
    # participants rose 10 and 20 (mean 15), colleagues rose 4, 6 and 2 (mean 4): effect 11
    effect = difference_in_differences(
        treated=[(100, 110), (50, 70)], control=[(80, 84), (60, 66), (90, 92)]
    )
    assert (effect.treated, effect.control) == (2, 3)
    assert effect.effect == 11
    assert effect.treated_before == 75 and effect.treated_after == 90
    assert effect.control_before == pytest.approx(230 / 3)
    # Welch: var(10, 20) = 50, var(4, 6, 2) = 4 → √(50/2 + 4/3)
    assert effect.standard_error == pytest.approx((25 + 4 / 3) ** 0.5)


def test_a_group_of_one_has_no_error_and_an_empty_group_no_effect():
    one = difference_in_differences(treated=[(1, 3)], control=[(1, 2), (2, 2)])
    assert one.effect == 1.5 and one.standard_error is None
    none = difference_in_differences(treated=[(1, 3)], control=[])
    assert none.effect is None and none.control == 0 and none.control_before is None


@given(
    st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=1, max_size=20),
    st.floats(-1e3, 1e3),
)
def test_a_common_shift_of_both_groups_leaves_the_effect_unchanged(pairs, shift):
    control = [(b + 1, a - 1) for b, a in pairs]
    base = difference_in_differences(pairs, control).effect
    moved = difference_in_differences(
        [(b, a + shift) for b, a in pairs], [(b, a + shift) for b, a in control]
    ).effect
    assert moved == pytest.approx(base, abs=1e-6)


# --- coaching signals, one rule at a time on planted figures -------------------------


def _codes(people) -> set[tuple[int, str]]:
    return {(s.person, s.code) for s in coaching.signals(people)}


def test_under_target_with_strong_skills():
    strong = coaching.Figures(1, 1, attainment=80, skill_score=4.0, skill_gaps=0)
    assert _codes([strong]) == {(1, "under-target-strong-skills")}
    # a gap, weaker skills or being on target: another conversation
    assert _codes([coaching.Figures(1, 1, attainment=80, skill_score=4.0, skill_gaps=1)]) == set()
    assert _codes([coaching.Figures(1, 1, attainment=80, skill_score=3.4, skill_gaps=0)]) == set()
    assert _codes([coaching.Figures(1, 1, attainment=90, skill_score=4.0, skill_gaps=0)]) == set()


def test_strong_results_but_no_new_business():
    assert _codes([coaching.Figures(1, 1, attainment=100, new_customers=0)]) == {
        (1, "no-new-business")
    }
    assert _codes([coaching.Figures(1, 1, attainment=130, new_customers=1)]) == set()
    assert _codes([coaching.Figures(1, 1, attainment=99, new_customers=0)]) == set()


def test_time_on_new_accounts_below_the_team_benchmark():
    team = [
        coaching.Figures(1, 5, new_business_time=10),
        coaching.Figures(2, 5, new_business_time=30),
        coaching.Figures(3, 5, new_business_time=20),
    ]
    signal = next(s for s in coaching.signals(team) if s.code == "little-new-business-time")
    assert signal.person == 1 and signal.figures == {"share": 10, "benchmark": 20}
    # 12 is exactly 60% of the median: not below it
    team[0] = coaching.Figures(1, 5, new_business_time=12)
    assert _codes(team) == set()
    # a team of two has no benchmark
    assert _codes(team[:2]) == set()


def test_a_top_performer_whose_peers_fall_back():
    team = [
        coaching.Figures(1, 5, attainment=125, previous_attainment=110),
        coaching.Figures(2, 5, attainment=80, previous_attainment=95),
        coaching.Figures(3, 5, attainment=85, previous_attainment=90),
    ]
    (signal,) = [s for s in coaching.signals(team) if s.code == "top-performer-peers-fall-back"]
    assert signal.person == 1
    assert signal.figures == {"attainment": 125, "peers_now": 82.5, "peers_before": 92.5}
    team[2] = coaching.Figures(3, 5, attainment=90, previous_attainment=90)  # fell 7.5: no
    assert "top-performer-peers-fall-back" not in {s.code for s in coaching.signals(team)}


def test_a_deviation_without_an_action():
    assert _codes([coaching.Figures(1, 1, deviations_without_action=2)]) == {
        (1, "deviation-without-action")
    }
