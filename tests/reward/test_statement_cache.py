"""A statement is rendered once per person, month and version of what it reads: a second
view reads it from the cache, every change that alters it shows at once, and the cache
never lets anyone read a statement they may not open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from koers.reward.services import run_month
from koers.reward.services.payouts import add_adjustment
from koers.sales import models as sm
from koers.sales.services import opportunity_save
from tests.reward.test_calc import NOV
from tests.reward.test_payouts import ruuds_sale


def _page(client, url=None, **params):
    response = client.get(url or reverse("statement"), params)
    assert response.status_code == 200
    return response.content.decode()


def _main(page: str) -> str:
    """The page's content, without the frame (whose token differs per request)."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_second_view_reads_the_statement_from_the_cache(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("ruud"))
    with CaptureQueriesContext(connection) as first:
        body = _page(client)
    with CaptureQueriesContext(connection) as second:
        again = _page(client)
    assert _main(again) == _main(body) and "€ 60.00" in body
    assert len(second) < len(first)
    assert not [q for q in second if "reward_payoutline" in q["sql"].split("FROM")[1][:40]]


def test_an_adjustment_shows_at_once(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("ruud"))
    assert "€ 123.45" not in _page(client)
    add_adjustment(
        person=planned.ruud,
        month=NOV,
        amount=Decimal("123.45"),
        reason="Late order",
        by=planned.user("cora"),
    )
    assert "€ 123.45" in _page(client)


def test_a_recalculation_shows_at_once(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("ruud"))
    assert "€ 60.00" in _page(client)
    # another € 1,000: € 2,000 against € 800 = 5% of 800 + 10% of 1,200 = € 160
    ruuds_sale("SO-RUUD-2", dt.date(2026, 11, 20), "1000.00", planned.ruud)
    run_month(NOV, by=None)
    assert "€ 160.00" in _page(client)


def test_a_new_open_deal_is_offered_at_once(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("ruud"))
    assert "Brand-new pump deal" not in _page(client)
    opportunity_save(
        opportunity=sm.Opportunity(
            name="Brand-new pump deal",
            account=sm.Account.objects.get(name="Ruud's Pompen"),
            owner=planned.ruud,
            stage=planned.opportunities["ruud"].stage,
            amount=Decimal("5000.00"),
            currency="EUR",
            created_on=dt.date(2026, 11, 2),
            expected_close_date=dt.date(2026, 12, 20),
            source="sales",
        ),
        by=None,
        on=dt.date(2026, 11, 2),
    )
    assert "Brand-new pump deal" in _page(client)


def test_a_kept_statement_is_only_read_by_who_may_open_it(planned, login):
    run_month(NOV, by=None)
    url = reverse("statement_of", args=[planned.ruud.pk])
    assert "€ 60.00" in _page(login(planned.user("mia")), url)
    assert "€ 60.00" in _page(login(planned.user("ruud")), url)
    assert login(planned.user("max")).get(url).status_code == 404
    assert login(planned.user("rosa")).get(url).status_code == 404


def test_each_person_and_month_is_kept_apart(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("cora"))
    ruud = _page(client, reverse("statement_of", args=[planned.ruud.pk]))
    rosa = _page(client, reverse("statement_of", args=[planned.rosa.pk]))
    assert "Ruud" in ruud and "Rosa" not in _main(ruud)
    assert "Rosa" in rosa and "Ruud" not in _main(rosa)
    assert "€ 60.00" in _page(client, reverse("statement_of", args=[planned.ruud.pk]))
    # a month with no run, or text that is no month, shows the latest
    latest = _page(client, reverse("statement_of", args=[planned.ruud.pk]))
    junk = _page(client, reverse("statement_of", args=[planned.ruud.pk]), month="junk")
    assert _main(junk) == _main(latest)
    assert "€ 60.00" in _page(
        client, reverse("statement_of", args=[planned.ruud.pk]), month="1999-01"
    )


def test_an_estimate_is_worked_out_for_each_request(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("ruud"))
    _page(client)
    # commission: € 1,200 against € 800 = 5% of 800 + 10% of 400 = € 80
    assert "€ 80.00" in _page(client, extra="200")
    # € 1,400: 5% of 800 + 10% of 600 = € 100
    assert "€ 100.00" in _page(client, extra="400")
    partial = client.get(reverse("statement"), {"extra": "400"}, HTTP_HX_REQUEST="true")
    assert "€ 100.00" in partial.content.decode() and "<main" not in partial.content.decode()
