"""Attacks on the write paths, each as it was tried: scoring one's own goal, crediting a
stranger, a partial import that blanks fields, an import outside one's role."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from koers.imports.services import import_file
from koers.org import visibility as vis
from koers.org.models import AuditEvent, Person
from koers.reward.models import Goal
from koers.sales import models as sm
from koers.sales.services import opportunity_save
from tests.ui.test_editing import _form


def _goal_payload(person: Person, score: int = 100) -> str:
    return json.dumps(
        {
            "person_id": person.pk,
            "period_start": "2026-10-01",
            "period_end": "2026-12-31",
            "description": "Open ten new accounts",
            "weight": "100",
            "score": str(score),
        }
    )


@pytest.mark.parametrize("who", ["mia", "dirk", "cora", "ada"])
def test_nobody_creates_a_goal_of_their_own(client, cast, token, who):
    me = getattr(cast, who)
    response = client.post(
        "/api/v1/goals", data=_goal_payload(me), content_type="application/json", **token(who)
    )
    assert response.status_code == 403
    assert "yourself" in response.json()["detail"]
    assert not Goal.objects.filter(person=me).exists()


def test_a_manager_scores_her_teams_goals_not_her_own(client, cast, token):
    created = client.post(
        "/api/v1/goals",
        data=_goal_payload(cast.ruud, 80),
        content_type="application/json",
        **token("mia"),
    )
    assert created.status_code == 201
    own = Goal.objects.create(
        person=cast.mia,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 12, 31),
        description="Coach every rep monthly",
    )
    response = client.patch(
        f"/api/v1/goals/{own.pk}",
        data=json.dumps({"score": "100"}),
        content_type="application/json",
        **token("mia"),
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.score is None


def _split_form(deal, **extra):
    return _form(deal, **{"splits-TOTAL_FORMS": "2", **extra})


def test_a_salesperson_may_not_credit_someone_outside_her_team(cast, login):
    deal = cast.opportunities["ruud"]
    data = _split_form(
        deal,
        **{
            "splits-0-person": cast.ruud.pk,
            "splits-0-percent": "50",
            "splits-1-person": cast.rik.pk,  # Team Zuid
            "splits-1-percent": "50",
        },
    )
    response = login(cast.user("ruud")).post(
        reverse("entity_edit", args=["opportunities", deal.pk]), data
    )
    assert response.status_code == 400
    assert not deal.splits.filter(person=cast.rik).exists()
    assert deal not in vis.visible_opportunities(cast.user("rik"))
    with pytest.raises(ValidationError, match="ask your manager to credit Rik"):
        opportunity_save(
            opportunity=deal,
            by=cast.user("ruud"),
            splits=[(cast.ruud, Decimal("50")), (cast.rik, Decimal("50"))],
        )


def test_a_split_within_the_team_is_saved_and_audited_with_before_and_after(cast):
    deal = cast.opportunities["ruud"]
    opportunity_save(
        opportunity=deal,
        by=cast.user("ruud"),
        splits=[(cast.ruud, Decimal("60")), (cast.rosa, Decimal("40"))],
    )
    event = AuditEvent.objects.get(action="splits", object_id=str(deal.pk))
    assert event.actor == cast.user("ruud")
    assert [s["percent"] for s in event.before["splits"]] == ["100.00"]
    assert {(s["person_id"], s["percent"]) for s in event.after["splits"]} == {
        (cast.ruud.pk, "60.00"),
        (cast.rosa.pk, "40.00"),
    }


def test_a_manager_may_credit_her_units_people_and_the_director_anyone(cast):
    deal = cast.opportunities["ruud"]
    with pytest.raises(ValidationError):
        opportunity_save(
            opportunity=deal,
            by=cast.user("mia"),
            splits=[(cast.ruud, Decimal("50")), (cast.rik, Decimal("50"))],
        )
    opportunity_save(
        opportunity=deal,
        by=cast.user("dirk"),
        splits=[(cast.ruud, Decimal("50")), (cast.rik, Decimal("50"))],
    )
    assert deal.splits.filter(person=cast.rik).exists()


@pytest.mark.parametrize(
    ("rik", "ruud"),
    [("95", "5"), ("100", None), ("5", "95"), (None, "100")],
    ids=["raised-to-95", "raised-to-100", "lowered", "taken-away"],
)
def test_a_strangers_share_set_by_the_director_stays_as_it_is(
    cast, login, client, token, rik, ruud
):
    """The director gave Rik (Team Zuid) 10% of Ruud's deal. Ruud keeps Rik's share: he
    may neither raise it (to 95% or 100%) nor lower or remove it, in the service, the form
    or the API; his own team's shares he still divides as he likes."""
    deal = cast.opportunities["ruud"]
    opportunity_save(
        opportunity=deal,
        by=cast.user("dirk"),
        splits=[(cast.ruud, Decimal("90")), (cast.rik, Decimal("10"))],
    )
    wanted = [(p, Decimal(v)) for p, v in [(cast.rik, rik), (cast.ruud, ruud)] if v]
    with pytest.raises(ValidationError, match="share of Rik Tester outside your team stays"):
        opportunity_save(opportunity=deal, by=cast.user("ruud"), splits=wanted)
    form = {"splits-TOTAL_FORMS": str(len(wanted))}
    for i, (person, percent) in enumerate(wanted):
        form |= {f"splits-{i}-person": person.pk, f"splits-{i}-percent": str(percent)}
    response = login(cast.user("ruud")).post(
        reverse("entity_edit", args=["opportunities", deal.pk]), _form(deal, **form)
    )
    assert response.status_code == 400
    payload = {"splits": [{"person_id": p.pk, "percent": str(v)} for p, v in wanted]}
    answer = client.patch(
        f"/api/v1/opportunities/{deal.pk}",
        data=json.dumps(payload),
        content_type="application/json",
        **token("ruud"),
    )
    assert answer.status_code < 500  # the API does not take splits: they stay as they are
    assert {(s.person_id, s.percent) for s in deal.splits.all()} == {
        (cast.ruud.pk, Decimal("90.00")),
        (cast.rik.pk, Decimal("10.00")),
    }
    # kept as it is, while his own team's part is his to divide
    opportunity_save(
        opportunity=deal,
        by=cast.user("ruud"),
        splits=[(cast.ruud, Decimal("50")), (cast.rosa, Decimal("40")), (cast.rik, Decimal("10"))],
    )
    assert deal.splits.get(person=cast.rik).percent == Decimal("10.00")


