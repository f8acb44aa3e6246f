"""Coaching: SMART goals checked on save, GROW sessions with actions, who may coach whom,
the signals on planted data, and training trajectories with their measured effect."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from koers.engine.periods import add_months
from koers.measure.models import KpiFact, RootCauseAction, RootCauseAnalysis
from koers.plan.models import Target
from koers.steer import coaching, feedback, training
from koers.steer.coaching_page import signal_text
from koers.steer.models import (
    CoachingAction,
    CoachingGoal,
    CoachingSession,
    Competency,
    FeedbackRequest,
    Participation,
)
from tests.conftest import TODAY
from tests.factories import PersonFactory

THIS_MONTH = TODAY.replace(day=1)


@pytest.fixture
def competencies(db):
    from koers.steer.defaults import ensure_defaults
    from koers.steer.models import RoleRequirement

    ensure_defaults(Competency, RoleRequirement)
    return {c.code: c for c in Competency.objects.all()}


def _facts(person, kpi: str, values: list[int], first: dt.date, denominator: int = 1) -> None:
    for k, value in enumerate(values):
        KpiFact.objects.update_or_create(
            kpi=kpi,
            person=person,
            month=add_months(first, k),
            defaults={"numerator": value, "denominator": denominator},
        )


def _goal(cast, **changes):
    values = {
        "person": cast.ruud,
        "description": "Win two new customers in the north",
        "kpi": "new_customers",
        "target_value": 2.0,
        "due_date": TODAY + dt.timedelta(days=90),
        "competency": None,
        "by": cast.user("mia"),
        "today": TODAY,
    }
    return coaching.goal_set(**(values | changes))


def test_a_smart_goal_is_saved_with_its_baseline(cast, competencies):
    _facts(cast.ruud, "new_customers", [1, 2, 0, 1, 2], add_months(THIS_MONTH, -5))
    Target.objects.create(
        kpi="new_customers", person=cast.ruud, month=add_months(THIS_MONTH, -1), value=3
    )
    goal = _goal(cast)
    assert goal.coach == cast.mia and goal.status == "open"
    assert goal.baseline == pytest.approx((0 + 1 + 2) / 3)  # the last three whole months


def test_each_failing_letter_is_named_and_nothing_is_saved(cast, competencies):
    with pytest.raises(ValidationError) as refused:
        _goal(cast, description="more", due_date=TODAY)
    letters = [m[0] for m in refused.value.messages]
    # vague, no history to judge, neither a gap nor a KPI under target, not in the future
    assert letters == ["S", "A", "R", "T"]
    assert not CoachingGoal.objects.exists()


def test_a_skill_gap_makes_a_goal_relevant(cast, competencies):
    _facts(cast.ruud, "new_customers", [1, 2, 1], add_months(THIS_MONTH, -3))
    with pytest.raises(ValidationError) as refused:
        _goal(cast, competency=competencies["prospecting"])
    assert [m[0] for m in refused.value.messages] == ["R"]  # not rated yet: no known gap
    round_ = feedback.round_create(
        name="R",
        closes_on=TODAY + dt.timedelta(days=20),
        competencies=[competencies["prospecting"]],
        by=None,
        owner=cast.mia,
    )
    feedback.round_add_subjects(round_=round_, subjects=[cast.ruud], by=None)
    feedback.round_open(round_=round_, by=None)
    manager = FeedbackRequest.objects.get(round=round_, source="manager")
    feedback.feedback_answer(
        request=manager, scores={competencies["prospecting"].pk: (2, "")}, by=None
    )
    assert _goal(cast, competency=competencies["prospecting"]).pk  # 2 < the required 3


def test_the_coaching_page_names_the_failing_letters(cast, competencies, login):
    client = login(cast.user("mia"))
    response = client.post(
        reverse("steer_coaching_person", args=[cast.ruud.pk]),
        {
            "action": "goal",
            "description": "sell more",
            "kpi": "revenue",
            "target_value": "1,000,000.00",
            "due_date": "2027-02-01",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    text = response.content.decode()
    assert response.status_code == 200 and 'data-testid="smart-errors"' in text
    assert "Specific" in text and "Achievable" in text
    assert not CoachingGoal.objects.exists()


def _session(person, held_on: dt.date, by):  # type: ignore[no-untyped-def]
    """A GROW session with ``person`` on ``held_on``, recorded by ``by``, no actions."""
    return coaching.session_record(
        person=person,
        held_on=held_on,
        aim="Open the Utrecht prospects",
        reality="",
        options="",
        will="",
        actions=[],
        by=by,
    )


@pytest.mark.parametrize(
    ("who", "coachee", "allowed"),
    [
        ("mia", "ruud", True),  # a manager, their own people
        ("dirk", "ruud", True),
        ("ada", "rik", True),
        ("mia", "rik", False),  # another manager's person
        ("ruud", "ruud", False),  # nobody coaches themselves
        ("ruud", "rosa", False),
        ("cora", "ruud", False),
        ("mia", "mia", False),
    ],
)
def test_who_may_coach_whom(cast, competencies, who, coachee, allowed):
    record = lambda: _session(getattr(cast, coachee), TODAY, cast.user(who))  # noqa: E731
    if allowed:
        assert record().coach == getattr(cast, who)
    else:
        with pytest.raises(PermissionDenied):
            record()
        assert not CoachingSession.objects.exists()


def test_a_session_with_actions_and_the_coachee_closes_their_own(cast, competencies, login):
    client = login(cast.user("mia"))
    url = reverse("steer_coaching_person", args=[cast.ruud.pk])
    response = client.post(
        url,
        {
            "action": "session",
            "held_on": "2026-11-20",
            "aim": "Where do the new accounts come from?",
            "reality": "Forty hours a month on existing accounts",
            "options": "Block Friday mornings",
            "will": "Two prospect visits a week",
            "action_0": "Block Friday mornings for prospects",
            "owner_0": str(cast.ruud.pk),
            "due_0": "2026-12-01",
            "action_1": "Share the target list",
            "owner_1": str(cast.mia.pk),
            "due_1": "2026-11-27",
        },
    )
    assert response.status_code == 302
    session = CoachingSession.objects.get()
    assert session.coach == cast.mia and session.actions.count() == 2
    # an action with no due date is refused, and with it the whole session
    response = client.post(
        url, {"action": "session", "held_on": "2026-11-21", "aim": "x", "action_0": "Call"}
    )
    assert response.status_code == 200 and CoachingSession.objects.count() == 1
    own = CoachingAction.objects.get(owner=cast.ruud)
    ruud = login(cast.user("ruud"))
    page = ruud.get(url).content.decode()
    assert "Block Friday mornings" in page and 'data-testid="session-form"' not in page
    ruud.post(url, {"action": "done", "item": own.pk, "follow_up": "Three visits booked"})
    own.refresh_from_db()
    assert own.done_on == TODAY and own.follow_up == "Three visits booked"
    # but he may not set himself a goal or record a session
    assert ruud.post(url, {"action": "session", "aim": "x"}).status_code == 403
    # and a colleague sees nothing of it
    assert login(cast.user("rosa")).get(url).status_code == 404


def test_a_salesperson_opening_coaching_lands_on_their_own_page(cast, login):
    response = login(cast.user("ruud")).get(reverse("steer_coaching"))
    assert response.status_code == 302
    assert response.url == reverse("steer_coaching_person", args=[cast.ruud.pk])


# --- the signals on planted data ---------------------------------------------------


def _revenue(person, euros_per_month: list[int], first: dt.date) -> None:
    _facts(person, "revenue", [e * 100 for e in euros_per_month], first)


def _targets(person, euros: int, first: dt.date, months: int) -> None:
    for k in range(months):
        Target.objects.create(kpi="revenue", person=person, month=add_months(first, k), value=euros)


def test_the_signals_on_planted_data(cast, competencies, login):
    window = add_months(THIS_MONTH, -3)
    before = add_months(THIS_MONTH, -6)
    nina, noor = (
        PersonFactory(first_name=n, unit=cast.noord, manager=cast.mia) for n in ("Nina", "Noor")
    )
    # Ruud: 150% of target, no new customer in six months; his peers fell back
    _targets(cast.ruud, 1000, before, 6)
    _revenue(cast.ruud, [1000, 1000, 1000, 1500, 1500, 1500], before)
    for peer in (cast.rosa, nina, noor):
        _targets(peer, 1000, before, 6)
        _revenue(peer, [1000, 1000, 1000, 700, 700, 700], before)
    # Rosa: spends 5% of her selling time on new accounts against the team's 30%
    for person, share in ((cast.rosa, 5), (nina, 30), (noor, 40), (cast.ruud, 30)):
        _facts(person, "new_business_time", [share] * 3, window, denominator=100)
    # Nina: a deviation with a Five Times Why but no action; Noor: one with an action
    signals = coaching.coaching_signals(cast.user("mia"), TODAY)
    found = {(s.person.first_name, s.code) for s in signals}
    assert ("Ruud", "no-new-business") in found
    assert ("Ruud", "top-performer-peers-fall-back") in found
    assert ("Rosa", "little-new-business-time") in found
    ruud_top = next(s for s in signals if s.code == "top-performer-peers-fall-back")
    assert ruud_top.figures == {"attainment": 150.0, "peers_now": 70.0, "peers_before": 100.0}
    # the page names the figures; a salesperson gets no signals page
    page = login(cast.user("mia")).get(reverse("steer_coaching")).content.decode()
    assert "150.0%" in page and "70.0%" in page
    dutch = login(cast.user("mia")).get(reverse("steer_coaching"), HTTP_ACCEPT_LANGUAGE="nl")
    assert "150,0%" in dutch.content.decode()  # the reader's number format
    # Mia does not appear in her own signals, Rik (another team) not at all
    assert not {s for s in signals if s.person in (cast.mia, cast.rik)}
    # the API answers the same signals, in the reader's language, the same when asked again
    client = login(cast.user("mia"))
    answers = [
        client.get("/api/v1/steer/signals", HTTP_ACCEPT_LANGUAGE=lang)
        for lang in ("en", "en", "nl")
    ]
    english, again, dutch_api = (a.json() for a in answers)
    assert answers[0]["Content-Type"] == "application/json"
    assert english == again
    with translation.override("en"):
        texts = {(s.person.pk, s.code, signal_text(s)) for s in signals}
    assert {(a["person_id"], a["code"], a["text"]) for a in english} == texts
    assert [a["code"] for a in dutch_api] == [a["code"] for a in english]
    assert [a["text"] for a in dutch_api] != [a["text"] for a in english]


def test_under_target_with_strong_skills_needs_ratings(cast, competencies):
    window = add_months(THIS_MONTH, -3)
    _targets(cast.rosa, 1000, window, 3)
    _revenue(cast.rosa, [700, 700, 700], window)
    assert "under-target-strong-skills" not in {
        s.code for s in coaching.coaching_signals(cast.user("mia"), TODAY)
    }
    round_ = feedback.round_create(
        name="R",
        closes_on=TODAY + dt.timedelta(days=20),
        competencies=list(competencies.values()),
        by=None,
        owner=cast.mia,
    )
    feedback.round_add_subjects(round_=round_, subjects=[cast.rosa], by=None)
    feedback.round_open(round_=round_, by=None)
    manager = FeedbackRequest.objects.get(round=round_, source="manager")
    feedback.feedback_answer(
        request=manager, scores={c.pk: (4, "") for c in competencies.values()}, by=None
    )
    (signal,) = [
        s
        for s in coaching.coaching_signals(cast.user("mia"), TODAY)
        if s.code == "under-target-strong-skills"
    ]
    assert signal.person == cast.rosa and signal.figures["attainment"] == pytest.approx(70)


def test_a_deviation_without_an_action_is_a_signal_until_an_action_is_agreed(cast, competencies):
    # Ruud's visits drop from 20 to 2 last month: a deviation on the deviations page
    _facts(cast.ruud, "visits", [20, 20, 20, 20, 20, 2], add_months(THIS_MONTH, -6))
    codes = lambda: {  # noqa: E731
        (s.person, s.code) for s in coaching.coaching_signals(cast.user("mia"), TODAY)
    }
    assert (cast.ruud, "deviation-without-action") in codes()
    analysis = RootCauseAnalysis.objects.create(
        person=cast.ruud,
        kpi="visits",
        month=add_months(THIS_MONTH, -1),
        title="Visits dropped",
        why_1="Ill",
        root_cause="Ill for three weeks",
    )
    RootCauseAction.objects.create(
        analysis=analysis, description="Plan catch-up", owner=cast.ruud, due_date=TODAY
    )
    from django.core.cache import cache

    cache.clear()
    assert (cast.ruud, "deviation-without-action") not in codes()


# --- training trajectories ---------------------------------------------------------


def _steps(start: dt.date) -> list[tuple[str, str, dt.date, dt.date]]:
    kinds = ("online", "live", "coaching", "follow_up")
    return [
        (k, f"Step {i}", start + dt.timedelta(days=7 * i), start + dt.timedelta(days=7 * i + 6))
        for i, k in enumerate(kinds)
    ]


def test_a_trajectory_measures_its_effect_against_colleagues(cast, competencies, login):
    start = dt.date(2026, 6, 1)
    others = [
        PersonFactory(first_name=n, unit=cast.noord, manager=cast.mia) for n in ("Nina", "Noor")
    ]
    # the baseline months March–May, the measured months August–October
    for person, before, after in (
        (cast.ruud, 10, 16),
        (cast.rosa, 8, 12),
        (others[0], 10, 11),
        (others[1], 6, 7),
    ):
        _facts(person, "visits", [before] * 3, dt.date(2026, 3, 1))
        _facts(person, "visits", [after] * 3, dt.date(2026, 8, 1))
    trajectory = training.trajectory_create(
        name="Consultative selling",
        kpi="visits",
        starts_on=start,
        ends_on=dt.date(2026, 7, 15),
        participants=[cast.ruud, cast.rosa],
        competencies=[competencies["consultative_selling"]],
        steps=_steps(start),
        by=cast.user("mia"),
    )
    measured = training.trajectory_effect(trajectory, cast.user("mia"), TODAY)
    assert measured.windows.before == (dt.date(2026, 3, 1), dt.date(2026, 5, 31))
    assert measured.windows.after == (dt.date(2026, 8, 1), dt.date(2026, 10, 31))
    # participants rose 6 and 4 (mean 5), colleagues 1 and 1: the effect is 4 visits a month
    effect = measured.effect
    assert (effect.treated, effect.control, effect.effect) == (2, 2, 4)
    page = login(cast.user("mia")).get(reverse("steer_trajectory", args=[trajectory.pk]))
    text = page.content.decode()
    assert 'data-testid="treated">2<' in text and 'data-testid="control">2<' in text
    assert "Small groups" in text
    # each group's change beside its before and after, and the effect with its unit
    assert (effect.treated_change, effect.control_change) == (5, 1)
    assert 'data-testid="treated-change">5<' in text and 'data-testid="control-change">1<' in text
    assert "Effect (difference in differences): 4 Visits a month" in text


def test_a_trajectory_shows_no_effect_before_a_month_after_the_end_passed(cast, competencies):
    start = dt.date(2026, 10, 1)
    trajectory = training.trajectory_create(
        name="Negotiation",
        kpi="visits",
        starts_on=start,
        ends_on=dt.date(2026, 11, 10),
        participants=[cast.ruud],
        competencies=[],
        steps=_steps(start),
        by=None,
        owner=cast.mia,
    )
    assert training.trajectory_effect(trajectory, cast.user("mia"), TODAY).effect is None


def test_a_trajectory_keeps_the_methods_four_steps_in_order(cast, competencies):
    start = dt.date(2026, 10, 1)
    steps = _steps(start)
    with pytest.raises(ValidationError):
        training.trajectory_create(
            name="x",
            kpi="visits",
            starts_on=start,
            ends_on=start,
            participants=[cast.ruud],
            competencies=[],
            steps=[steps[1], steps[0], *steps[2:]],
            by=None,
            owner=cast.mia,
        )
    with pytest.raises(PermissionDenied):  # a manager enrols only their own people
        training.trajectory_create(
            name="x",
            kpi="visits",
            starts_on=start,
            ends_on=start,
            participants=[cast.rik],
            competencies=[],
            steps=steps,
            by=cast.user("mia"),
        )
    with pytest.raises(PermissionDenied):
        training.trajectory_create(
            name="x",
            kpi="visits",
            starts_on=start,
            ends_on=start,
            participants=[cast.ruud],
            competencies=[],
            steps=steps,
            by=cast.user("ruud"),
        )


def test_progress_is_set_by_who_may_coach_the_participant(cast, competencies, login):
    start = dt.date(2026, 10, 1)
    trajectory = training.trajectory_create(
        name="Negotiation",
        kpi="visits",
        starts_on=start,
        ends_on=start,
        participants=[cast.ruud],
        competencies=[],
        steps=_steps(start),
        by=None,
        owner=cast.mia,
    )
    taking_part = Participation.objects.get()
    url = reverse("steer_trajectory", args=[trajectory.pk])
    login(cast.user("ruud")).post(url, {"participation": taking_part.pk, "steps_done": 4})
    taking_part.refresh_from_db()
    assert taking_part.steps_done == 0
    login(cast.user("mia")).post(url, {"participation": taking_part.pk, "steps_done": 2})
    taking_part.refresh_from_db()
    assert taking_part.steps_done == 2


def test_a_coaching_goal_feeds_the_individual_plan_and_an_mbo_goal(cast, competencies, login):
    from koers.plan.models import IndividualPlan
    from koers.reward.models import Goal

    _facts(cast.ruud, "new_customers", [1, 2, 1], add_months(THIS_MONTH, -3))
    Target.objects.create(
        kpi="new_customers", person=cast.ruud, month=add_months(THIS_MONTH, -1), value=3
    )
    goal = _goal(cast, due_date=dt.date(2026, 12, 20))
    plan = IndividualPlan.objects.create(person=cast.ruud, year=2026)
    page = login(cast.user("mia")).get(reverse("entity_detail", args=["individual-plans", plan.pk]))
    assert 'data-testid="development-goals"' in page.content.decode()
    assert goal.description in page.content.decode()
    url = reverse("steer_coaching_person", args=[cast.ruud.pk])
    # Ruud may not turn his own coaching goal into pay
    assert (
        login(cast.user("ruud"))
        .post(url, {"action": "mbo", "goal": goal.pk, "weight": 30})
        .status_code
        == 403
    )
    assert not Goal.objects.exists()
    login(cast.user("mia")).post(url, {"action": "mbo", "goal": goal.pk, "weight": 30})
    mbo = Goal.objects.get()
    assert (mbo.person, mbo.weight, mbo.period_end) == (cast.ruud, 30, dt.date(2026, 12, 20))
    assert mbo.description == goal.description


def test_the_person_page_shows_skills_open_actions_and_signals(cast, competencies, login):
    coaching.session_record(
        person=cast.ruud,
        held_on=TODAY,
        aim="Prospects",
        reality="",
        options="",
        will="",
        actions=[coaching.ActionInput("Call three prospects", cast.ruud, TODAY)],
        by=cast.user("mia"),
    )
    _facts(cast.ruud, "visits", [20, 20, 20, 20, 20, 2], add_months(THIS_MONTH, -6))
    url = reverse("entity_detail", args=["people", cast.ruud.pk])
    text = login(cast.user("mia")).get(url).content.decode()
    assert 'data-testid="person-steer"' in text and "Call three prospects" in text
    assert 'data-testid="person-signals"' in text  # the deviation without an action
    own = login(cast.user("ruud")).get(url).content.decode()
    assert "Call three prospects" in own and 'data-testid="person-signals"' not in own


def test_the_api_sets_a_smart_goal_and_names_what_is_not_smart(cast, competencies, login):
    _facts(cast.ruud, "new_customers", [1, 2, 1], add_months(THIS_MONTH, -3))
    Target.objects.create(
        kpi="new_customers", person=cast.ruud, month=add_months(THIS_MONTH, -1), value=3
    )
    client = login(cast.user("mia"))
    body = {
        "person_id": cast.ruud.pk,
        "description": "Win two new customers in the north",
        "kpi": "new_customers",
        "target_value": 2,
        "due_date": "2027-02-01",
    }
    url = "/api/v1/steer/coaching-goals"
    created = client.post(url, body, content_type="application/json")
    assert created.status_code == 201 and created.json()["coach_id"] == cast.mia.pk
    refused = client.post(url, body | {"description": "more"}, content_type="application/json")
    assert refused.status_code == 422 and "Specific" in str(refused.json())
    rosa = login(cast.user("rosa"))
    assert rosa.post(url, body, content_type="application/json").status_code == 404
    assert rosa.get("/api/v1/steer/signals").json() == []
    assert CoachingGoal.objects.count() == 1


def test_the_director_adds_a_competency_and_a_manager_may_not(cast, competencies, login):
    body = {
        "code": "presenting",
        "name": "Presenting",
        "name_nl": "Presenteren",
        "order": 70,
        **{f"anchor_{n}": f"Level {n} behaviour" for n in range(1, 6)},
        "level_salesperson": "3",
        "level_manager": "",
    }
    url = reverse("steer_competencies")
    assert login(cast.user("mia")).post(url, body).status_code == 403
    assert login(cast.user("dirk")).post(url, body).status_code == 302
    made = Competency.objects.get(code="presenting")
    assert made.anchor(1) == "Level 1 behaviour" and not made.default
    assert {(r.role, r.level) for r in made.required.all()} == {("salesperson", 3)}
    page = login(cast.user("ruud")).get(url).content.decode()
    assert "Presenting" in page and 'data-testid="competency-form"' not in page


def test_the_people_table_puts_the_longest_uncoached_first_and_pages(cast, competencies, login):
    """Never coached first (by name), then the oldest last session; 50 a page with a
    pager of its own, which keeps the signals' page where it was."""
    from koers.steer import coaching_page

    for when, who in ((TODAY - dt.timedelta(days=40), cast.ruud), (TODAY, cast.rosa)):
        _session(who, when, cast.user("mia"))
    names = [f"Z{i:02d}" for i in range(coaching_page.PEOPLE_PER_PAGE)]
    for name in names:
        PersonFactory(first_name="New", last_name=name, unit=cast.noord, manager=cast.mia)
    client = login(cast.user("mia"))
    first = client.get(reverse("steer_coaching"), {"page": "1"}).content.decode()
    table = first[first.index('data-testid="coachees"') :]
    assert table.index("Z00") < table.index("Z49")
    assert str(cast.ruud) not in table  # 50 never coached fill the first page
    assert 'data-testid="pager-people"' in first and "?page=1&amp;people=2" in first
    second = client.get(reverse("steer_coaching"), {"people": "2"}).content.decode()
    table = second[second.index('data-testid="coachees"') :]
    assert table.index(str(cast.ruud)) < table.index(str(cast.rosa))
    assert "Z00" not in table
