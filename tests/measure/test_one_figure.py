"""One figure, one value: revenue for a scope and period is computed once (the KPI facts)
and every page and the API show the same, for every role. Runs on SQLite and, in
`make test`, on PostgreSQL too."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from koers.engine.money import shown
from koers.measure.benchmark import benchmark
from koers.measure.services import kpi_facts_refresh
from koers.org import visibility as vis
from koers.org.models import OrgUnit
from koers.plan.models import Target
from koers.reward.services import run_month
from tests.conftest import on_plan, sale

NOV = dt.date(2026, 11, 1)
TODAY = dt.date(2026, 11, 23)
ROLES = ["ruud", "rosa", "mia", "max", "dirk", "cora", "ada"]


def _number(text: str) -> Decimal:
    """€ 1,234 or € 1.234,56 as a Decimal (the page's language: English)."""
    return Decimal(re.sub(r"[^\d.\-]", "", text) or "0")


@pytest.fixture
def busy(cast):
    # a director who sells, a shared deal, a split that leaves a cent, a foreign currency
    from koers.sales.models import Activity, Opportunity

    sale(cast, cast.dirk, "SO-DIRK", dt.date(2026, 11, 4), "777.77")
    sale(cast, cast.ruud, "SO-ODD", dt.date(2026, 11, 6), "594.58")
    for person, kind, day in [
        (cast.ruud, "quote", dt.date(2026, 11, 10)),
        (cast.dirk, "quote", dt.date(2026, 11, 11)),
        (cast.rik, "call", dt.date(2026, 11, 12)),
        (cast.rosa, "quote", dt.date(2026, 10, 30)),  # last month: not this month's
    ]:
        Activity.objects.create(kind=kind, date=day, owner=person)
    # decided deals this year: the win rate; one by the selling director
    for person, stage, day in [
        (cast.ruud, "customer", dt.date(2026, 3, 3)),
        (cast.ruud, "lost", dt.date(2026, 5, 5)),
        (cast.rik, "lost", dt.date(2026, 6, 6)),
        (cast.dirk, "customer", dt.date(2026, 7, 7)),
        (cast.rosa, "customer", dt.date(2025, 12, 12)),  # last year: not this year's
    ]:
        Opportunity.objects.create(
            name=f"{stage} {person}",
            account=cast.accounts["ruud"],
            owner=person,
            stage=cast.stages[stage],
            amount=Decimal("300.00"),
            reporting_amount=Decimal("300.00"),
            currency="EUR",
            created_on=day,
            closed_on=day,
            expected_close_date=day,
            source="sales",
        )
    kpi_facts_refresh(start=dt.date(2025, 1, 1), end=dt.date(2026, 11, 30))
    return cast


@pytest.mark.parametrize("who", ROLES)
def test_revenue_this_month_is_one_value_on_every_page_and_the_api(busy, login, who):
    client = login(busy.user(who))
    home = client.get(reverse("home")).content.decode()
    kpis = client.get(reverse("kpis")).content.decode()
    api = client.get(
        "/api/v1/kpis/values", {"kpi": "revenue", "from": "2026-11-01", "to": "2026-11-23"}
    ).json()
    on_home = re.search(r'data-tile="revenue-month">([^<]+)<', home).group(1)
    on_kpis = re.search(r'data-value="revenue">([^<]+)<', kpis).group(1)
    from_api = Decimal(str(api["values"][0]["value"] or 0))
    assert on_home == on_kpis, who
    assert _number(on_home) == from_api.quantize(Decimal(1)), who
    if vis.sees_everything(busy.user(who)):
        units = list(OrgUnit.objects.filter(parent=None))
        total = Decimal(str(api["values"][0]["value"]))
        assert from_api == total
        # the benchmark's row of the whole organisation (its people in every unit below)
        table = benchmark(units, NOV, TODAY)
        column = table["codes"].index("revenue")
        bench = Decimal(str(table["rows"][0]["values"][column] or 0))
        assert bench.quantize(Decimal("0.01")) == total.quantize(Decimal("0.01")), who


def test_the_statement_pays_on_the_revenue_the_pages_show(busy, login):
    document = (
        "code: flat\nname: Flat\ncomponents:\n  - {code: c, name: {en: C, nl: C}, "
        "rule: flat, rate: 10%}\n"
    )
    on_plan(document, busy.ruud)
    Target.objects.create(kpi="revenue", person=busy.ruud, month=NOV, value=1)
    run_month(NOV, by=None)
    client = login(busy.user("ruud"))
    statement = client.get(f"/api/v1/reward/statements/{busy.ruud.pk}/2026-11").json()
    api = client.get(
        "/api/v1/kpis/values", {"kpi": "revenue", "from": "2026-11-01", "to": "2026-11-30"}
    ).json()
    reached = [c for c in statement["lines"] if c["component"] == "c"][0]["reached"]
    # the statement shows whole euros by the one display rule (half away from zero)
    assert _number(reached) == shown(Decimal(str(api["values"][0]["value"])))


def _figure(page: str, attribute: str, code: str) -> str:
    return re.search(rf'{attribute}="{code}"[^>]*>([^<]+)<', page).group(1).strip()


@pytest.mark.parametrize("who", ROLES)
def test_every_home_tile_is_the_kpi_pages_figure(busy, login, who):
    """Revenue this month and year, quotes, visits and calls this month, the win rate this
    year and the open pipeline: the home tile, the KPI page and the API agree."""
    client = login(busy.user(who))
    home = client.get(reverse("home")).content.decode()
    month = client.get(reverse("kpis"), {"period": "month"}).content.decode()
    year = client.get(reverse("kpis"), {"period": "ytd"}).content.decode()
    assert _figure(home, "data-tile", "revenue-year") == _figure(year, "data-value", "revenue")
    assert _figure(home, "data-tile", "quotes-month") == _figure(month, "data-value", "quotes")
    visits, calls = _figure(month, "data-value", "visits"), _figure(month, "data-value", "calls")
    assert f"{visits} visits, {calls} calls" in home
    home_rate = _figure(home, "data-tile", "win-rate-year")
    page_rate = _figure(year, "data-value", "win_rate")
    assert Decimal(home_rate.rstrip("%") if home_rate != "–" else "0") == Decimal(
        page_rate.rstrip("%") if page_rate != "–" else "0"
    ), who
    pipeline = _figure(month, "data-testid", "pipeline-value")
    assert _figure(home, "data-tile", "pipeline") == pipeline, who
    api = client.get(
        "/api/v1/kpis/values",
        {"kpi": "win_rate", "from": "2026-01-01", "to": "2026-11-23", "grain": "year"},
    ).json()
    value = api["values"][0]["value"]
    assert (Decimal(str(value)).quantize(Decimal("0.1")) if value is not None else None) == (
        Decimal(home_rate.rstrip("%")) if home_rate != "–" else None
    ), who


def test_the_busy_organisation_has_figures_on_every_tile(busy, login):
    home = login(busy.user("dirk")).get(reverse("home")).content.decode()
    assert _figure(home, "data-tile", "quotes-month") == "2"  # Ruud's and the director's
    assert _figure(home, "data-tile", "win-rate-year") == "50.0%"  # 2 won of 4 decided
