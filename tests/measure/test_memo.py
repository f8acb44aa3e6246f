"""Dashboards compute their figures once per scope, day and data version: a second view
reads them from the cache, and any change (a refresh, a record edit, an audited change such
as a new target) shows at once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from koers.core.services import record_save
from koers.measure.services import kpi_facts_refresh
from koers.plan.models import Target
from tests.conftest import sale


@pytest.fixture
def facts(cast):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    return cast


@pytest.mark.parametrize("page", ["home", "kpis", "customers", "deviations"])
def test_a_second_view_reads_the_figures_from_the_cache(facts, login, page):
    client = login(facts.user("mia"))
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse(page)).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(reverse(page)).status_code == 200
    assert len(second) < len(first)
    assert len(second) <= 12, [q["sql"][:80] for q in second]


def test_a_new_target_shows_at_once(facts, login):
    client = login(facts.user("ruud"))
    assert 'data-attainment="revenue"' not in client.get(reverse("kpis")).content.decode()
    record_save(
        obj=Target(kpi="revenue", person=facts.ruud, month=dt.date(2026, 11, 1), value=2000),
        by=facts.user("mia"),
    )
    page = client.get(reverse("kpis")).content.decode()
    assert re.search(r'data-attainment="revenue">50%<', page)


def test_a_new_sale_shows_after_the_refresh(facts, login):
    client = login(facts.user("ruud"))
    before = client.get(reverse("home")).content.decode()
    assert re.search(r'data-figure="revenue-month">€ 1,000<', before)
    sale(facts, facts.ruud, "SO-NEW", dt.date(2026, 11, 20), "234.00")
    kpi_facts_refresh(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    after = client.get(reverse("home")).content.decode()
    assert re.search(r'data-figure="revenue-month">€ 1,234<', after)


def test_people_with_other_scopes_do_not_share_figures(facts, login):
    sale(facts, facts.rosa, "SO-ROSA-2", dt.date(2026, 11, 21), "500.00")
    kpi_facts_refresh(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    ruud = login(facts.user("ruud")).get(reverse("home")).content.decode()
    rosa = login(facts.user("rosa")).get(reverse("home")).content.decode()
    assert re.search(r'data-figure="revenue-month">€ 1,000<', ruud)
    assert re.search(r'data-figure="revenue-month">€ 1,500<', rosa)
