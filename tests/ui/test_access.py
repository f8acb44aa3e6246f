"""Guessing a URL or id never shows a record that is not yours."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "slug,records",
    [("opportunities", "opportunities"), ("accounts", "accounts"), ("orders", "lines")],
)
def test_salesperson_cannot_open_a_peers_record_by_id(cast, login, slug, records):
    client = login(cast.user("ruud"))
    own = getattr(cast, records)["ruud"]
    peer = getattr(cast, records)["rosa"]
    assert client.get(reverse("entity_detail", args=[slug, own.pk])).status_code == 200
    response = client.get(reverse("entity_detail", args=[slug, peer.pk]))
    assert response.status_code == 404
    assert str(peer).encode() not in response.content


def test_salesperson_cannot_open_a_peers_person_page(cast, login):
    client = login(cast.user("ruud"))
    assert client.get(reverse("entity_detail", args=["people", cast.rosa.pk])).status_code == 404
    assert (
        client.get(
            reverse("entity_edit", args=["opportunities", cast.opportunities["rosa"].pk])
        ).status_code
        == 404
    )


def test_a_peers_record_and_a_missing_one_look_the_same(cast, login):
    client = login(cast.user("ruud"))
    peer = client.get(reverse("entity_detail", args=["accounts", cast.accounts["rosa"].pk]))
    missing = client.get(reverse("entity_detail", args=["accounts", 999999]))
    assert peer.status_code == missing.status_code == 404


def test_lists_show_only_visible_records(cast, login):
    client = login(cast.user("ruud"))
    body = client.get(reverse("entity_list", args=["opportunities"])).content.decode()
    assert "Deal ruud" in body and "Deal rosa" not in body and "Deal rik" not in body


def test_manager_list_covers_the_team_not_other_teams(cast, login):
    client = login(cast.user("mia"))
    body = client.get(reverse("entity_list", args=["accounts"])).content.decode()
    assert "Ruud&#x27;s Pompen" in body and "Rosa&#x27;s Kleppen" in body
    assert "Rik&#x27;s Bouw" not in body


def test_outsider_sees_nothing(cast, login):
    client = login(cast.otto)
    body = client.get(reverse("entity_list", args=["accounts"])).content.decode()
    assert "Pompen" not in body and "Kleppen" not in body
    assert client.get(reverse("home")).status_code == 200


def test_lookup_suggests_only_visible_records(cast, login):
    client = login(cast.user("ruud"))
    body = client.get(reverse("entity_lookup", args=["accounts"]), {"q": "s"}).content.decode()
    assert "Ruud" in body and "Rosa" not in body and "Rik" not in body


def test_pages_need_a_login(client, cast):
    response = client.get(reverse("entity_list", args=["accounts"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_peers_pay_is_never_in_a_salespersons_pages(cast, login):
    cast.rosa.base_salary = "61234.00"
    cast.rosa.save()
    client = login(cast.user("ruud"))
    for url in [
        reverse("home"),
        reverse("entity_list", args=["people"]),
        reverse("entity_detail", args=["people", cast.ruud.pk]),
    ]:
        assert b"61" + b",234" not in client.get(url).content
        assert b"61.234" not in client.get(url).content


@pytest.mark.parametrize("url", ["/reward/statement/", "/api/v1/auth/me", "/data/people/"])
def test_pay_pages_and_the_api_are_never_cached(cast, login, url):
    response = login(cast.user("ruud")).get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_the_content_security_policy_allows_only_koers_own_scripts(cast, login):
    policy = login(cast.user("ruud")).get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"


@pytest.mark.parametrize("debug", [True, False])
def test_a_missing_page_is_koers_own_404_in_every_mode(cast, login, settings, debug):
    settings.DEBUG = debug
    client = login(cast.user("ruud"))
    for url in ["/data/opportunities/99999/", "/no/such/page/"]:
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 404 and "Koers" in body
        assert "URLconf" not in body and "Using the URLconf" not in body
