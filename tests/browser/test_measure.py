"""Salesperson, manager and director dashboards, a drill-down and a Five Times Why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from koers.engine.periods import add_months, month_start
from koers.measure.models import KpiFact, RootCauseAnalysis
from koers.measure.services import kpi_facts_refresh
from tests.browser.conftest import dutch_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def measured(cast):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    this_month = month_start(timezone.localdate())
    for k, euros in {-8: 1000, -7: 1000, -6: 1000, -5: 1000, -4: 1000, -3: 1000, -2: 300}.items():
        KpiFact.objects.update_or_create(
            kpi="quotes",
            person=cast.ruud,
            month=add_months(this_month, k),
            defaults={"numerator": euros // 100, "denominator": 1},
        )
    return cast


def test_dashboards_drill_down_and_five_times_why(measured, page):
    log_in(page, "ruud")
    page.goto(page.base + "/measure/kpis/")
    assert "Rank in team" in page.inner_text("[data-testid=kpi-table]")
    assert page.locator("[data-testid=heat-map]").count() == 0
    page.click("text=Log out")

    log_in(page, "mia")
    page.goto(page.base + "/measure/kpis/?period=ytd")
    heat = page.inner_text("[data-testid=heat-map]")
    assert "Ruud" in heat and "Rik" not in heat
    row = page.locator("[data-testid=heat-map] tr", has_text="Ruud")
    row.locator("[data-testid=heat-cell]").nth(4).click()  # Ruud's revenue: his order lines
    assert "Ruud" in page.inner_text("[data-testid=drill-scope]")
    assert page.inner_text("[data-testid=result-count]") == "1 record"
    assert "SO-ruud" in page.inner_text("[data-testid=entity-table]")
    page.go_back()
    page.click("[data-testid=heat-map] >> text=Ruud")  # drill down to the person
    expect(page.locator("main")).to_contain_text("Deal ruud")
    page.goto(page.base + "/section/measure/")
    page.click("main >> text=Deviations")
    page.click("[data-testid=analyse]")
    page.fill("#id_why_1", "Minder offertes: drukte met een storing bij een grote klant")
    page.fill("#id_why_2", "De storing kostte twee weken")
    page.fill("#id_root_cause", "Geen vervanger voor storingsdiensten")
    page.fill("input[name='actions-0-description']", "Storingsrooster met collega's")
    page.select_option("select[name='actions-0-owner']", label="Mia Tester")
    page.fill("input[name='actions-0-due_date']", "2026-12-15")
    page.click("button.primary")
    expect(page.locator("[data-testid=root-cause]")).to_contain_text("Geen vervanger")
    assert page.inner_text("[data-testid=recovered]")
    assert RootCauseAnalysis.objects.get().actions.get().owner == measured.mia
    page.click("text=Log out")

    log_in(page, "dirk")
    page.goto(page.base + "/measure/customers/")
    assert page.inner_text("[data-testid=nps]") == "+100"
    page.goto(page.base + "/measure/kpis/")
    assert "Team Zuid" in page.inner_text("[data-testid=heat-map]")


def test_an_administrator_adds_a_kpi_and_drills_into_it(measured, page):
    log_in(page, "ada")
    page.goto(page.base + "/measure/catalogue/")
    page.click("[data-testid=new-kpi]")
    page.fill("#id_code", "own_leads")
    page.fill("#id_name_en", "Own leads")
    page.fill("#id_name_nl", "Eigen leads")
    page.select_option("#id_timing", "leading")
    page.select_option("#id_level", "activity")
    page.select_option("#id_source", "leads")
    page.select_option("#id_lead_source", "sales")
    page.select_option("#id_measure", "amount")  # a lead has no amount: refused, kept
    page.click("button.primary")
    expect(page.locator("[data-field=measure]")).to_contain_text("only be counted")
    assert page.input_value("#id_name_nl") == "Eigen leads"
    page.select_option("#id_measure", "count")
    page.click("button.primary")
    expect(page.locator("main")).to_contain_text("2 monthly figures")
    page.goto(page.base + "/measure/kpis/")
    page.click("tr[data-kpi=own_leads] a")
    assert page.inner_text("[data-testid=result-count]") == "2 records"
    assert "Own leads" in page.inner_text("[data-testid=drill-scope]")


def test_charts_draw_under_the_content_security_policy_without_a_violation(measured, page):
    """Only Koers's own scripts may run: the KPI page's charts draw and the browser reports
    no blocked script or style."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, "mia")
    page.goto(page.base + "/measure/kpis/?period=ytd")
    page.wait_for_selector("#trend svg")
    assert violations == []


def test_a_dutch_chart_speaks_dutch(cast, browser, live_server):
    """Month names, thousands and the currency on the revenue chart follow the page's
    language: "okt", "€ 2.000", never "Oct" or "€ 2k"."""
    import datetime as dt

    from koers.measure.services import kpi_facts_refresh
    from tests.conftest import sale

    sale(cast, cast.ruud, "SO-OCT", dt.date(2026, 10, 8), "2500.00")
    kpi_facts_refresh(start=dt.date(2025, 12, 1), end=dt.date(2026, 11, 30))
    context, page = dutch_page(browser, live_server, "ruud")
    page.goto(page.base + "/")
    page.click("button[data-lang=nl]")
    page.goto(page.base + "/measure/kpis/")
    page.wait_for_selector("#trend .xtick text")
    texts = "els => els.map(e => e.textContent)"
    months = " ".join(page.eval_on_selector_all("#trend .xtick text", texts))
    amounts = " ".join(page.eval_on_selector_all("#trend .ytick text", texts))
    assert "okt" in months.lower() and "Oct" not in months, months
    assert "€ " in amounts and "k" not in amounts and "M" not in amounts, amounts
    big = [a.strip() for a in amounts.split("€") if len(a.strip()) > 3]
    assert big and all("." in a and "," not in a for a in big), amounts
    # every axis label lies inside the chart: none is clipped at its edge
    clipped = page.evaluate(
        """() => {
          const box = document.querySelector("#trend").getBoundingClientRect();
          return Array.from(document.querySelectorAll("#trend .xtick text, #trend .ytick text"))
            .map(t => t.getBoundingClientRect())
            .filter(r => r.left < box.left - 0.5 || r.right > box.right + 0.5).length;
        }"""
    )
    assert clipped == 0
    context.close()