@pytest.fixture
def keyed(cast):
    for name in ["dirk", "mia", "max", "ruud", "rosa", "rik"]:
        person = getattr(cast, name)
        person.external_id = f"P-{name.upper()}"
        person.save()
    cast.mia.email, cast.mia.job_title, cast.mia.base_salary = "mia@x.nl", "Teamleider", 72000
    cast.mia.save()
    cast.accounts["ruud"].external_id = "A-RUUD"
    cast.accounts["ruud"].segment, cast.accounts["ruud"].city = "Industrie", "Utrecht"
    cast.accounts["ruud"].save()
    return cast


def test_a_partial_people_import_leaves_the_fields_it_does_not_name(keyed):
    text = "external_id;first_name;last_name;unit;start_date\nP-MIA;Mia;Tester;NOORD;2024-01-01\n"
    outcome = import_file(kind="people", raw=text.encode(), filename="p.csv", by=None)
    assert outcome.run.status == "committed", outcome.run.errors
    mia = Person.objects.get(pk=keyed.mia.pk)
    assert (mia.role, mia.base_salary, mia.manager_id) == (
        "manager",
        Decimal("72000.00"),
        keyed.dirk.pk,
    )
    assert (mia.email, mia.job_title) == ("mia@x.nl", "Teamleider")
    assert outcome.run.updated == 0 and outcome.run.changed_fields == {}


def test_an_empty_cell_keeps_the_value_unless_the_import_clears_it(keyed):
    text = "external_id;name;segment;city\nA-RUUD;Ruud's Pompen;;Zwolle\n"
    outcome = import_file(kind="accounts", raw=text.encode(), filename="a.csv", by=None)
    account = sm.Account.objects.get(external_id="A-RUUD")
    assert (account.segment, account.city) == ("Industrie", "Zwolle")
    assert outcome.run.changed_fields == {"city": 1}
    import_file(
        kind="accounts", raw=text.encode(), filename="a.csv", by=None, clear=frozenset({"segment"})
    )
    account.refresh_from_db()
    assert account.segment == ""


def test_every_record_an_import_changes_is_audited_with_before_and_after(keyed):
    text = "external_id;name;city\nA-RUUD;Ruud's Pompen;Zwolle\n"
    import_file(kind="accounts", raw=text.encode(), filename="a.csv", by=keyed.user("dirk"))
    event = AuditEvent.objects.get(action="import", object_id=str(keyed.accounts["ruud"].pk))
    assert event.actor == keyed.user("dirk") and event.model == "sales.account"
    assert (event.before, event.after) == ({"city": "Utrecht"}, {"city": "Zwolle"})


