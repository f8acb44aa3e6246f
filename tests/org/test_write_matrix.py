"""Who may change which field: a role × record × field matrix, tried through every entry
point (the web form, the API and an import). Nobody raises their own rights or sets what
decides their own pay."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from koers.imports.services import import_file
from koers.measure.models import Expense, OperatingCost
from koers.org.models import AuditEvent, Person
from koers.plan.models import Target
from koers.reward.models import Goal, PlanAssignment
from koers.sales import models as sm
from koers.sales.models import ExchangeRate
from koers.ui.entities import ENTITIES
from koers.ui.forms import build_form

ROLES = ["ada", "dirk", "cora", "mia", "ruud"]
RECORDS = ["other", "self"]  # Rosa's record, or the editor's own
# field: (API payload, form value, import cell, check on the stored person)
FIELDS = {
    "role": (
        lambda cast, subject: {"role": _new_role(subject)},
        lambda cast, subject: _new_role(subject),
        lambda cast, subject: _new_role(subject),
        lambda p, cast: p.role != p._original_role,
    ),
    "unit": (
        lambda cast, subject: {"unit_id": cast.zuid.pk},
        lambda cast, subject: cast.zuid.pk,
        "ZUID",
        lambda p, cast: p.unit_id == cast.zuid.pk,
    ),
    "manager": (
        lambda cast, subject: {"manager_id": cast.max.pk},
        lambda cast, subject: cast.max.pk,
        "P-MAX",
        lambda p, cast: p.manager_id == cast.max.pk,
    ),
    "base_salary": (
        {"base_salary": "99000.00"},
        "99000.00",
        "99.000,00",
        lambda p, cast: p.base_salary == Decimal("99000.00"),
    ),
    "job_title": (
        {"job_title": "Key account manager"},
        "Key account manager",
        "Key account manager",
        lambda p, cast: p.job_title == "Key account manager",
    ),
}
# who may change each field of someone else's record; one's own record only its job title
MAY = {
    "role": {"ada"},
    "unit": {"ada", "dirk"},
    "manager": {"ada", "dirk"},
    "base_salary": {"ada", "cora"},
    "job_title": {"ada", "dirk", "cora"},
}


def _new_role(subject: Person) -> str:
    return "manager" if subject.role == "admin" else "admin"


def _stored(subject: Person) -> Person:
    stored = Person.objects.select_related("user").get(pk=subject.pk)
    stored._original_role = subject.role
    return stored


def allowed(who: str, record: str, field: str) -> bool:
    if record == "self":
        return field == "job_title" and who in {"ada", "dirk", "cora"}
    return who in MAY[field]


@pytest.fixture
def keyed(cast):
    for name in ["dirk", "cora", "ada", "mia", "max", "ruud", "rosa", "rik"]:
        person = getattr(cast, name)
        person.external_id = f"P-{name.upper()}"
        person.save()
    return cast


def _subject(cast, who: str, record: str) -> Person:
    return cast.rosa if record == "other" else getattr(cast, who)


def _resolve(value, cast, subject):
    return value(cast, subject) if callable(value) else value


CELLS = [(w, r, f) for w in ROLES for r in RECORDS for f in FIELDS]


@pytest.mark.parametrize(("who", "record", "field"), CELLS)
def test_the_api_writes_only_what_the_role_may(client, keyed, token, who, record, field):
    subject = _subject(keyed, who, record)
    payload = _resolve(FIELDS[field][0], keyed, subject)
    response = client.patch(
        f"/api/v1/people/{subject.pk}",
        data=json.dumps(payload),
        content_type="application/json",
        **token(who),
    )
    stored = _stored(subject)
    if allowed(who, record, field):
        assert response.status_code == 200, response.content
        assert FIELDS[field][3](stored, keyed)
    else:
        assert response.status_code in {403, 404}, response.content
        assert not FIELDS[field][3](stored, keyed)
        if response.status_code == 403 and who in {"ada", "dirk", "cora"}:
            label = str(Person._meta.get_field(field).verbose_name)
            assert label in response.json()["detail"]  # the refused field is named


@pytest.mark.parametrize(("who", "record", "field"), CELLS)
def test_the_form_writes_only_what_the_role_may(keyed, login, who, record, field):
    subject = _subject(keyed, who, record)
    user = keyed.user(who)
    form = build_form(ENTITIES["people"], user, instance=subject)
    data = {
        name: "" if value is None else getattr(value, "pk", value)
        for name, value in ((n, form.initial.get(n)) for n in form.fields)
    }
    data = {k: v for k, v in data.items() if v is not False}
    data[field] = _resolve(FIELDS[field][1], keyed, subject)
    response = login(user).post(reverse("entity_edit", args=["people", subject.pk]), data)
    stored = _stored(subject)
    assert FIELDS[field][3](stored, keyed) is allowed(who, record, field), response.status_code
    if field not in form.fields:
        assert allowed(who, record, field) is False  # never offered what may not be written


@pytest.mark.parametrize(("who", "record", "field"), CELLS)
def test_an_import_writes_only_what_the_role_may(keyed, who, record, field):
    subject = _subject(keyed, who, record)
    columns = {
        "external_id": subject.external_id,
        "first_name": subject.first_name,
        "last_name": subject.last_name,
        "unit": subject.unit.code,
        "start_date": f"{subject.start_date:%Y-%m-%d}",
    }
    columns[field] = _resolve(FIELDS[field][2], keyed, subject)
    text = ";".join(columns) + "\n" + ";".join(str(v) for v in columns.values()) + "\n"
    user = keyed.user(who)
    try:
        outcome = import_file(kind="people", raw=text.encode(), filename="p.csv", by=user)
    except PermissionDenied as refused:
        assert not allowed(who, record, field)
        if who in {"ada", "dirk", "cora"}:
            assert str(Person._meta.get_field(field).verbose_name) in str(refused)
    else:
        assert allowed(who, record, field), outcome.run.errors
        assert outcome.run.status == "committed", outcome.run.errors
        assert outcome.run.changed_fields == {
            field if field in {"role", "job_title", "base_salary"} else f"{field}_id": 1
        }
    stored = _stored(subject)
    assert FIELDS[field][3](stored, keyed) is allowed(who, record, field)


def test_a_role_change_is_audited_with_before_and_after(client, keyed, token):
    response = client.patch(
        f"/api/v1/people/{keyed.rosa.pk}",
        data=json.dumps({"role": "manager"}),
        content_type="application/json",
        **token("ada"),
    )
    assert response.status_code == 200
    event = AuditEvent.objects.filter(model="org.person", object_id=str(keyed.rosa.pk)).latest("pk")
    assert event.actor == keyed.user("ada")
    assert (event.before["role"], event.after["role"]) == ("salesperson", "manager")


# record kind: (how to find the record, field, new value, who may change it)
KINDS = {
    "units": (lambda c: c.noord, "name", "Team Noord-West", {"ada", "dirk"}),
    "accounts": (lambda c: c.accounts["ruud"], "city", "Zwolle", {"ada", "dirk", "mia", "ruud"}),
    "opportunities": (
        lambda c: c.opportunities["ruud"],
        "name",
        "Pumps phase 2",
        {"ada", "dirk", "mia", "ruud"},
    ),
    "products": (lambda c: c.product, "name", "Pomp XL", {"ada", "dirk"}),
    "operating-costs": (
        lambda c: OperatingCost.objects.get(),
        "amount",
        "450.00",
        {"ada", "dirk"},
    ),
    "expenses": (
        lambda c: Expense.objects.get_or_create(
            person=c.rosa, date="2026-10-01", defaults={"amount": "80.00", "currency": "EUR"}
        )[0],
        "amount",
        "90.00",
        {"ada", "cora"},
    ),
    "exchange-rates": (
        lambda c: ExchangeRate.objects.get(),
        "rate",
        "0.93000000",
        {"ada", "cora"},
    ),
    "goals": (
        lambda c: Goal.objects.get(),
        "description",
        "Certified in valves",
        {"ada", "cora", "dirk", "mia"},
    ),
    "targets": (
        lambda c: Target.objects.get(),
        "value",
        "2500.00",
        {"ada", "cora", "dirk"},
    ),
    "plan-assignments": (
        lambda c: PlanAssignment.objects.get(),
        "target_incentive",
        "7000.00",
        {"ada", "cora"},
    ),
    "campaigns": (
        lambda c: sm.Campaign.objects.get(),
        "stand_m2",
        "30.0",
        {"ada", "dirk", "mark"},
    ),
    "campaign-costs": (
        lambda c: sm.CampaignCost.objects.get(),
        "amount",
        "2600.00",
        {"ada", "dirk", "mark"},
    ),
    # marketing grades every lead; sales its own and its people's
    "leads": (
        lambda c: sm.Lead.objects.get(company_name="Lead ruud"),
        "quality",
        "hot",
        {"ada", "dirk", "mia", "ruud", "mark"},
    ),
    # a manager works the touches of her team's leads
    "lead-touches": (
        lambda c: sm.LeadTouch.objects.get(),
        "date",
        "2026-10-02",
        {"ada", "dirk", "mia", "mark"},
    ),
}
EDITORS = ["ada", "dirk", "cora", "mia", "max", "ruud", "rosa", "otto", "mark"]


@pytest.mark.parametrize("who", EDITORS)
@pytest.mark.parametrize("slug", list(KINDS))
def test_every_record_kind_is_changed_only_by_its_roles_through_the_api(
    client, marketer, rewarded, token, slug, who
):
    find, field, value, may = KINDS[slug]
    record = find(rewarded)
    before = str(getattr(record, field))
    response = client.patch(
        f"/api/v1/{slug}/{record.pk}",
        data=json.dumps({field: value}),
        content_type="application/json",
        **token(who),
    )
    record.refresh_from_db()
    if who in may:
        assert response.status_code == 200, response.content
        assert str(getattr(record, field)) == value
    else:
        assert response.status_code in {403, 404}, response.content
        assert str(getattr(record, field)) == before


@pytest.mark.parametrize("who", EDITORS)
@pytest.mark.parametrize("slug", list(KINDS))
def test_every_record_kind_is_changed_only_by_its_roles_through_the_form(
    marketer, rewarded, login, slug, who
):
    find, field, value, may = KINDS[slug]
    record = find(rewarded)
    before = str(getattr(record, field))
    user = rewarded.user(who)
    form = build_form(ENTITIES[slug], user, instance=record)
    data = {n: getattr(form.initial.get(n), "pk", form.initial.get(n)) for n in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data[field] = value
    data.update({"splits-TOTAL_FORMS": "0", "splits-INITIAL_FORMS": "0"})  # splits unchanged
    url = reverse("entity_edit", args=[slug, record.pk])
    response = login(user).post(url, data)
    record.refresh_from_db()
    if who in may:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert str(getattr(record, field)) == value
    else:
        assert response.status_code in {403, 404}
        assert str(getattr(record, field)) == before
