"""Signing in through the login page: the login and its person come in one query on every
page after it, and a login whose person is gone or who is made inactive is let go."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from koers.org.models import Person


def _sign_in(client, username: str) -> None:
    user = get_user_model().objects.get(username=username)
    user.set_password("a long enough secret")
    user.save()
    page = client.get(reverse("login")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        reverse("login"),
        {"username": username, "password": "a long enough secret", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302, response.content.decode()[:500]


def test_the_login_and_its_person_come_in_one_query(cast, client):
    _sign_in(client, cast.user("ruud").username)
    assert client.get(reverse("home")).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    persons = [q for q in queries if 'FROM "org_person"' in q["sql"]]
    users = [q for q in queries if 'FROM "auth_user"' in q["sql"]]
    assert len(users) == 1 and 'JOIN "org_person"' in users[0]["sql"]
    assert not persons


def test_a_login_without_a_person_sees_nothing_and_an_inactive_one_is_let_go(cast, client):
    user = cast.user("ruud")
    _sign_in(client, user.username)
    Person.objects.filter(user=user).update(user=None)
    home = client.get(reverse("home"))
    assert home.status_code == 200 and "€ 1,000" not in home.content.decode()
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
