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
    sale(cast, cast.dirk, "SO-DIRK", dt.date(2026, 11, 4), "777.77")
    sale(cast, cast.ruud, "SO-ODD", dt.date(2026, 11, 6), "594.58")
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    return cast


@pytest.mark.parametrize("who", ROLES)
def test_revenue_this_month_is_one_value_on_every_page_and_the_api(busy, login, who):
    client = login(busy.user(who))
    home = client.get(reverse("home")).content.decode()
    kpis = client.get(reverse("kpis")).content.decode()
    api = client.get(
        "/api/v1/kpis/values", {"kpi": "revenue", "from": "2026-11-01", "to": "2026-11-23"}
    ).json()
    on_home = re.search(r'data-figure="revenue-month">([^<]+)<', home).group(1)
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