def test_the_compensation_administrator_may_not_import_sales_data(keyed):
    text = "external_id;name;owner\nA-RUUD;Ruud's Pompen;P-ROSA\n"
    with pytest.raises(PermissionDenied, match="may not import accounts"):
        import_file(kind="accounts", raw=text.encode(), filename="a.csv", by=keyed.user("cora"))
    assert sm.Account.objects.get(external_id="A-RUUD").owner == keyed.ruud


def test_the_director_may_not_raise_a_salary_or_a_role_by_import(keyed):
    text = (
        "external_id;first_name;last_name;unit;start_date;base_salary;role\n"
        "P-ROSA;Rosa;Tester;NOORD;2024-01-01;99.000,00;admin\n"
    )
    with pytest.raises(PermissionDenied) as refused:
        import_file(kind="people", raw=text.encode(), filename="p.csv", by=keyed.user("dirk"))
    assert "role" in str(refused.value) and "salary" in str(refused.value)
    rosa = Person.objects.get(pk=keyed.rosa.pk)
    assert (rosa.role, rosa.base_salary) == ("salesperson", keyed.rosa.base_salary)


def test_nobody_imports_targets_about_themselves(keyed):
    text = "kpi;person;month;value\nrevenue;P-DIRK;2026-11-01;1\n"
    with pytest.raises(PermissionDenied, match="about yourself"):
        import_file(kind="targets", raw=text.encode(), filename="t.csv", by=keyed.user("dirk"))
    ok = "kpi;person;month;value\nrevenue;P-RUUD;2026-11-01;1000\n"
    outcome = import_file(kind="targets", raw=ok.encode(), filename="t.csv", by=keyed.user("dirk"))
    assert outcome.run.status == "committed"


def test_the_import_api_answers_403_naming_the_fields(client, keyed, token):
    text = (
        "external_id;first_name;last_name;unit;start_date;role\n"
        "P-ROSA;Rosa;Tester;NOORD;2024-01-01;admin\n"
    )
    response = client.post(
        "/api/v1/imports/people",
        data={"file": io.BytesIO(text.encode())},
        **token("dirk"),
    )
    assert response.status_code == 403 and "role" in response.json()["detail"]


@pytest.fixture
def shared(cast):
    """Ruud's deal, split 50/50 with Rosa (same team)."""
    deal = cast.opportunities["ruud"]
    opportunity_save(
        opportunity=deal, by=None, splits=[(cast.ruud, Decimal("50")), (cast.rosa, Decimal("50"))]
    )
    return cast, deal


def test_a_co_owner_works_a_shared_deal_in_the_form(shared, login):
    cast, deal = shared
    client = login(cast.user("rosa"))
    url = reverse("entity_edit", args=["opportunities", deal.pk])
    page = client.get(url).content.decode()
    assert 'name="amount"' in page and 'name="account"' not in page
    assert 'name="owner"' not in page and "splits-TOTAL_FORMS" not in page
    data = {
        "name": "Pumps phase 2",
        "stage": deal.stage_id,
        "amount": "12500.00",
        "currency": "EUR",
        "created_on": deal.created_on.isoformat(),
        "expected_close_date": deal.expected_close_date.isoformat(),
        "source": deal.source,
        "forecast_category": deal.forecast_category,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    deal.refresh_from_db()
    assert (deal.name, deal.amount, deal.owner, deal.account) == (
        "Pumps phase 2",
        Decimal("12500.00"),
        cast.ruud,
        cast.accounts["ruud"],
    )
    assert deal.splits.count() == 2


def test_a_co_owner_changes_a_shared_deal_through_the_api_but_not_its_owner(client, shared, token):
    cast, deal = shared
    url = f"/api/v1/opportunities/{deal.pk}"
    headers = token("rosa")
    renamed = client.patch(
        url, data=json.dumps({"name": "Pumps phase 2"}), content_type="application/json", **headers
    )
    assert renamed.status_code == 200, renamed.content
    moved = client.patch(
        url, data=json.dumps({"owner_id": cast.rosa.pk}), content_type="application/json", **headers
    )
    assert moved.status_code == 403 and "owner" in moved.json()["detail"]
    deal.refresh_from_db()
    assert (deal.name, deal.owner) == ("Pumps phase 2", cast.ruud)
