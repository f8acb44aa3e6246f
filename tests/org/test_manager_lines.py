"""What a manager sees in each kind of org: the people below them through the manager
column, plus the unit they manage; never their own manager, a peer or a peer's people,
nor anyone's pay above them. Three shapes as real exports have them, beside the cast's
unit org: everyone in one unit (an ERP), a chain of command sharing a unit (a
wholesaler), and several managers in one region (a CRM)."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from koers.api.services import token_create
from koers.org import visibility as vis
from koers.org.models import Person
from koers.plan.models import Target
from tests.conftest import _person
from tests.factories import UnitFactory


@pytest.fixture
def orgs(cast):
    """The cast plus three imported org charts under the same company."""
    erp = UnitFactory(code="UNASSIGNED", name="Unassigned", parent=cast.company)
    boss = _person("boss", erp, "manager")
    lead = _person("lead", erp, "manager", boss)
    team = [_person(f"t{n}", erp, "salesperson", lead) for n in range(4)]
    others = [_person(f"o{n}", erp, "salesperson", boss) for n in range(3)]
    shop = UnitFactory(code="SHOP", name="Groothandel", parent=cast.company)
    president = _person("president", shop, "manager")
    vp = _person("vp", shop, "manager", president)
    rsm = _person("rsm", shop, "manager", vp)
    reps = [_person(f"r{n}", shop, "salesperson", rsm) for n in range(2)]
    region = UnitFactory(code="WEST", name="Regio West", parent=cast.company)
    m1 = _person("m1", region, "manager", cast.dirk)
    m2 = _person("m2", region, "manager", cast.dirk)
    agents1 = [_person(f"a{n}", region, "salesperson", m1) for n in range(2)]
    agents2 = [_person(f"b{n}", region, "salesperson", m2) for n in range(2)]
    mixed = UnitFactory(code="MIX", name="Team zonder lijnen", parent=cast.company)
    head = _person("head", mixed, "manager", cast.dirk)
    loose = [_person(f"l{n}", mixed, "salesperson") for n in range(2)]  # no manager column
    return SimpleNamespace(**locals(), mia=cast.mia, noord=cast.noord)


def _seen(person: Person) -> set[str]:
    return {p.user.username for p in vis.visible_people(person.user)}


def test_a_team_lead_in_a_shared_unit_sees_his_team_not_his_boss(orgs):
    assert _seen(orgs.lead) == {"lead", "t0", "t1", "t2", "t3"}
    # the boss manages the unit: everyone in it reports to him down the line
    assert _seen(orgs.boss) >= {"boss", "lead", "t0", "o0", "o2"}


def test_a_regional_manager_never_sees_the_president_or_the_vp(orgs):
    assert _seen(orgs.rsm) == {"rsm", "r0", "r1"}
    assert _seen(orgs.vp) == {"vp", "rsm", "r0", "r1"}


def test_managers_sharing_a_region_see_their_own_agents_not_each_other(orgs):
    assert _seen(orgs.m1) == {"m1", "a0", "a1"}
    assert _seen(orgs.m2) == {"m2", "b0", "b1"}
    assert vis.managed_unit(orgs.m1.user) is None


def test_a_unit_org_and_a_team_without_manager_lines_keep_their_unit(orgs):
    assert _seen(orgs.mia) == {"mia", "ruud", "rosa"}
    assert vis.managed_unit(orgs.mia.user) == orgs.noord
    assert _seen(orgs.head) == {"head", "l0", "l1"}


@pytest.mark.parametrize(
    ("viewer", "hidden"),
    [("rsm", ["president", "vp"]), ("lead", ["boss", "o0"]), ("m1", ["m2", "b0"])],
)
def test_pay_above_or_beside_a_manager_is_out_of_reach_on_every_path(orgs, viewer, hidden):
    person = getattr(orgs, viewer)
    _record, raw = token_create(user=person.user, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    listed = client.get("/api/v1/people?limit=200", **headers).json()["items"]
    names = {item["id"] for item in listed}
    for name in hidden:
        other = Person.objects.get(user__username=name)
        assert other.pk not in names
        assert client.get(f"/api/v1/people/{other.pk}", **headers).status_code == 404
    browser = Client()
    browser.force_login(person.user)
    page = browser.get(reverse("entity_list", args=["people"])).content.decode()
    export = browser.get(reverse("entity_export_csv", args=["people"]))
    exported = b"".join(export.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(exported.removeprefix("\ufeff"))))
    for name in hidden:
        other = Person.objects.get(user__username=name)
        # their name may stand as someone's manager; their own row and pay never do
        assert f'href="/data/people/{other.pk}/"' not in page
        assert other.pk not in names and not [r for r in rows if r.get("id") == str(other.pk)]
    assert rows and all(r.get("id") for r in rows)


def test_a_team_leads_kpis_roll_up_his_team_not_the_unit(orgs, client):
    """The ERP case: his KPI page rolled up all nine, his boss included."""
    from koers.measure import selectors as sel

    people = vis.visible_sellers(orgs.lead.user)
    assert {p.user.username for p in people} == {"lead", "t0", "t1", "t2", "t3"}
    assert sel.scope_unit(orgs.lead.user) is None  # the team's own targets, not Unassigned's
    Target.objects.create(kpi="revenue", unit=orgs.erp, month="2026-11-01", value=90_000)
    _record, raw = token_create(user=orgs.lead.user, name="test")
    answer = client.get(
        "/api/v1/kpis/values",
        {"kpi": "revenue", "from": "2026-11-01", "to": "2026-11-30", "unit": orgs.erp.pk},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert answer.status_code == 404  # a unit he does not manage is not his to ask for
    assert json.loads(answer.content)["detail"]
