"""KPI facts from the database, and the KPI page per role."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from koers.measure import selectors as sel
from koers.measure.models import KpiFact
from koers.measure.services import kpi_facts_refresh
from koers.org.models import Person
from tests.conftest import sale

NOV = dt.date(2026, 11, 1)


@pytest.fixture
def facts(cast):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    return cast


def test_refresh_computes_facts_from_the_records(facts):
    ruud = Person.objects.filter(pk=facts.ruud.pk)
    values = sel.kpi_values(ruud, NOV, dt.date(2026, 11, 30))
    assert values["revenue"] == 1000.00 and values["gross_margin"] == 300.00
    assert values["margin_pct"] == pytest.approx(30.0)
    assert values["visits"] == 1 and values["nps"] == 100  # one answer of 9
    team = Person.objects.filter(pk__in=[facts.ruud.pk, facts.rosa.pk, facts.rik.pk])
    assert sel.kpi_values(team, NOV, dt.date(2026, 11, 30))["revenue"] == 3000.00


def test_refresh_replaces_the_months_it_covers(facts):
    before = KpiFact.objects.count()
    kpi_facts_refresh(start=NOV, end=dt.date(2026, 11, 30))
    assert KpiFact.objects.count() == before


def test_salesperson_sees_own_figures_and_rank_not_peers_values(facts, login):
    body = login(facts.user("ruud")).get(reverse("kpis")).content.decode()
    assert 'data-testid="kpi-table"' in body and 'data-testid="heat-map"' not in body
    assert "Rosa" not in body and "Rik" not in body
    assert " / 2" in body  # rank among the two salespeople of team Noord


def test_manager_sees_the_team_heat_map_and_no_other_team(facts, login):
    body = login(facts.user("mia")).get(reverse("kpis"), {"period": "ytd"}).content.decode()
    assert 'data-testid="heat-map"' in body and 'data-testid="lead-lag"' in body
    assert 'data-testid="waterfall"' in body
    assert "Ruud" in body and "Rosa" in body and "Rik" not in body


@pytest.mark.parametrize(
    ("period", "shown"),
    [
        ("month", "1 November 2026 – 23 November 2026"),
        ("quarter", "1 October 2026 – 23 November 2026"),
        ("ytd", "1 January 2026 – 23 November 2026"),
        ("nonsense", "1 November 2026 – 23 November 2026"),  # an unknown period: this month
    ],
)
def test_every_period_shows_its_dates_and_figures(facts, login, period, shown):
    body = login(facts.user("dirk")).get(reverse("kpis"), {"period": period}).content.decode()
    assert f'<p class="lead" data-testid="period-span">{shown} ·' in body
    revenue = re.search(r'<tr data-kpi="revenue">(.*?)</tr>', body, re.S).group(1)
    assert re.findall(r'<td class="num"[^>]*>([^<]*)</td>', revenue)[0] == "€ 3,000"


@pytest.mark.parametrize("period", ["month", "quarter", "ytd"])
def test_every_period_takes_the_same_number_of_queries_for_more_people_and_facts(
    facts, login, period
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import _person

    def count() -> int:
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            login(facts.user("dirk")).get(reverse("kpis"), {"period": period})
        return len(ctx.captured_queries)

    count()  # the first request also sets up the session
    few = count()
    for i in range(4):
        seller = _person(f"extra{i}", facts.zuid, "salesperson", facts.max)
        sale(facts, seller, f"SO-X{i}", dt.date(2026, 11, 3), "500", account=facts.accounts["rik"])
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    assert count() == few


def test_benchmark_marks_best_and_worst_per_column(facts):
    from koers.measure.benchmark import benchmark

    table = benchmark([facts.noord, facts.zuid], NOV, dt.date(2026, 11, 30))
    by_unit = {row["unit"].code: row for row in table["rows"]}
    revenue = table["codes"].index("revenue")
    assert by_unit["NOORD"]["values"][revenue] == 2000.00
    assert by_unit["ZUID"]["values"][revenue] == 1000.00
    assert by_unit["NOORD"]["marks"][revenue] == "best"
    assert by_unit["ZUID"]["marks"][revenue] == "worst"


@pytest.mark.parametrize(
    "value,reference,higher,mark",
    [
        (110, 100, True, "good"),
        (95, 100, True, None),
        (85, 100, True, "bad"),
        (50, 40, False, "bad"),
        (30, 40, False, "good"),
        (None, 100, True, None),
        (5, 0, True, None),
    ],
)
def test_heat_map_marks(value, reference, higher, mark):
    from koers.measure.views import _mark

    assert _mark(value, reference, higher) == mark


def test_customers_page_for_a_salesperson_shows_only_own_customers(facts, login):
    body = login(facts.user("ruud")).get(reverse("customers")).content.decode()
    assert 'data-testid="pyramid"' in body
    assert '<span class="kpi-value" data-testid="nps">+100</span>' in body  # one answer of 9
    assert "Rik" not in body


def test_the_customers_tiles_and_the_cycle_count_new_customers_alike(facts, login):
    import re

    body = login(facts.user("dirk")).get(reverse("customers")).content.decode()
    tile = re.search(r'data-testid="flow-new">(\d+)<', body).group(1)
    cycle = re.search(r'data-testid="cycle-new">(\d+)<', body).group(1)
    assert tile == cycle
    assert "By orders from" in body


def test_pyramid_thresholds_come_from_the_settings(facts, login):
    from koers.measure.models import PyramidSettings

    PyramidSettings.objects.create(top=900, large=800, medium=500)
    body = login(facts.user("dirk")).get(reverse("customers")).content.decode()
    # each cast account bought € 1,000 this month: all three are now top customers
    top_row = body.split('data-class="top"')[1].split("</tr>")[0]
    assert '<td class="num">3</td>' in top_row


def test_driver_totals_come_from_the_facts(facts):
    from koers.sales.services import opportunity_save

    deal = facts.opportunities["ruud"]
    deal.stage, deal.closed_on = facts.stages["customer"], dt.date(2026, 11, 20)
    opportunity_save(opportunity=deal, by=None)
    kpi_facts_refresh(start=NOV, end=dt.date(2026, 11, 30))
    totals = sel.driver_totals(Person.objects.filter(pk=facts.ruud.pk), NOV, dt.date(2026, 11, 30))
    assert (totals.decided, totals.won, totals.won_cents) == (1, 1, 1_000_000)


def test_funnel_counts_opportunities_by_the_furthest_stage(facts):
    steps = dict(sel.funnel_steps(Person.objects.all(), dt.date(2026, 1, 1), dt.date(2026, 11, 30)))
    # the cast's three opportunities were created in October and are at "prospect"
    assert [s.reached for s in steps.values()] == [3, 3, 0, 0]


def test_a_kpi_leads_down_to_its_records(facts, login):
    import re

    client = login(facts.user("ruud"))
    body = client.get(reverse("kpis")).content.decode()
    link = re.search(r'<tr data-kpi="revenue">\s*<td><a href="([^"]+)"', body).group(1)
    link = link.replace("&amp;", "&")
    assert link.startswith("/data/orders/?order_date__gte=")
    orders = client.get(link).content.decode()
    assert "SO-ruud" in orders and "SO-rosa" not in orders and "1 record" in orders
    quotes = re.search(r'<tr data-kpi="quotes">\s*<td><a href="([^"]+)"', body).group(1)
    assert "kind=quote" in quotes


def test_lists_filter_on_a_date_range(cast, login):
    client = login(cast.user("dirk"))
    url = reverse("entity_list", args=["opportunities"])
    assert "Deal ruud" in client.get(url, {"created_on__gte": "2026-10-01"}).content.decode()
    body = client.get(url, {"created_on__gte": "2026-10-02"}).content.decode()
    assert "Deal ruud" not in body


def test_leaderboard_for_managers_only(facts, login):
    body = login(facts.user("mia")).get(reverse("kpis"), {"period": "ytd"}).content.decode()
    board = body.split('data-testid="leaderboard"')[1].split("</section>")[0]
    assert "Ruud" in board and "Rosa" in board and "Rik" not in board
    body = login(facts.user("ruud")).get(reverse("kpis")).content.decode()
    assert 'data-testid="leaderboard"' not in body


def test_benchmark_shows_ebit_where_operating_costs_exist(facts):
    from koers.measure.benchmark import benchmark

    table = benchmark([facts.noord, facts.zuid], NOV, dt.date(2026, 11, 30))
    assert table["ebit"] and table["units"][-1] == "percent"
    by_unit = {row["unit"].code: row["values"][-1] for row in table["rows"]}
    # Noord: margin € 600 on € 2,000 of costed revenue, € 400 of costs: 200 / 2,000 = 10%
    assert by_unit["NOORD"] == pytest.approx(10.0)
    assert by_unit["ZUID"] is None  # no costs recorded for Zuid
    table = benchmark([facts.noord, facts.zuid], dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert not table["ebit"]  # no costs in October: no EBIT column


def test_benchmark_and_heat_map_figures_lead_to_their_records(facts, login):
    import re

    from koers.measure.benchmark import benchmark

    table = benchmark([facts.noord, facts.zuid], NOV, dt.date(2026, 11, 30))
    noord = login(facts.user("dirk")).get(table["rows"][0]["urls"][0]).content.decode()
    assert "SO-ruud" in noord and "SO-rosa" in noord and "SO-rik" not in noord
    body = login(facts.user("dirk")).get(reverse("kpis")).content.decode()
    cells = re.findall(r'href="([^"]+)" data-testid="heat-cell"', body)
    assert any(f"for_person={facts.ruud.pk}" in c for c in cells)


def test_heat_map_leaves_out_people_without_figures(facts, login):
    body = login(facts.user("mia")).get(reverse("kpis")).content.decode()
    heat = body.split('data-testid="heat-map"')[1].split("</table>")[0]
    assert "Ruud" in heat and "Mia" not in heat  # the manager sells nothing herself


def test_win_rate_board_needs_enough_decided_deals(facts):
    from koers.measure.views import MIN_DECIDED, _leaderboard

    people = [facts.ruud, facts.rosa]
    by_person = {
        facts.ruud.pk: {"win_rate": 100.0, "revenue": 1.0, "won_deals": 1, "quotes": 1},
        facts.rosa.pk: {"win_rate": 40.0, "revenue": 2.0, "won_deals": 4, "quotes": 1},
    }
    decided = {facts.ruud.pk: 1, facts.rosa.pk: MIN_DECIDED + 7}
    board = next(b for b in _leaderboard(by_person, people, decided) if b["code"] == "win_rate")
    assert [p for p, _v in board["rows"]] == [facts.rosa]  # one lucky deal does not lead


def test_price_mix_and_leads_come_from_the_facts(facts):
    people = Person.objects.filter(pk__in=[facts.ruud.pk, facts.rosa.pk])
    groups = sel.group_sales(people, NOV, dt.date(2026, 11, 30))
    # two lines of € 1,000 and 10 units (kept in thousandths)
    assert list(groups.values()) == [(200_000, 20_000)]
    assert sel.driver_totals(people, NOV, dt.date(2026, 11, 30)).leads == 1  # Ruud's lead


def test_operating_costs_are_not_for_salespeople(cast):
    from koers.org import visibility as vis

    assert vis.visible_operating_costs(cast.user("ruud")).count() == 0
    assert vis.visible_operating_costs(cast.user("mia")).count() == 1
    assert vis.visible_operating_costs(cast.user("max")).count() == 0
    assert vis.visible_operating_costs(cast.user("dirk")).count() == 1


def test_every_chart_leads_to_its_records(facts, login):
    import html
    import json
    import re

    client = login(facts.user("mia"))
    body = client.get(reverse("kpis"), {"period": "ytd"}).content.decode()
    figures = [json.loads(html.unescape(f)) for f in re.findall(r'data-figure="([^"]*)"', body)]
    links = [u for f in figures for u in (f.get("urls") or [f.get("url")])]
    assert len(figures) == 4 and all(links)  # trend (a link per month), funnel, 2 waterfalls
    november = next(f for f in figures if f.get("urls"))["urls"][-1].replace("&amp;", "&")
    orders = client.get(november).content.decode()
    assert "SO-ruud" in orders and "SO-rosa" in orders and "SO-rik" not in orders


def test_a_director_who_sells_counts_on_every_page(facts, login):
    """The commercial director sells too: the KPI page, its heat map and the home page all
    count his sale, so both pages show one total."""

    sale(
        facts, facts.dirk, "SO-dirk", dt.date(2026, 11, 9), "2000.00", account=facts.accounts["rik"]
    )
    kpi_facts_refresh(start=NOV, end=dt.date(2026, 11, 30))
    client = login(facts.user("dirk"))
    kpis = client.get(reverse("kpis")).content.decode()
    revenue = re.search(r'<tr data-kpi="revenue">(.*?)</tr>', kpis, re.S).group(1)
    assert re.findall(r'<td class="num"[^>]*>([^<]*)</td>', revenue)[0] == "€ 5,000"
    heat = kpis.split('data-testid="heat-map"', 1)[1].split("</table>", 1)[0]
    assert "Dirk" in heat
    home = client.get(reverse("home")).content.decode()
    tile = home.split("Revenue this month", 1)[1][:200]
    assert '<span class="kpi-value" data-tile="revenue-month">€ 5,000</span>' in tile


def test_three_lines_of_four_tenths_sell_one_point_two_units(cast):
    """Each line's quantity was once rounded to whole units, so these counted as 0."""
    rik = Person.objects.filter(pk=cast.rik.pk)
    kpi_facts_refresh(start=NOV, end=dt.date(2026, 11, 30))
    before = sel.kpi_values(rik, NOV, dt.date(2026, 11, 30))["volume"] or 0
    for n in range(3):
        sale(cast, cast.rik, f"SO-Q{n}", dt.date(2026, 11, 2 + n), "10.00", quantity="0.4")
    kpi_facts_refresh(start=NOV, end=dt.date(2026, 11, 30))
    after = sel.kpi_values(rik, NOV, dt.date(2026, 11, 30))["volume"]
    assert after - before == pytest.approx(1.2)
