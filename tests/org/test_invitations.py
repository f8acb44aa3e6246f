"""An administrator invites a person to a password login from the person's page; the link
sets a password once; no other role may invite, and nobody invites themselves up."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from koers.org.models import AuditEvent, Person


@pytest.fixture
def nina(cast):
    return Person.objects.create(
        external_id="P-NINA",
        first_name="Nina",
        last_name="Nieuw",
        email="nina@example.com",
        unit=cast.noord,
        start_date=cast.ruud.start_date,
    )


def test_an_administrator_invites_a_person_who_then_sets_a_password_once(cast, login, nina, client):
    admin = login(cast.user("ada"))
    page = admin.get(reverse("entity_detail", args=["people", nina.pk])).content.decode()
    assert "No login yet." in page and 'data-testid="invite"' in page
    done = admin.post(reverse("person_invite", args=[nina.pk]))
    assert done.status_code == 302
    nina.refresh_from_db()
    assert nina.user.username == "nina@example.com" and not nina.user.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["nina@example.com"] and "nina@example.com" in message.body
    link = re.search(r"http\S+/login/set-password/\S+/", message.body).group(0)
    assert AuditEvent.objects.filter(action="invite").count() == 1
    admin.logout()
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    assert "Your login name is “nina@example.com”" in form.content.decode()
    url = form.redirect_chain[-1][0]
    password = "Zeilboot-Koers-2027"
    done = client.post(url, {"new_password1": password, "new_password2": password})
    assert done.status_code == 302 and done["Location"] == reverse("login")
    logged_in = client.post(
        reverse("login"), {"username": "nina@example.com", "password": password}
    )
    assert logged_in.status_code == 302 and int(client.session["_auth_user_id"]) == nina.user_id
    client.logout()
    again = client.get("/" + path, follow=True).content.decode()
    assert "This link has been used or has expired" in again


@pytest.mark.parametrize("who", ["dirk", "cora", "mia", "ruud"])
def test_only_an_administrator_invites(cast, login, nina, who):
    client = login(cast.user(who))
    assert client.post(reverse("person_invite", args=[nina.pk])).status_code == 403
    assert client.post(reverse("person_invite", args=[getattr(cast, who).pk])).status_code == 403
    nina.refresh_from_db()
    assert nina.user is None and not mail.outbox


def test_a_person_without_an_e_mail_address_is_not_invited(cast, login, nina):
    nina.email = ""
    nina.save()
    client = login(cast.user("ada"))
    page = client.post(reverse("person_invite", args=[nina.pk]), follow=True).content.decode()
    assert "has no e-mail address: add one first." in page
    nina.refresh_from_db()
    assert nina.user is None and not mail.outbox
