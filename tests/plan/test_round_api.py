"""Target rounds through the API: the web's steps and role rules, as JSON."""

from __future__ import annotations

import datetime as dt

import pytest

from koers.measure.services import kpi_facts_refresh
from koers.plan.models import Target, TargetRound

BODY = {"year": 2027, "kpi": "revenue", "total": "60000.00", "method": "fte"}


@pytest.fixture
def facts(cast):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    return cast


def test_the_cycle_through_the_api(facts, login):
    director = login(facts.user("dirk"))
    made = director.post(
        "/api/v1/plan/rounds", {**BODY, "unit_id": facts.noord.pk}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert {p["top_down"] for p in body["proposals"]} == {"20000.00"}
    round_id = body["id"]
    assert (
        director.post(
            f"/api/v1/plan/rounds/{round_id}/steps",
            {"step": "open"},
            content_type="application/json",
        ).json()["status"]
        == "open"
    )

    ruud = login(facts.user("ruud"))
    mine = ruud.get(f"/api/v1/plan/rounds/{round_id}").json()["proposals"]
    assert [p["person_id"] for p in mine] == [facts.ruud.pk]  # only my own
    answer = ruud.post(
        f"/api/v1/plan/proposals/{mine[0]['id']}/bottom-up",
        {"value": "21000.00", "note": "pipeline"},
        content_type="application/json",
    )
    assert answer.json()["bottom_up"] == "21000.00"
    # nor agree my own
    refused = ruud.post(
        f"/api/v1/plan/proposals/{mine[0]['id']}/agreed",
        {"value": "1.00"},
        content_type="application/json",
    )
    assert refused.status_code == 403

    mia = login(facts.user("mia"))
    assert (
        mia.post(
            f"/api/v1/plan/proposals/{mine[0]['id']}/agreed",
            {"value": "20500.00", "note": "ok"},
            content_type="application/json",
        ).json()["agreed"]
        == "20500.00"
    )
    assert (
        mia.post(
            f"/api/v1/plan/rounds/{round_id}/steps",
            {"step": "approve"},
            content_type="application/json",
        ).status_code
        == 403
    )
    approved = login(facts.user("dirk")).post(
        f"/api/v1/plan/rounds/{round_id}/steps",
        {"step": "approve"},
        content_type="application/json",
    )
    assert approved.json()["status"] == "approved"
    assert sum(t.value for t in Target.objects.filter(person=facts.ruud, month__year=2027)) == 20500


def test_a_salesperson_cannot_propose_and_nothing_is_written(facts, login):
    answer = login(facts.user("ruud")).post(
        "/api/v1/plan/rounds", {**BODY, "unit_id": facts.noord.pk}, content_type="application/json"
    )
    assert answer.status_code == 403
    assert not TargetRound.objects.exists()


def test_an_unknown_kpi_or_unit_is_named(facts, login):
    director = login(facts.user("dirk"))
    bad = director.post(
        "/api/v1/plan/rounds",
        {**BODY, "kpi": "nope", "unit_id": facts.noord.pk},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "nope" in bad.content.decode()
    missing = director.post(
        "/api/v1/plan/rounds", {**BODY, "unit_id": 999999}, content_type="application/json"
    )
    assert missing.status_code == 404


def test_someone_outside_the_round_gets_404(facts, login):
    made = (
        login(facts.user("dirk"))
        .post(
            "/api/v1/plan/rounds",
            {**BODY, "unit_id": facts.noord.pk},
            content_type="application/json",
        )
        .json()
    )
    assert login(facts.user("rik")).get(f"/api/v1/plan/rounds/{made['id']}").status_code == 404
