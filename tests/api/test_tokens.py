"""Logins and personal tokens: lockout after repeated wrong passwords, tokens that expire
and end with a password change or deactivation, a cap per login, and a page to manage them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from koers.api.models import ApiToken
from koers.api.services import token_create

PASSWORD = "secret-pass-1"


def _token_request(client, username: str, password: str):
    body = json.dumps({"username": username, "password": password, "name": "script"})
    return client.post("/api/v1/auth/token", data=body, content_type="application/json")


@pytest.fixture
def passwords(cast):
    for name in ("ruud", "rosa"):
        user = cast.user(name)
        user.set_password(PASSWORD)
        user.save()
    return cast


def test_the_login_form_locks_out_after_five_wrong_passwords(client, passwords):
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "ruud", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its message
    fifth = client.post(reverse("login"), {"username": "ruud", "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post(reverse("login"), {"username": "ruud", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_token_exchange_locks_out_after_five_wrong_passwords(client, passwords):
    for _ in range(4):
        assert _token_request(client, "ruud", "wrong").status_code == 401
    assert _token_request(client, "ruud", "wrong").status_code == 429
    response = _token_request(client, "ruud", PASSWORD)
    assert response.status_code == 429 and "locked" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_one_address_trying_many_accounts_is_locked_out_too(client, passwords):
    for i in range(5):
        _token_request(client, f"guess{i}", "wrong")
    assert _token_request(client, "rosa", PASSWORD).status_code == 429


def test_the_lock_lifts_after_the_cool_off(client, passwords):
    for _ in range(5):
        _token_request(client, "ruud", "wrong")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16), tick=False):
        assert _token_request(client, "ruud", PASSWORD).status_code == 201


def _me(_client, raw: str) -> int:
    """The token alone opens the API (a fresh client: no session that would open it too)."""
    from django.test import Client

    return Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def test_a_token_expires(client, cast, settings):
    settings.KOERS_TOKEN_DAYS = 30
    _token, raw = token_create(user=cast.user("ruud"), name="t")
    assert _me(client, raw) == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=31), tick=False):
        assert _me(client, raw) == 401


def test_a_new_password_ends_every_token(client, cast):
    _token, raw = token_create(user=cast.user("ruud"), name="t")
    user = cast.user("ruud")
    user.set_password("another-long-pass-2")
    user.save()
    assert _me(client, raw) == 401


def test_a_deactivated_login_ends_every_token(client, cast):
    _token, raw = token_create(user=cast.user("ruud"), name="t")
    user = cast.user("ruud")
    user.is_active = False
    user.save()
    assert _me(client, raw) == 401


def test_a_login_holds_a_limited_number_of_working_tokens(client, passwords, settings):
    settings.KOERS_MAX_TOKENS = 2
    assert _token_request(client, "ruud", PASSWORD).status_code == 201
    assert _token_request(client, "ruud", PASSWORD).status_code == 201
    third = _token_request(client, "ruud", PASSWORD)
    assert third.status_code == 422 and "revoke one first" in json.dumps(third.json())


def test_a_person_sees_creates_and_revokes_their_own_tokens_on_a_page(client, cast, login):
    other, _raw = token_create(user=cast.user("rosa"), name="Rosa's script")
    client = login(cast.user("ruud"))
    created = client.post(reverse("account_tokens"), {"name": "Forecast sync"}).content.decode()
    raw = created.split('data-testid="new-token"', 1)[1].split("<code>", 1)[1].split("</code>")[0]
    assert raw.startswith("kt_") and _me(client, raw) == 200
    page = client.get(reverse("account_tokens")).content.decode()
    assert "Forecast sync" in page and "Rosa&#x27;s script" not in page and raw not in page
    mine = ApiToken.objects.get(name="Forecast sync")
    client.post(reverse("account_token_revoke", args=[mine.pk]))
    assert _me(client, raw) == 401
    client.post(reverse("account_token_revoke", args=[other.pk]))  # not hers: nothing happens
    other.refresh_from_db()
    assert other.revoked_at is None


def test_a_person_changes_their_password_and_weak_ones_are_refused(cast, login):
    user = cast.user("ruud")
    user.set_password(PASSWORD)
    user.save()
    client = login(user)
    weak = client.post(
        reverse("account_password"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200 and "too common" in weak.content.decode()
    strong = "Pomp-en-klep-2027"
    response = client.post(
        reverse("account_password"),
        {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(strong)
