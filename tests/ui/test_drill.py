"""Drill-downs narrow a list to one person's or one unit's records, within what the viewer
may see."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from koers.sales import models as sm

ORDERS = reverse("entity_list", args=["orders"])


def test_orders_of_one_person_and_of_one_unit(cast, login):
    client = login(cast.user("dirk"))
    body = client.get(ORDERS, {"for_person": cast.ruud.pk}).content.decode()
    assert "SO-ruud" in body and "SO-rosa" not in body and "1 record" in body
    assert 'data-testid="drill-scope"' in body and "Ruud" in body
    body = client.get(ORDERS, {"for_unit": cast.noord.pk}).content.decode()
    assert "SO-ruud" in body and "SO-rosa" in body and "SO-rik" not in body


def test_a_line_credited_twice_in_a_unit_is_listed_once(cast, login):
    line = cast.lines["ruud"]
    line.credits.update(percent=50)
    sm.OrderLineCredit.objects.create(line=line, person=cast.rosa, percent=50)
    body = login(cast.user("dirk")).get(ORDERS, {"for_unit": cast.noord.pk}).content.decode()
    assert "2 records" in body


def test_a_peer_cannot_be_drilled_into(cast, login):
    body = login(cast.user("ruud")).get(ORDERS, {"for_person": cast.rosa.pk}).content.decode()
    assert "SO-rosa" not in body and 'data-testid="drill-scope"' not in body


def test_an_answer_counts_for_its_account_owner_when_it_names_no_one(cast, login):
    sm.NpsResponse.objects.create(
        account=cast.accounts["rosa"], score=3, responded_on=dt.date(2026, 11, 6)
    )
    client = login(cast.user("dirk"))
    body = client.get(reverse("entity_list", args=["nps"]), {"for_person": cast.rosa.pk})
    assert "1 record" in body.content.decode()


def test_exports_follow_the_drill_down(cast, login):
    response = login(cast.user("dirk")).get(
        reverse("entity_export_csv", args=["orders"]), {"for_person": cast.ruud.pk}
    )
    text = (
        b"".join(response.streaming_content).decode()
        if response.streaming
        else response.content.decode()
    )
    assert "SO-ruud" in text and "SO-rik" not in text
