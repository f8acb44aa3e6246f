"""Pages that list people stay readable (and fast) in a large organisation: the home page
shows the people with the most revenue, the KPI heat map likewise, deviations page by page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from koers.measure import analysis, views
from koers.measure.services import kpi_facts_refresh
from koers.ui import dashboards


@pytest.fixture
def facts(cast):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    return cast


def test_the_home_page_lists_the_top_sellers_and_says_how_many_there_are(facts, login, monkeypatch):
    monkeypatch.setattr(dashboards, "TEAM_ROWS", 2)
    page = login(facts.user("dirk")).get(reverse("home")).content.decode()
    table = re.search(r'data-testid="team-table">(.*?)</table>', page, re.S).group(1)
    assert table.count("<tr>") == 3  # the header and two people
    assert "The 2 with the most revenue of" in page


def test_the_heat_map_keeps_the_top_sellers(facts, login, monkeypatch):
    monkeypatch.setattr(views, "HEAT_ROWS", 1)
    page = login(facts.user("dirk")).get(reverse("kpis")).content.decode()
    heat = re.search(r'data-testid="heat-map">(.*?)</table>', page, re.S).group(1)
    assert heat.count("<tr>") == 2
    assert 'data-testid="heat-more"' in page


def test_deviations_come_page_by_page(facts, login, monkeypatch):
    rows = [
        {
            "person": facts.ruud,
            "code": "revenue",
            "kpi": "Revenue",
            "month": dt.date(2026, 10, 1),
            "value": 1,
            "baseline": 2,
            "change": -50 + i,
            "unit": "money",
        }
        for i in range(3)
    ]
    monkeypatch.setattr(analysis, "_deviations", lambda user: rows)
    monkeypatch.setattr(analysis, "PAGE_SIZE", 2)
    client = login(facts.user("dirk"))
    first = client.get(reverse("deviations")).content.decode()
    assert "Page 1 of 2" in first and "?page=2" in first
    second = client.get(reverse("deviations"), {"page": 2}).content.decode()
    assert "Page 2 of 2" in second


def test_a_long_list_is_not_counted_to_the_end(cast, login, monkeypatch):
    """Up to EXACT_UP_TO records are counted; beyond, PostgreSQL's estimate says "about"
    (SQLite has none: it counts). Every page still follows with Next."""
    from django.db import connection

    from koers.ui import paging

    client = login(cast.user("dirk"))
    page = client.get("/data/people/").content.decode()
    total = int(re.search(r'result-count">(\d+) ', page).group(1))
    assert total > 3
    monkeypatch.setattr(paging, "EXACT_UP_TO", 3)
    page = client.get("/data/people/").content.decode()
    count = re.search(r'result-count">([^<]*)<', page).group(1)
    if connection.vendor == "postgresql":
        assert count.startswith("about ")
        assert int(count.split()[1].replace(",", "")) >= 4
    else:
        assert count == f"{total} records"
    # a filter that leaves few is counted exactly
    few = client.get("/data/people/?q=Ruud").content.decode()
    assert re.search(r'result-count">1 record<', few)
