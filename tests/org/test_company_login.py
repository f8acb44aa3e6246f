"""Company logins end to end: Koers (the relying party, through mozilla-django-oidc) against
a real OpenID Connect provider running beside the test (django-oauth-toolkit, in its own
process): a person is matched by e-mail; a token for another application, an expired token
and an unknown e-mail address are refused with the reason on the login page."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth.models import User

from koers.org.company_login import CompanyLoginBackend

CALLBACK = "http://testserver/oidc/callback/"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    folder = tmp_path_factory.mktemp("idp")
    (folder / "setup.json").write_text(
        json.dumps(
            {
                "users": [
                    {"username": "ruud", "email": "Ruud@Example.com"},
                    {"username": "stranger", "email": "stranger@elsewhere.example"},
                    {"username": "nina", "email": "nina@example.com"},
                ],
                "applications": [
                    {"client_id": "koers", "client_secret": "s3cret", "redirect_uri": CALLBACK},
                    {"client_id": "other", "client_secret": "0ther", "redirect_uri": CALLBACK},
                ],
            }
        )
    )
    from tests.conftest import NOW

    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.serve", str(folder)],
        cwd=ROOT,
        env={**os.environ, "IDP_NOW": NOW.isoformat()},  # one clock, as in a real deployment
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline() if process.stdout else ""
    if not line.startswith("ready"):
        process.kill()
        pytest.fail(f"the identity provider did not start: {line!r}")
    base = f"http://127.0.0.1:{line.split()[1]}"
    yield base
    process.kill()
    process.wait()


@pytest.fixture
def koers_client(provider, settings, client, cast):
    settings.OIDC_RP_CLIENT_ID = "koers"
    settings.OIDC_RP_CLIENT_SECRET = "s3cret"
    settings.KOERS_OIDC_ISSUER = f"{provider}/o"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider}/o/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider}/o/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider}/o/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider}/o/.well-known/jwks.json"
    settings.KOERS_OIDC_PROVIDER_NAME = "Test IdP"
    cast.ruud.email = "ruud@example.com"
    cast.ruud.save()
    return client


def _at_provider(provider: str, username: str, authorize: str) -> str:
    """The person logs in at the provider, which sends the browser back: Koers's callback."""
    browser = requests.Session()
    answer = browser.get(
        f"{provider}/log-in-as/{username}/", params={"next": authorize}, allow_redirects=False
    )
    answer = browser.get(answer.headers["Location"], allow_redirects=False)
    back = answer.headers["Location"]
    assert back.startswith(CALLBACK), back
    parts = urlsplit(back)
    return f"{parts.path}?{parts.query}"


def _log_in(client, provider: str, username: str):
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302 and start["Location"].startswith(f"{provider}/o/authorize/")
    return client.get(_at_provider(provider, username, start["Location"]))


def _refusal(client) -> str:
    page = client.get("/login/?company=refused").content.decode()
    marker = 'data-testid="company-refused">'
    return page.split(marker, 1)[1].split("</p>", 1)[0] if marker in page else ""


def test_the_login_page_offers_the_company_login_only_when_it_is_set_up(koers_client, settings):
    assert "Log in with your Test IdP account" in koers_client.get("/login/").content.decode()
    settings.OIDC_RP_CLIENT_ID = ""
    assert 'data-testid="company-login"' not in koers_client.get("/login/").content.decode()
    assert koers_client.get("/oidc/authenticate/").status_code == 404


def test_a_person_logs_in_with_the_company_account_matched_by_e_mail(koers_client, provider, cast):
    done = _log_in(koers_client, provider, "ruud")
    assert done.status_code == 302 and done["Location"] == "/"
    page = koers_client.get("/").content.decode()
    cast.ruud.refresh_from_db()
    assert 'data-testid="whoami"' in page and cast.ruud.first_name in page
    assert int(koers_client.session["_auth_user_id"]) == cast.ruud.user_id


def test_a_person_without_a_login_gets_one_without_a_password(koers_client, provider, cast):
    from koers.org.models import Person

    nina = Person.objects.create(
        external_id="P-NINA",
        first_name="Nina",
        last_name="Nieuw",
        email="nina@example.com",
        unit=cast.noord,
        start_date=dt.date(2026, 1, 1),
    )
    done = _log_in(koers_client, provider, "nina")
    assert done["Location"] == "/"
    nina.refresh_from_db()
    assert nina.user is not None and not nina.user.has_usable_password()
    assert nina.user.username == "nina@example.com"
    assert int(koers_client.session["_auth_user_id"]) == nina.user_id


def test_a_token_for_another_application_is_refused(koers_client, provider, monkeypatch):
    """A token the provider issued to another application (substituted on the way) is not
    a login to Koers, although its signature is the provider's own."""
    other = _other_applications_token(provider)
    monkeypatch.setattr(CompanyLoginBackend, "get_token", lambda self, payload: other)
    done = _log_in(koers_client, provider, "ruud")
    assert done["Location"] == "/login/?company=refused"
    assert "_auth_user_id" not in koers_client.session
    assert _refusal(koers_client) == "The company login was meant for another application."


def test_an_expired_token_is_refused(koers_client, provider):
    import time_machine

    start = koers_client.get("/oidc/authenticate/")
    callback = _at_provider(provider, "ruud", start["Location"])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)  # the token lives 5 minutes
    with time_machine.travel(later, tick=True):
        done = koers_client.get(callback)
    assert done["Location"] == "/login/?company=refused"
    assert "_auth_user_id" not in koers_client.session
    assert _refusal(koers_client) == "The company login has expired: log in again."


def test_an_unknown_e_mail_address_is_refused_and_nothing_is_made(koers_client, provider):
    users = User.objects.count()
    done = _log_in(koers_client, provider, "stranger")
    assert done["Location"] == "/login/?company=refused"
    assert "_auth_user_id" not in koers_client.session
    assert _refusal(koers_client) == (
        "No one in Koers has the e-mail address stranger@elsewhere.example: ask your administrator."
    )
    assert User.objects.count() == users


def _other_applications_token(provider: str) -> dict:
    """A real token response of the provider for the application "other"."""
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    authorize = (
        requests.Request(
            "GET",
            f"{provider}/o/authorize/",
            params={
                "response_type": "code",
                "client_id": "other",
                "redirect_uri": CALLBACK,
                "scope": "openid email",
                "state": "s",
                "nonce": "n",
                "code_challenge": challenge.decode(),
                "code_challenge_method": "S256",
            },
        )
        .prepare()
        .url
    )
    back = _at_provider(provider, "ruud", authorize)
    code = dict(p.split("=", 1) for p in urlsplit(back).query.split("&"))["code"]
    answer = requests.post(
        f"{provider}/o/token/",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": "other",
            "client_secret": "0ther",
            "code_verifier": verifier,
        },
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()
