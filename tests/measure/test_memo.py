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
    # the home page's to-do list, cycle line and pay are read live (what waits on a
    # person changes with every answer): ten small queries beside the cached figures
    budget = 20 if page == "home" else 12
    assert len(second) <= budget, [q["sql"][:80] for q in second]


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
    assert re.search(r'data-tile="revenue-month">€ 1,000<', before)
    sale(facts, facts.ruud, "SO-NEW", dt.date(2026, 11, 20), "234.00")
    kpi_facts_refresh(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    after = client.get(reverse("home")).content.decode()
    assert re.search(r'data-tile="revenue-month">€ 1,234<', after)


def test_people_with_other_scopes_do_not_share_figures(facts, login):
    sale(facts, facts.rosa, "SO-ROSA-2", dt.date(2026, 11, 21), "500.00")
    kpi_facts_refresh(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    ruud = login(facts.user("ruud")).get(reverse("home")).content.decode()
    rosa = login(facts.user("rosa")).get(reverse("home")).content.decode()
    assert re.search(r'data-tile="revenue-month">€ 1,000<', ruud)
    assert re.search(r'data-tile="revenue-month">€ 1,500<', rosa)


def test_two_directors_share_the_figures_but_each_page_is_their_own(facts, login):
    """The rendered figures are kept per scope, which two directors share; the greeting,
    the navigation and the session's form token around them are each person's own."""
    from tests.conftest import _person

    other = _person("dora", facts.dirk.unit, "director")
    dirk = login(facts.user("dirk")).get(reverse("home")).content.decode()
    client = login(other.user)
    with CaptureQueriesContext(connection) as queries:
        dora = client.get(reverse("home")).content.decode()
    assert not any("sales_orderline" in q["sql"] for q in queries)  # the figures were kept
    greeting = re.compile(
        r"<h1>([^<]*)</h1>.*data-testid=\"whoami\">([^<]*)<|"
        r"data-testid=\"whoami\">([^<]*)<.*?<h1>([^<]*)</h1>",
        re.S,
    )
    dirk_says = " ".join(filter(None, greeting.search(dirk).groups()))
    dora_says = " ".join(filter(None, greeting.search(dora).groups()))
    assert "Dirk" in dirk_says and "Dora" not in dirk_says
    assert "Dora" in dora_says and "Dirk" not in dora_says
    figures = re.compile(r'data-tile="revenue-month">([^<]*)<')
    assert figures.search(dirk).group(1) == figures.search(dora).group(1)
    # the frame of each page carries the session's own token: Dora can log out
    assert client.post(reverse("logout")).status_code == 302


def test_a_new_analysis_renders_the_deviations_page_again(facts, login):
    """The deviations page keeps its rendered rows, each with the analysis made of it; a
    new analysis is an audited change, so the next view renders them again."""
    from koers.measure.models import RootCauseAnalysis

    client = login(facts.user("mia"))
    client.get(reverse("deviations"))
    with CaptureQueriesContext(connection) as cached:
        client.get(reverse("deviations"))
    record_save(
        obj=RootCauseAnalysis(
            person=facts.ruud,
            kpi="revenue",
            month=dt.date(2026, 10, 1),
            title="Revenue short",
            why_1="Fewer visits",
            root_cause="Fewer visits",
            created_by=facts.user("mia"),
        ),
        by=facts.user("mia"),
    )
    with CaptureQueriesContext(connection) as again:
        assert client.get(reverse("deviations")).status_code == 200
    assert any("measure_rootcauseanalysis" in q["sql"] for q in again)
    assert not any("measure_rootcauseanalysis" in q["sql"] for q in cached)
