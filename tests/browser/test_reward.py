"""A salesperson reads their statement, asks the estimator, and is refused a peer's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from koers.plan.models import Target
from koers.reward.models import Plan, PlanAssignment
from koers.reward.services import run_month
from tests.browser.conftest import dutch_page, log_in
from tests.reward.test_calc import DOCUMENT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_statement_estimator_and_a_refused_peer(cast, page):
    plan = Plan.objects.create(code="rep", name="Rep", status="active", document=DOCUMENT)
    for person in (cast.ruud, cast.rosa):
        PlanAssignment.objects.create(
            person=person, plan=plan, valid_from=dt.date(2026, 1, 1), target_incentive=12000
        )
    for person, quota in ((cast.ruud, "800"), (cast.rosa, "2000")):
        for month in (10, 11):
            Target.objects.create(
                kpi="revenue", person=person, month=dt.date(2026, month, 1), value=Decimal(quota)
            )
    run_month(dt.date(2026, 11, 1), by=None)

    log_in(page, "ruud")
    page.goto(page.base + "/reward/statement/")
    row = page.locator("[data-testid=statement] tr[data-component=commission]")
    assert "€ 60.00" in row.inner_text()
    page.wait_for_selector("[data-testid=curve] svg")  # the payout curve with "you are here"
    assert "you are here" in page.inner_text("[data-testid=curve]")
    page.fill("[data-testid=extra]", "200")
    page.click("[data-testid=estimator] button")
    page.wait_for_selector("[data-testid=estimate]")
    assert "€ 80.00" in page.inner_text("#estimates")
    row.locator("a").first.click()
    assert "SO-ruud" in page.inner_text("[data-testid=credits]")
    # something looks wrong: he asks, with a reason
    page.select_option("[data-testid=inquiry-form] select", "missing-credit")
    page.fill("[data-testid=inquiry-form] textarea", "My order of 28 November is missing.")
    page.click("[data-testid=inquiry-form] button")
    expect(page.locator("[data-testid=inquiry]")).to_contain_text("answer due")
    response = page.goto(page.base + f"/reward/statement/{cast.rosa.pk}/")
    assert response.status == 404


def test_the_administrator_closes_a_month_and_hands_payroll_its_file(cast, page):
    plan = Plan.objects.create(code="rep", name="Rep", status="active", document=DOCUMENT)
    PlanAssignment.objects.create(
        person=cast.ruud, plan=plan, valid_from=dt.date(2026, 1, 1), target_incentive=12000
    )
    Target.objects.create(kpi="revenue", person=cast.ruud, month=dt.date(2026, 11, 1), value=800)
    log_in(page, "cora")
    page.goto(page.base + "/reward/runs/")
    page.fill("[data-testid=calculate-form] input[name=month]", "2026-11")
    page.click("[data-testid=calculate-form] button")
    expect(page.locator("[data-testid=run-status]")).to_contain_text("Open")
    # November has not ended on the 23rd: the page says so and asks to confirm
    expect(page.locator("[data-testid=approval-checks]")).to_contain_text("has not ended yet")
    page.check("[data-testid=confirm]")
    page.click("[data-testid=advance]")
    expect(page.locator("[data-testid=run-status]")).to_contain_text("Approved")
    with page.expect_download() as download:
        page.click("[data-testid=payroll]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("month,person_id") and "commission" in text


def test_the_administrator_sees_plan_health_while_designing(cast, page):
    plan = Plan.objects.create(code="rep", name="Rep", status="active", document=DOCUMENT)
    PlanAssignment.objects.create(
        person=cast.ruud, plan=plan, valid_from=dt.date(2026, 1, 1), target_incentive=12000
    )
    Target.objects.create(kpi="revenue", person=cast.ruud, month=dt.date(2026, 11, 1), value=800)
    log_in(page, "cora")
    page.goto(page.base + f"/reward/plans/{plan.pk}/")
    page.click("[data-testid=edit-plan]")
    # the document is edited in a code editor: line numbers, no wrapping, YAML
    page.wait_for_selector(".CodeMirror .CodeMirror-linenumber")
    assert (
        page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getOption('mode')")
        == "yaml"
    )
    assert not page.evaluate(
        "document.querySelector('.CodeMirror').CodeMirror.getOption('lineWrapping')"
    )
    text = page.input_value("#id_document").replace("period: quarter", "period: year")
    page.evaluate("t => document.querySelector('.CodeMirror').CodeMirror.setValue(t)", text)
    assert "period: year" in page.input_value("#id_document")  # the form sees the edit
    # a submit navigates: wait for the new page rather than counting on the old one
    with page.expect_navigation():
        page.click("[data-testid=check]")
    expect(page.locator("[data-check=late]")).to_have_count(1)
    with page.expect_navigation():
        page.click("[data-testid=save-plan]")
    expect(page.locator("[data-testid=plan-status]")).to_contain_text("Draft")
    expect(page.locator("[data-check=late]")).to_have_count(1)


def test_a_dutch_salesperson_types_a_dutch_amount_in_the_estimator(cast, browser, live_server):
    plan = Plan.objects.create(code="rep", name="Rep", status="active", document=DOCUMENT)
    PlanAssignment.objects.create(
        person=cast.ruud, plan=plan, valid_from=dt.date(2026, 1, 1), target_incentive=12000
    )
    Target.objects.create(
        kpi="revenue", person=cast.ruud, month=dt.date(2026, 11, 1), value=Decimal("800")
    )
    run_month(dt.date(2026, 11, 1), by=None)
    context, page = dutch_page(browser, live_server, "ruud")
    page.goto(page.base + "/reward/statement/")
    page.fill("[data-testid=extra]", "1.000,50")
    page.click("[data-testid=estimator] button")
    page.wait_for_selector("[data-testid=estimate]")
    estimates = page.inner_text("#estimates")
    # € 1.200 against € 800 plus € 1.000,50: 5% of 800 + 10% of 1.200,50 = € 160,05
    assert "€ 160,05" in estimates and "extra-error" not in page.content()
    context.close()


OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# the outermost elements that reach past the right edge, to name them when one does
WIDE = """[...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect();
  return r.right > document.documentElement.clientWidth + 1
    && !e.closest('.tablewrap') && !(e.parentElement
    && e.parentElement.getBoundingClientRect().right > document.documentElement.clientWidth + 1);
}).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + (e.dataset.testid || ''))"""


@pytest.mark.parametrize(("who", "width"), [("ruud", 390), ("cora", 390), ("cora", 1366)])
def test_the_statement_kpi_page_and_run_page_fit_a_phone(cast, browser, live_server, who, width):
    """At 390 px (a phone) and 1366 px wide nothing runs off the page: wide tables scroll
    inside their card, and an amount never breaks between its symbol and number."""
    plan = Plan.objects.create(code="rep", name="Rep", status="active", document=DOCUMENT)
    for person in (cast.ruud, cast.rosa):
        PlanAssignment.objects.create(
            person=person, plan=plan, valid_from=dt.date(2026, 1, 1), target_incentive=12000
        )
        Target.objects.create(
            kpi="revenue", person=person, month=dt.date(2026, 11, 1), value=Decimal("800")
        )
    run_month(dt.date(2026, 11, 1), by=None)
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server.url
    log_in(page, who)
    pages = [
        "/reward/statement/",
        "/measure/kpis/",
        f"/data/people/{cast.ruud.pk}/",
        f"/data/accounts/{cast.accounts['ruud'].pk}/",
        f"/data/opportunities/{cast.opportunities['ruud'].pk}/",
    ]
    if who == "cora":
        pages += [f"/reward/statement/{cast.ruud.pk}/", "/reward/runs/2026-11/"]
    for path in pages:
        page.goto(page.base + path)
        page.wait_for_load_state("networkidle")
        wide = page.evaluate(WIDE)
        assert page.evaluate(OVERFLOW) <= 0, (path, wide)
        # every amount on one line: its height is one line's
        broken = page.evaluate(
            "[...document.querySelectorAll('td.num, .kpi-value')].filter(e => "
            "e.getClientRects().length > 1).length"
        )
        assert broken == 0, path
    context.close()


def test_an_account_with_coordinates_shows_a_leaflet_map_when_tiles_are_configured(
    cast, browser, live_server, settings
):
    # the tile server is not reached in the test; Leaflet still lays out the map and marker
    settings.KOERS_MAP_TILES = "https://tiles.example.org/{z}/{x}/{y}.png"
    account = cast.accounts["ruud"]
    account.latitude, account.longitude = Decimal("52.37"), Decimal("4.89")
    account.save()
    context = browser.new_context(locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server.url
    log_in(page, "ruud")
    page.goto(f"{page.base}/data/accounts/{account.pk}/")
    page.wait_for_selector("#record-map.leaflet-container .leaflet-marker-icon")
    assert "52.37" not in page.inner_text("main")
    context.close()
