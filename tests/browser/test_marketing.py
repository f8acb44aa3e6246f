"""In Dutch, as a director: compare the campaigns by another attribution model, open a
fair's follow-up board, and work out a product's break-even typing Dutch amounts."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from koers.sales import models as sm
from tests.browser.conftest import dutch_page
from tests.measure.test_campaign_returns import won_lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_campaigns_a_fairs_follow_up_and_break_even_in_dutch(cast, browser, live_server):
    fair = sm.Campaign.objects.get(name="Vakbeurs 2026")
    webinar = sm.Campaign.objects.create(
        name="Webinar pompen", kind="webinar", start_date=dt.date(2026, 9, 15), currency="EUR"
    )
    won_lead(cast, fair, webinar)
    sm.Lead.objects.create(
        company_name="Wacht BV",
        source="marketing",
        campaign=fair,
        quality="hot",
        owner=cast.ruud,
        created_on=dt.date(2026, 11, 10),
    )
    context, page = dutch_page(browser, live_server, "dirk")
    try:
        page.goto(page.base + "/measure/campaigns/")
        expect(page.locator("h1")).to_have_text("Campagnerendement")
        table = page.locator("[data-testid=campaign-returns]")
        expect(table).to_contain_text("Vakbeurs 2026")
        expect(table).to_contain_text("€ 2.400,00")  # the fair's stand
        # the won deal's amount: all to the fair by position (first and last of two: half)
        page.select_option("[data-testid=returns-form] select[name=model]", "first")
        page.click("[data-testid=returns-form] button")
        fair_row = page.locator(f"tr[data-campaign='{fair.pk}']")
        expect(fair_row).to_contain_text("Beurs")
        revenue = fair_row.locator("[data-testid=revenue]").inner_text()
        page.select_option("[data-testid=returns-form] select[name=model]", "last")
        page.click("[data-testid=returns-form] button")
        expect(
            page.locator(f"tr[data-campaign='{webinar.pk}'] [data-testid=revenue]")
        ).to_have_text(revenue)
        # the fair's follow-up board: a hot lead of 13 days that nobody took on
        page.locator(f"tr[data-campaign='{fair.pk}'] [data-testid=follow-up]").click()
        board = page.locator("[data-testid=follow-up-board]")
        expect(board).to_contain_text("Wacht BV")
        expect(board).to_contain_text("Ruud")
        expect(page.locator("[data-testid=follow-up-summary]")).to_contain_text("hete leads")
        # break-even of a product, amounts typed the Dutch way
        page.goto(page.base + "/measure/economics/")
        page.fill("#id_u-fixed", "10.000")
        page.fill("#id_u-price", "50,00")
        page.fill("#id_u-cost", "30")
        page.fill("#id_u-expected", "800")
        page.click("[data-testid=unit-form] button")
        verdict = page.locator("[data-testid=unit-verdict]")
        expect(verdict).to_contain_text("500 stuks")
        expect(verdict).to_contain_text("€ 25.000,00")
        expect(page.locator("[data-testid=unit-safety]")).to_have_text("37,5%")
        page.wait_for_selector("#break-even-chart svg")
    finally:
        context.close()
