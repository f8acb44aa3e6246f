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


def test_marketing_reads_the_alignment_and_hands_a_lead_to_sales_in_dutch(
    marketer, browser, live_server
):
    cast = marketer
    context, page = dutch_page(browser, live_server, "mark")
    try:
        page.goto(page.base + "/")  # marketing's home is sales and marketing
        expect(page.locator("h1")).to_have_text("Verkoop en marketing")
        expect(page.locator("[data-testid=alignment-level]")).to_have_text("Ongedefinieerd")
        expect(page.locator("[data-testid=next-level]")).to_contain_text("Gedefinieerd")
        page.fill("[data-testid=alignment-form] input[name=agreed]", "5")
        page.click("[data-testid=alignment-form] button")
        expect(page.locator("[data-testid=lead-flow]")).to_contain_text("binnen 5 dagen")
        page.wait_for_selector("#leads-chart svg")
        # a new lead from the fair, handed to Ruud by name
        page.goto(page.base + "/data/leads/new/")
        page.fill("#id_company_name", "Beurslead BV")
        page.select_option("#id_source", "marketing")
        page.fill("#id_created_on", "2026-11-20")
        page.select_option("#id_quality", "hot")
        owner = page.locator("input[data-lookup-for=id_owner]")
        owner.fill("Ruud")
        option = page.locator("#id_owner_list option").first
        expect(option).to_have_attribute("value", f"Ruud Tester #{cast.ruud.pk}")
        owner.fill(option.get_attribute("value"))
        # the picker puts the chosen person's id in the form (koers.js on every edit page)
        expect(page.locator("#id_owner")).to_have_value(str(cast.ruud.pk))
        expect(page.locator("#id_accepted_on")).to_have_count(0)  # sales' to set
        page.locator("form button[type=submit]").last.click()
        expect(page.locator("main")).to_contain_text("Beurslead BV")
    finally:
        context.close()
    lead = sm.Lead.objects.get(company_name="Beurslead BV")
    assert (lead.owner, lead.quality, lead.accepted_on) == (cast.ruud, "hot", None)
