"""A target round walked in the browser, in Dutch: the director proposes top-down and
opens the round, a salesperson submits a substantiated number and looks under the hood
with the driver model, the manager agrees, the director approves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from koers.measure.services import kpi_facts_refresh
from koers.plan.models import Target, TargetProposal, TargetRound
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _dutch(browser, live_server, who: str):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server.url
    log_in(page, who)
    return context, page


def test_a_round_from_top_down_to_approval_in_dutch(cast, browser, live_server):
    kpi_facts_refresh(start=dt.date(2025, 11, 1), end=dt.date(2026, 11, 30))
    context, page = _dutch(browser, live_server, "dirk")
    page.goto(page.base + "/plan/rounds/")
    form = page.locator("[data-testid=propose]")
    form.locator("#id_year").fill("2027")
    form.locator("#id_unit").select_option(str(cast.noord.pk))
    form.locator("#id_total").fill("90.000,00")
    form.locator("#id_method").select_option("fte")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=open]")
    assert "Concept: top-down voorstel" in page.inner_text("[data-testid=round-status]")
    page.click("[data-testid=open]")
    page.wait_for_selector("[data-testid=approve]")
    round_url = page.url
    context.close()

    context, page = _dutch(browser, live_server, "ruud")
    page.goto(round_url)
    assert "€ 30.000,00" in page.inner_text("[data-testid=my-number]")
    page.fill("[data-testid=submit-form] #id_value", "32.500,50")
    page.fill("[data-testid=submit-form] #id_note", "Twee nieuwe klanten in Groningen")
    page.click("[data-testid=submit-form] button[type=submit]")
    page.wait_for_selector("text=Je getal is ingediend.")
    assert "€ 32.500,50" in page.inner_text("[data-testid=my-number]")
    # under the hood: what the number takes
    page.goto(page.base + "/plan/drivers/")
    page.fill("#id_win_rate_points", "5,5")
    page.click("[data-testid=levers] button[type=submit]")
    page.wait_for_selector("[data-testid=driver-table]")
    assert "error" not in (page.locator("[data-testid=levers]").get_attribute("class") or "")
    context.close()

    context, page = _dutch(browser, live_server, "mia")
    page.goto(round_url)
    row = page.locator(f"tr[data-person='{cast.ruud.pk}']")
    assert "Twee nieuwe klanten in Groningen" in row.inner_text()
    # the grid: her total follows what she types, then the changed row is agreed
    total = page.locator("[data-testid=agreed-total]")
    before = total.inner_text()
    row.locator("input[data-agree]").fill("32.000")
    page.wait_for_function(
        "before => document.querySelector('[data-testid=agreed-total]').innerText !== before",
        arg=before,
    )
    assert total.inner_text().startswith("€")
    page.click("[data-testid=agree-all]")
    page.wait_for_selector("text=1 getal afgesproken.")
    context.close()

    context, page = _dutch(browser, live_server, "dirk")
    page.goto(round_url)
    page.click("[data-testid=approve]")
    page.wait_for_selector("text=maandtargets vastgelegd")
    context.close()

    target_round = TargetRound.objects.get()
    assert target_round.status == TargetRound.Status.APPROVED
    ruud = TargetProposal.objects.get(round=target_round, person=cast.ruud)
    assert (ruud.bottom_up, ruud.agreed) == (Decimal("32500.50"), Decimal("32000"))
    total = sum(t.value for t in Target.objects.filter(person=cast.ruud, month__year=2027))
    assert total == Decimal("32000.00")
