"""The REST API: tokens, the same visibility as the web app, validation as structured JSON,
pagination, and imports."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from koers.sales import models as sm


def _post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def _patch(client, url, body, headers):
    return client.patch(url, json.dumps(body), content_type="application/json", **headers)


def test_token_exchange_and_revocation(client, cast):
    cast.ruud.user.set_password("secret-pass-1")
    cast.ruud.user.save()
    bad = _post(client, "/api/v1/auth/token", {"username": "ruud", "password": "nope"}, {})
    assert bad.status_code == 401
    response = _post(
        client,
        "/api/v1/auth/token",
        {"username": "ruud", "password": "secret-pass-1", "name": "laptop"},
        {},
    )
    assert response.status_code == 201
    body = response.json()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {body['token']}"}
    assert client.get("/api/v1/auth/me", **headers).json()["role"] == "salesperson"
    listed = client.get("/api/v1/auth/tokens", **headers).json()
    assert [t["name"] for t in listed] == ["laptop"] and "token" not in listed[0]
    assert client.delete(f"/api/v1/auth/tokens/{body['id']}", **headers).status_code == 204
    assert client.get("/api/v1/auth/me", **headers).status_code == 401


def test_no_token_no_data(client, cast):
    assert client.get("/api/v1/accounts").status_code == 401
    assert client.get("/api/v1/accounts", HTTP_AUTHORIZATION="Bearer kt_forged").status_code == 401


def test_a_write_with_a_token_that_does_not_work_is_401_not_a_csrf_failure(cast):
    """As a script meets it (CSRF enforced, as by a real server): a wrong or ended token is
    refused as unauthorised, whatever the method."""
    from django.test import Client

    script = Client(enforce_csrf_checks=True)
    answer = script.post(
        "/api/v1/accounts",
        data={"name": "X"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer kt_forged",
    )
    assert answer.status_code == 401 and "CSRF" not in answer.content.decode()


def test_lists_follow_visibility(client, token):
    body = client.get("/api/v1/opportunities", **token("ruud")).json()
    assert body["count"] == 1 and body["items"][0]["name"] == "Deal ruud"
    body = client.get("/api/v1/opportunities", **token("mia")).json()
    assert {i["name"] for i in body["items"]} == {"Deal ruud", "Deal rosa"}


def test_a_peers_record_is_not_found(client, cast, token):
    peer = cast.opportunities["rosa"].pk
    assert client.get(f"/api/v1/opportunities/{peer}", **token("ruud")).status_code == 404
    assert client.get(f"/api/v1/people/{cast.rosa.pk}", **token("ruud")).status_code == 404


def test_pay_is_masked_where_the_role_may_not_see_it(client, cast, token):
    own = client.get(f"/api/v1/people/{cast.ruud.pk}", **token("ruud")).json()
    assert own["base_salary"] == "50000.00"
    for item in client.get("/api/v1/people", **token("dirk")).json()["items"]:
        assert item["base_salary"] is not None
    # a manager sees her team's pay, not the other team's nor her director's
    listed = client.get("/api/v1/people?limit=100", **token("mia")).json()["items"]
    pay = {item["id"]: item["base_salary"] for item in listed}
    assert set(pay) == {cast.mia.pk, cast.ruud.pk, cast.rosa.pk}
    assert all(value is not None for value in pay.values())
    director = client.get(f"/api/v1/people/{cast.dirk.pk}", **token("cora")).json()
    assert director["base_salary"] is not None  # the pay roles see everyone's
    peer = client.get(f"/api/v1/people/{cast.rosa.pk}", **token("ruud"))
    assert peer.status_code == 404  # not masked but not there at all


def test_filters_search_and_pagination(client, cast, token):
    headers = token("dirk")
    assert client.get("/api/v1/opportunities?q=rosa", **headers).json()["count"] == 1
    by_owner = client.get(f"/api/v1/opportunities?owner={cast.rik.pk}", **headers).json()
    assert [i["name"] for i in by_owner["items"]] == ["Deal rik"]
    page = client.get("/api/v1/opportunities?limit=2&offset=2&sort=name", **headers).json()
    assert page["count"] == 3 and [i["name"] for i in page["items"]] == ["Deal ruud"]
    assert client.get("/api/v1/opportunities?limit=501", **headers).status_code == 422


def _deal(cast, **changes) -> dict:
    """An opportunity as the API takes it: Ruud's, on his account."""
    return {
        "name": "Deal",
        "account_id": cast.accounts["ruud"].pk,
        "owner_id": cast.ruud.pk,
        "stage_id": cast.stages["prospect"].pk,
        "amount": "100.00",
        "currency": "EUR",
        "created_on": "2026-11-01",
        "expected_close_date": "2026-12-01",
        "source": "sales",
        **changes,
    }


