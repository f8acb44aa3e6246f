"""The pages of a person, account, opportunity and unit lead with what a salesperson uses:
key figures with their trend, open deals, recent activities and NPS, from the same facts
as the KPI pages and within what the viewer may see; coordinates only as a map."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from koers.measure.services import kpi_facts_refresh
from koers.sales.models import Activity
from tests.conftest import sale

D = dt.date


@pytest.fixture
def figures(cast):
    sale(cast, cast.ruud, "SO-LAST-YEAR", D(2025, 6, 1), "400.00")
    Activity.objects.create(
        kind="quote",
        date=D(2026, 11, 20),
        owner=cast.ruud,
        account=cast.accounts["ruud"],
        subject="Offerte pompen",
    )
    account = cast.accounts["ruud"]
    account.latitude, account.longitude = Decimal("52.370216"), Decimal("4.895168")
    account.save()
    kpi_facts_refresh(start=D(2025, 1, 1), end=D(2026, 11, 30))
    return cast


def _tiles(page: str) -> dict[str, str]:
    block = re.search(r'data-testid="key-figures">(.*?)</ul>', page, re.S).group(1)
    labels = re.findall(r'kpi-label">([^<]+)<', block)
    values = [
        re.sub(r"<[^>]+>", "", v).strip()
        for v in re.findall(r'kpi-value">(.*?)</span>', block, re.S)
    ]
    return dict(zip(labels, values, strict=True))


def test_my_person_page_shows_my_figures_deals_activities_and_links(figures, login):
    client = login(figures.user("ruud"))
    page = client.get(reverse("entity_detail", args=["people", figures.ruud.pk])).content.decode()
    tiles = _tiles(page)
    kpis = client.get(reverse("kpis"), {"period": "ytd"}).content.decode()
    on_kpis = re.search(r'data-value="revenue">([^<]+)<', kpis).group(1)
    assert tiles["Revenue this year"] == on_kpis == "€ 1,000"  # one figure, one value
    assert "year before: € 0" not in page and "nothing the year before" in page
    assert tiles["Quotes this month"] == "1"
    assert 'data-testid="record-trend"' in page
    assert "Deal ruud" in re.search(r'data-testid="open-deals">(.*?)</table>', page, re.S).group(1)
    assert "Offerte pompen" in page
    links = re.search(r'data-testid="record-links">(.*?)</nav>', page, re.S).group(1)
    assert reverse("statement") in links and reverse("kpis") in links


def test_a_manager_sees_her_salespersons_figures_and_statement(figures, login):
    page = (
        login(figures.user("mia"))
        .get(reverse("entity_detail", args=["people", figures.ruud.pk]))
        .content.decode()
    )
    assert _tiles(page)["Revenue this year"] == "€ 1,000"


def test_a_salesperson_sees_no_team_figures_on_the_unit_page(figures, login):
    ruud = login(figures.user("ruud"))
    page = ruud.get(reverse("entity_detail", args=["units", figures.noord.pk])).content.decode()
    assert 'data-testid="key-figures"' not in page  # Rosa's revenue is hers
    mia = login(figures.user("mia"))
    page = mia.get(reverse("entity_detail", args=["units", figures.noord.pk])).content.decode()
    tiles = _tiles(page)
    assert tiles["Revenue this year"] == "€ 2,000"  # Ruud's and Rosa's
    assert tiles["Open pipeline"] == "€ 20,000"


def test_an_account_page_shows_revenue_and_no_raw_coordinates(figures, login):
    client = login(figures.user("ruud"))
    url = reverse("entity_detail", args=["accounts", figures.accounts["ruud"].pk])
    page = client.get(url).content.decode()
    tiles = _tiles(page)
    assert tiles["Revenue, last 12 months"] == "€ 1,000"
    assert "year before: € 400" in page  # June 2025: in the twelve months before
    assert "52.370216" not in page and "52,370216" not in page
    assert 'data-testid="record-map"' not in page  # no tile server configured: no map
    with override_settings(KOERS_MAP_TILES="https://tiles.example.org/{z}/{x}/{y}.png"):
        page = client.get(url).content.decode()
    assert 'data-testid="record-map"' in page and "vendor/leaflet/leaflet.js" in page


def test_an_opportunity_page_shows_amount_stage_and_age(figures, login):
    deal = figures.opportunities["ruud"]
    page = (
        login(figures.user("ruud"))
        .get(reverse("entity_detail", args=["opportunities", deal.pk]))
        .content.decode()
    )
    tiles = _tiles(page)
    assert tiles["Amount"] == "€ 10,000"
    assert tiles["Age"] == "53 days"  # 1 October to 23 November
    assert 'data-testid="stage-history"' in page


def test_record_pages_speak_dutch(figures, login):
    client = login(figures.user("ruud"))
    page = client.get(
        reverse("entity_detail", args=["people", figures.ruud.pk]), HTTP_ACCEPT_LANGUAGE="nl"
    ).content.decode()
    assert "Omzet dit jaar" in page and "Recente activiteiten" in page
