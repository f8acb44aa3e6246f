"""What a manager sees in each kind of org: the people below them through the manager
column, plus the unit they manage; never their own manager, a peer or a peer's people,
nor anyone's pay above them. Three shapes as real exports have them, beside the cast's
unit org: everyone in one unit (an ERP), a chain of command sharing a unit (a
wholesaler), and several managers in one region (a CRM)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
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


SALARY = Decimal("987654.32")  # a figure that no other record holds
SHOWN = ("987654", "987.654", "987,654")
# a manager of each imported shape, and the people above or beside them
HIDDEN = {
    "lead": ["boss", "o0", "o1"],
    "rsm": ["president", "vp"],
    "vp": ["president"],
    "m1": ["m2", "b0", "b1"],
    "head": ["m1", "a0"],
}


def _api_paths() -> list[str]:
    from koers.api.routes import api

    paths = api.get_openapi_schema()["paths"]
    return sorted(p for p, ops in paths.items() if "{" not in p and "get" in ops)


@pytest.mark.parametrize("viewer", list(HIDDEN))
def test_no_page_api_answer_or_export_shows_anything_above_or_beside_a_manager(orgs, viewer):
    """The read matrix over the manager-column orgs: every GET of the API, every record
    list and detail page, every CSV and XLSX export, as each manager. Their hidden people's
    salary (a figure found nowhere else) never shows, and their records answer 404."""
    from openpyxl import load_workbook

    from koers.ui.entities import ENTITIES

    hidden = [Person.objects.get(user__username=name) for name in HIDDEN[viewer]]
    Person.objects.filter(pk__in=[p.pk for p in hidden]).update(base_salary=SALARY)
    person = getattr(orgs, viewer)
    _record, raw = token_create(user=person.user, name="test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    leaks = []
    for path in _api_paths():
        answer = api.get(path, {"limit": 200})
        assert answer.status_code < 500, path
        if any(s in answer.content.decode() for s in SHOWN):
            leaks.append(path)
    for other in hidden:
        assert api.get(f"/api/v1/people/{other.pk}").status_code == 404
    browser = Client()
    browser.force_login(person.user)
    for slug in ENTITIES:
        page = browser.get(reverse("entity_list", args=[slug]))
        if page.status_code == 200 and any(s in page.content.decode() for s in SHOWN):
            leaks.append(f"page {slug}")
        export = browser.get(reverse("entity_export_csv", args=[slug]))
        if export.status_code == 200:
            text = b"".join(export.streaming_content).decode("utf-8", "replace")
            if any(s in text for s in SHOWN):
                leaks.append(f"csv {slug}")
        export = browser.get(reverse("entity_export_xlsx", args=[slug]))
        if export.status_code == 200:
            raw_xlsx = b"".join(getattr(export, "streaming_content", [export.content]))
            book = load_workbook(io.BytesIO(raw_xlsx), read_only=True)
            cells = {str(v) for row in book.active.iter_rows(values_only=True) for v in row}
            if any(s in c for c in cells for s in SHOWN) or float(SALARY) in {
                v for row in book.active.iter_rows(values_only=True) for v in row
            }:
                leaks.append(f"xlsx {slug}")
    for other in hidden:
        detail = browser.get(reverse("entity_detail", args=["people", other.pk]))
        assert detail.status_code in {403, 404}
    assert leaks == []


@pytest.mark.parametrize("viewer", ["lead", "rsm", "m1"])
@pytest.mark.parametrize("field", ["base_salary", "job_title", "manager"])
def test_a_manager_changes_nothing_of_anyone_above_or_beside_them(orgs, client, viewer, field):
    """The write matrix over the manager-column orgs: the API and the form refuse every
    change to the people above or beside a manager, and to their own pay."""
    person = getattr(orgs, viewer)
    _record, raw = token_create(user=person.user, name="test")
    values = {"base_salary": "1.00", "job_title": "Baas", "manager": person.pk}
    targets = [Person.objects.get(user__username=n) for n in HIDDEN[viewer][:2]]
    if field == "base_salary":
        targets.append(person)
    browser = Client()
    browser.force_login(person.user)
    for target in targets:
        before = Person.objects.get(pk=target.pk)
        key = "manager_id" if field == "manager" else field
        answer = client.patch(
            f"/api/v1/people/{target.pk}",
            data=json.dumps({key: values[field]}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
        assert answer.status_code in {403, 404, 422}, (target, answer.content[:200])
        form = browser.post(
            reverse("entity_edit", args=["people", target.pk]), {field: values[field]}
        )
        assert form.status_code in {400, 403, 404}
        after = Person.objects.get(pk=target.pk)
        assert (after.base_salary, after.job_title, after.manager_id) == (
            before.base_salary,
            before.job_title,
            before.manager_id,
        )
