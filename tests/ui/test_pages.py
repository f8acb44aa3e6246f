"""Every page renders for every role; hot pages keep a fixed number of queries."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from koers.ui.entities import ENTITIES
from koers.ui.navigation import SECTIONS

ROLES = ["ruud", "mia", "dirk", "cora", "ada", "otto"]
LISTS = [slug for slug, e in ENTITIES.items() if e.phase != "hidden"]


@pytest.mark.parametrize("who", ROLES)
def test_home_sections_and_lists_render_for_every_role(cast, login, who):
    client = login(cast.user(who))
    urls = [reverse("home")] + [reverse("section", args=[k]) for k in SECTIONS]
    urls += [reverse("entity_list", args=[slug]) for slug in LISTS]
    for url in urls:
        assert client.get(url).status_code == 200, url


@pytest.fixture
def rewarded(cast):
    """One record of every kind of reward record: a plan with a draw, a goal, a month
    calculated with an adjustment and a hold."""
    import datetime as dt
    from decimal import Decimal

    from koers.reward.models import Badge, Goal, Plan, PlanAssignment, PointRule
    from koers.reward.services import run_month
    from koers.reward.services.payouts import add_adjustment, place_hold
    from tests.reward.test_calc import DOCUMENT

    nov = dt.date(2026, 11, 1)
    plan = Plan.objects.create(code="rep", name="Rep", status="active", document=DOCUMENT)
    PlanAssignment.objects.create(
        person=cast.ruud,
        plan=plan,
        valid_from=dt.date(2026, 1, 1),
        target_incentive=Decimal("6000"),
        draw_kind="recoverable",
        draw_amount=Decimal("100"),
    )
    Goal.objects.create(
        person=cast.ruud,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 12, 31),
        description="Certified in pumps",
        score=Decimal("80"),
    )
    PointRule.objects.create(kpi="visits", points=1, per=1)
    Badge.objects.create(code="b", name_en="B", name_nl="B", kpi="visits", threshold=1)
    run_month(nov, by=None)
    add_adjustment(person=cast.ruud, month=nov, amount=Decimal("10"), reason="Fix", by=None)
    place_hold(person=cast.ruud, month=nov, reason="Check", by=None)
    return cast


@pytest.mark.parametrize("slug", LISTS)
def test_detail_pages_render_for_the_director(rewarded, login, slug):
    cast = rewarded
    client = login(cast.user("dirk"))
    obj = ENTITIES[slug].model.objects.first()
    assert client.get(reverse("entity_detail", args=[slug, obj.pk])).status_code == 200


def test_filters_search_and_sort(cast, login):
    client = login(cast.user("dirk"))
    url = reverse("entity_list", args=["opportunities"])
    body = client.get(url, {"q": "rosa"}).content.decode()
    assert "Deal rosa" in body and "Deal ruud" not in body
    body = client.get(url, {"owner": cast.rik.pk}).content.decode()
    assert "Deal rik" in body and "Deal rosa" not in body
    assert client.get(url, {"sort": "-amount"}).status_code == 200
    assert client.get(url, {"sort": "not_a_field; drop"}).status_code == 200


def test_htmx_request_gets_only_the_results_partial(cast, login):
    client = login(cast.user("dirk"))
    response = client.get(reverse("entity_list", args=["accounts"]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="results"' in body and "<html" not in body


@pytest.mark.parametrize("slug", ["accounts", "opportunities", "orders", "activities"])
def test_list_pages_query_count_does_not_grow_with_rows(
    cast, login, slug, django_assert_max_num_queries
):
    client = login(cast.user("mia"))
    with django_assert_max_num_queries(12):
        client.get(reverse("entity_list", args=[slug]))


def test_home_query_count_is_fixed(cast, login):
    client = login(cast.user("mia"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("home"))
    assert len(ctx.captured_queries) <= 15


def test_healthz_ok(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_healthz_reports_a_broken_database(client, db):
    with mock.patch("koers.ui.views.connection.cursor", side_effect=Exception("db down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503 and response.json()["status"] == "error"


def test_audit_trail_is_for_the_oversight_roles(cast, login):
    assert login(cast.user("cora")).get(reverse("audit_log")).status_code == 200
    assert login(cast.user("ruud")).get(reverse("audit_log")).status_code == 302


def test_people_list_checks_pay_once_not_per_person(cast, login):
    """A manager's people list and export decide pay visibility in one query, however
    many people are listed."""
    from tests.factories import PersonFactory

    client = login(cast.user("mia"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("entity_list", args=["people"]))
    PersonFactory.create_batch(5, unit=cast.noord)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("entity_list", args=["people"]))
    assert len(many.captured_queries) == len(few.captured_queries)
