"""People log in, see what their role allows and nothing more, in their own language."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_salesperson_sees_own_records_and_not_a_peers(cast, page):
    log_in(page, "ruud")
    assert "Ruud" in page.inner_text("[data-testid=whoami]")
    page.click("nav >> text=Measure")
    page.click("main >> text=Opportunities")
    table = page.inner_text("[data-testid=entity-table]")
    assert "Deal ruud" in table and "Deal rosa" not in table
    page.goto(f"{page.base}/data/opportunities/{cast.opportunities['rosa'].pk}/")
    assert "Not found" in page.inner_text("h1")
    assert "Deal rosa" not in page.content()


def test_salesperson_sees_no_peer_in_people(cast, page):
    log_in(page, "ruud")
    page.goto(page.base + "/data/people/")
    table = page.inner_text("[data-testid=entity-table]")
    assert "Ruud" in table and "Rosa" not in table and "Rik" not in table


def test_manager_sees_the_team_and_switches_language(cast, page):
    log_in(page, "mia")
    team = page.inner_text("[data-testid=team-table]")
    assert "Ruud" in team and "Rosa" in team and "Rik" not in team
    page.click("button[data-lang=nl]")
    page.wait_for_selector("text=Omzet dit jaar")
    assert page.inner_text("nav [data-section=measure]") == "Meten"
    page.goto(page.base + "/data/accounts/")
    assert page.inner_text("h1") == "Accounts"
    body = page.inner_text("[data-testid=entity-table]")
    assert "Ruud's Pompen" in body and "Rik's Bouw" not in body
    page.click("button[data-lang=en]")
    page.wait_for_selector("nav >> text=Measure")


def test_manager_filters_a_list_without_reloading(cast, page):
    log_in(page, "mia")
    page.goto(page.base + "/data/opportunities/")
    page.fill("input[name=q]", "rosa")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=entity-table]')"
        ".innerText.includes('Deal ruud')"
    )
    assert "Deal rosa" in page.inner_text("[data-testid=entity-table]")
    assert "q=rosa" in page.url


def test_manager_filters_a_list_by_a_person_picked_by_name(cast, page):
    """The owner filter is a record picker: type a name, choose the suggestion, and the
    list shows that person's deals; the list's own search stays empty."""
    log_in(page, "mia")
    page.goto(page.base + "/data/opportunities/")
    picker = page.locator("form.filters input[data-lookup-for=id_owner]")
    picker.fill("Rosa")
    option = page.locator("#id_owner_list option").first
    expect(option).to_have_attribute("value", f"Rosa Tester #{cast.rosa.pk}")
    picker.fill(option.get_attribute("value"))
    picker.dispatch_event("change")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=entity-table]')"
        ".innerText.includes('Deal ruud')"
    )
    assert "Deal rosa" in page.inner_text("[data-testid=entity-table]")
    assert f"owner={cast.rosa.pk}" in page.url and "find=" not in page.url
    assert page.input_value("input[name=q]") == ""


def test_edit_with_a_bad_split_shows_the_reason_and_keeps_the_data(cast, page):
    log_in(page, "mia")
    deal = cast.opportunities["ruud"]
    page.goto(f"{page.base}/data/opportunities/{deal.pk}/edit/")
    page.fill("input[name='splits-0-percent']", "80")
    page.click("button.primary")
    expect(page.locator(".editform")).to_contain_text("100%")
    deal.refresh_from_db()
    assert [s.percent for s in deal.splits.all()] == [100]


def test_next_and_a_column_header_work_on_a_long_list(cast, page):
    from tests.factories import AccountFactory

    for i in range(60):
        AccountFactory(name=f"Klant {i:02d}", owner=cast.rik)
    log_in(page, "dirk")
    page.goto(page.base + "/data/accounts/")
    assert "Page 1 of 2" in page.inner_text(".pager")
    page.click(".pager >> text=Next")
    page.wait_for_selector(".pager >> text=Page 2 of 2")
    assert "page=2" in page.url
    page.click("[data-testid=entity-table] thead >> text=Name")
    page.wait_for_url("**sort=name**")
    names = page.locator("[data-testid=entity-table] tbody tr td:first-child").all_inner_texts()
    assert names[:3] == ["Klant 00", "Klant 01", "Klant 02"] and names == sorted(names)


@pytest.mark.parametrize("who", ["dirk", "ruud"])
def test_the_home_chart_is_drawn_without_a_console_error(cast, page, who):
    from koers.measure.services import kpi_facts_refresh

    kpi_facts_refresh(start=dt.date(2025, 12, 1), end=dt.date(2026, 11, 30))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    log_in(page, who)
    page.goto(page.base + "/")
    page.wait_for_selector("#trend svg")
    assert errors == []