def test_create_validates_and_names_the_field(client, cast, token):
    headers = token("ruud")
    before = sm.Opportunity.objects.count()
    body = _deal(cast, name="API deal", amount="2500.00", currency="XYZ")
    body["forecast_category"] = "pipeline"
    response = _post(client, "/api/v1/opportunities", body, headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "currency"]
    assert sm.Opportunity.objects.count() == before
    response = _post(client, "/api/v1/opportunities", {**body, "currency": "EUR"}, headers)
    assert response.status_code == 201 and response.json()["amount"] == "2500.00"
    created = sm.Opportunity.objects.get(name="API deal")
    assert list(created.splits.values_list("person", "percent")) == [(cast.ruud.pk, Decimal("100"))]


def test_unknown_fields_are_refused(client, cast, token):
    response = _post(client, "/api/v1/accounts", {"name": "X", "colour": "blue"}, token("ruud"))
    assert response.status_code == 422


def test_what_a_salesperson_creates_is_theirs(client, cast, token):
    response = _post(
        client,
        "/api/v1/accounts",
        {"name": "Mijn Klant", "lifecycle": "potential", "country": "NL"},
        token("ruud"),
    )
    assert response.status_code == 201 and response.json()["owner"] == cast.ruud.pk


def test_update_rights(client, cast, token):
    own, peer = cast.opportunities["ruud"].pk, cast.opportunities["rosa"].pk
    ok = _patch(client, f"/api/v1/opportunities/{own}", {"amount": "12345.67"}, token("ruud"))
    assert ok.status_code == 200 and ok.json()["amount"] == "12345.67"
    assert (
        _patch(client, f"/api/v1/opportunities/{peer}", {"amount": "1"}, token("ruud")).status_code
        == 404
    )
    assert (
        _patch(client, f"/api/v1/opportunities/{own}", {"amount": "1"}, token("cora")).status_code
        == 403
    )
    assert sm.Opportunity.objects.get(pk=own).amount == Decimal("12345.67")


def _upload(client, kind, text, headers, **form):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile(f"{kind}.csv", text.encode()), **form}
    return client.post(f"/api/v1/imports/{kind}", data, **headers)


def test_import_through_the_api(client, cast, token):
    cast.ruud.external_id = "P-RUUD"
    cast.ruud.save()
    text = "external_id;name;owner\nA-API;API Import B.V.;P-RUUD\n"
    response = _upload(client, "accounts", text, token("dirk"))
    assert response.status_code == 201 and response.json()["created"] == 1
    again = _upload(client, "accounts", text, token("dirk")).json()
    assert again["unchanged"] == 1 and again["created"] == 0
    listed = client.get("/api/v1/imports", **token("dirk")).json()
    assert len(listed) == 2


@pytest.mark.parametrize(
    "text,status",
    [
        ("external_id;name;owner\nA-X;X;P-NOBODY\n", 422),
        ("", 400),
    ],
)
def test_import_errors_through_the_api(client, cast, token, text, status):
    response = _upload(client, "accounts", text, token("dirk"))
    assert response.status_code == status
    if status == 422:
        assert response.json()["errors"][0]["column"] == "owner"
    assert not sm.Account.objects.filter(external_id="A-X").exists()


def test_import_needs_an_importing_role(client, cast, token):
    assert _upload(client, "accounts", "external_id;name\nA;B\n", token("ruud")).status_code == 403
    assert _upload(client, "nonsense", "a\nb\n", token("dirk")).status_code == 404


def test_openapi_document(client, db):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/opportunities" in document["paths"]
    assert "/api/v1/imports/{kind}" in document["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_a_record_for_someone_else_is_refused_not_quietly_made_ones_own(cast, token, client):
    """A rep posting a deal with a stranger as its owner got 201 with himself as owner."""
    body = _deal(cast, name="For Rosa", owner_id=cast.rosa.pk)
    refused = _post(client, "/api/v1/opportunities", body, token("ruud"))
    assert refused.status_code == 422 and "owner" in str(refused.json())
    assert not sm.Opportunity.objects.filter(name="For Rosa").exists()
    body["owner_id"] = cast.ruud.pk
    made = _post(client, "/api/v1/opportunities", body, token("ruud"))
    assert made.status_code == 201, made.content
    assert made.json()["owner"] == cast.ruud.pk
