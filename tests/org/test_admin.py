"""The raw-records admin: every registered model's pages open for the administrator, the
audit trail there is append-only, and nobody else gets in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from koers.org.models import AuditEvent, Person

MODELS = [model for model in admin.site._registry]


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label_lower)
def test_every_admin_page_opens_for_the_administrator(rewarded, login, model):
    client = login(rewarded.user("ada"))
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(_url(model, "changelist")).status_code == 200
    model_admin = admin.site._registry[model]
    request = type("R", (), {"user": rewarded.user("ada")})()
    if model_admin.has_add_permission(request):
        assert client.get(_url(model, "add")).status_code == 200
    obj = model._default_manager.first()
    if obj is not None:
        assert client.get(_url(model, "change", obj.pk)).status_code == 200


def test_the_audit_trail_cannot_be_changed_or_deleted_in_the_admin(cast, login):
    from koers.org.services import person_save

    cast.ruud.job_title = "Key account manager"
    person_save(person=cast.ruud, by=cast.user("ada"))
    event = AuditEvent.objects.order_by("-pk").first()
    before = (event.action, event.object_repr, event.after)
    client = login(cast.user("ada"))
    page = client.get(_url(AuditEvent, "change", event.pk)).content.decode()
    assert 'name="_save"' not in page  # shown read-only
    client.post(_url(AuditEvent, "change", event.pk), {"action": "delete", "object_repr": "x"})
    assert client.post(_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert (event.action, event.object_repr, event.after) == before


@pytest.mark.parametrize("who", ["dirk", "cora", "mia", "ruud", "otto"])
def test_only_the_administrator_opens_the_admin(cast, login, who):
    response = login(cast.user(who)).get(_url(AuditEvent, "changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def _admin_form(person) -> dict:
    from django.forms.models import model_to_dict

    data = {k: ("" if v is None else v) for k, v in model_to_dict(person).items()}
    data = {k: v for k, v in data.items() if v is not False}
    data["show_on_leaderboard"] = "on" if person.show_on_leaderboard else ""
    return data


def test_a_salary_changed_in_the_admin_is_audited_with_before_and_after(cast, login):
    client = login(cast.user("ada"))
    data = {**_admin_form(cast.rosa), "base_salary": "61000.00"}
    response = client.post(_url(Person, "change", cast.rosa.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    cast.rosa.refresh_from_db()
    assert cast.rosa.base_salary == Decimal("61000.00")
    event = AuditEvent.objects.filter(model="org.person", object_id=str(cast.rosa.pk)).latest("pk")
    assert event.actor == cast.user("ada")
    assert (event.before["base_salary"], event.after["base_salary"]) == ("50000.00", "61000.00")


def test_the_administrator_may_not_change_her_own_role_in_the_admin(cast, login):
    client = login(cast.user("ada"))
    data = {**_admin_form(cast.ada), "role": "salesperson"}
    response = client.post(_url(Person, "change", cast.ada.pk), data)
    assert response.status_code == 403
    cast.ada.refresh_from_db()
    assert cast.ada.role == "admin"


def test_a_record_deleted_in_the_admin_is_audited(cast, login):
    from koers.sales.models import Campaign

    campaign = Campaign.objects.get()
    client = login(cast.user("ada"))
    client.post(_url(Campaign, "delete", campaign.pk), {"post": "yes"})
    assert not Campaign.objects.exists()
    event = AuditEvent.objects.get(model="sales.campaign", action="delete")
    assert event.before["name"] == "Vakbeurs 2026" and event.after is None
