"""Logins and personal tokens: lockout after repeated wrong passwords, tokens that expire
and end with a password change or deactivation, a cap per login, and a page to manage them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from koers.api.models import ApiToken
from koers.api.services import token_create
from koers.ui.client_ip import client_ip

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


# --- behind a proxy: lockouts count the client the trusted proxy forwards -------------

PROXY = "127.0.0.1"


def _token(client, username: str, password: str, via: str, remote: str = PROXY):
    body = json.dumps({"username": username, "password": password, "name": "script"})
    return client.post(
        "/api/v1/auth/token",
        data=body,
        content_type="application/json",
        HTTP_X_FORWARDED_FOR=via,
        REMOTE_ADDR=remote,
    )


@pytest.fixture
def behind_proxy(settings, passwords):
    """Koers behind a proxy on this machine (and on 10.x), the cast's passwords set."""
    settings.KOERS_BEHIND_PROXY = True
    settings.KOERS_TRUSTED_PROXIES = "127.0.0.1,::1,10.0.0.0/8"
    return passwords


def test_one_clients_wrong_passwords_lock_out_that_client_not_everyone(client, behind_proxy):
    for i in range(5):
        _token(client, f"guess{i}", "wrong", via="203.0.113.7")
    assert _token(client, "rosa", PASSWORD, via="203.0.113.7").status_code == 429
    # a colleague with the right password, through the same proxy
    assert _token(client, "rosa", PASSWORD, via="198.51.100.20").status_code == 201


def test_a_forwarded_address_from_outside_the_trusted_proxies_is_ignored(client, behind_proxy):
    for i in range(5):  # straight to Koers, each time claiming another address
        _token(client, f"guess{i}", "wrong", via=f"198.51.100.{i}", remote="203.0.113.9")
    assert (
        _token(client, "rosa", PASSWORD, via="192.0.2.1", remote="203.0.113.9").status_code == 429
    )


@pytest.mark.parametrize(
    ("forwarded", "remote", "behind", "expected"),
    [
        ("203.0.113.7", "127.0.0.1", True, "203.0.113.7"),
        (
            "198.51.100.1, 203.0.113.7",
            "127.0.0.1",
            True,
            "203.0.113.7",
        ),  # the left is the client's say
        ("203.0.113.7, 10.1.2.3", "10.0.0.5", True, "203.0.113.7"),  # two proxies of ours
        ("203.0.113.7", "198.51.100.9", True, "198.51.100.9"),  # not from a proxy
        ("not-an-address", "127.0.0.1", True, "127.0.0.1"),
        ("", "127.0.0.1", True, "127.0.0.1"),
        ("203.0.113.7", "127.0.0.1", False, "127.0.0.1"),  # no proxy configured
    ],
)
def test_the_client_address(settings, forwarded, remote, behind, expected):
    settings.KOERS_BEHIND_PROXY = behind
    settings.KOERS_TRUSTED_PROXIES = "127.0.0.1,::1,10.0.0.0/8"
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == expected
