"""A director imports a customer file: corrects a column, sees a failing row, imports."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from koers.sales import models as sm
from tests.browser.conftest import dutch_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = "external_id;Klantnaam;owner\nB-1;Browser B.V.;P-RUUD\nB-2;Fout B.V.;P-NOBODY\n"


def test_upload_correct_mapping_fix_failing_row_and_import(cast, page, tmp_path):
    cast.ruud.external_id = "P-RUUD"
    cast.ruud.save()
    upload = tmp_path / "klanten.csv"
    upload.write_text(FILE, encoding="utf-8")
    log_in(page, "dirk")
    page.goto(page.base + "/data/imports/")
    page.click("[data-testid=new-import]")
    page.select_option("#id_kind", "accounts")
    page.set_input_files("#id_file", str(upload))
    page.click("button.primary")
    expect(page.locator("[data-testid=import-problem]")).to_contain_text(
        "Required columns are missing: name"
    )
    page.select_option("select[data-header=Klantnaam]", "name")
    page.click("button[value=check]")
    errors = page.inner_text("[data-testid=import-errors]")
    assert "P-NOBODY" in errors and "unknown person" in errors
    assert page.is_disabled("[data-testid=do-import]")
    page.select_option("select[data-header=owner]", "")
    page.click("button[value=check]")
    expect(page.locator("[data-testid=ready]")).to_contain_text("Ready: 2 new")
    page.click("[data-testid=do-import]")
    assert page.inner_text("[data-testid=created]") == "2"
    assert sm.Account.objects.filter(external_id__in=["B-1", "B-2"]).count() == 2


CRM = (
    "Id;Bedrijf;Land;Sector\n"
    "V-1;Een B.V.;Philippines;technology\n"
    "V-2;Twee B.V.;Philipines;technology\n"
    "V-3;Drie B.V.;Nederland;technolgy\n"
)


def test_the_value_step_in_dutch_takes_a_suggestion_and_keeps_it_as_a_mapping(
    cast, browser, live_server, tmp_path
):
    """A director uploads a CRM file in Dutch, maps the sector, accepts the suggestions for
    two misspellings, saves the mapping and imports; the mapping editor shows the choices."""
    upload = tmp_path / "crm.csv"
    upload.write_text(CRM, encoding="utf-8")
    context, page = dutch_page(browser, live_server, "dirk")
    page.goto(page.base + "/data/imports/new/")
    page.select_option("#id_kind", "accounts")
    page.set_input_files("#id_file", str(upload))
    page.click("button.primary")
    # before any check: the values of the country column, a misspelling with its suggestion
    country = page.locator(
        "[data-testid=values-country] tr[data-value=Philipines] input[type=text]"
    )
    expect(page.locator("[data-testid=value-step] h2")).to_have_text("Waarden")
    expect(country).to_have_value("PH")  # the suggestion, filled in
    expect(page.locator("[data-testid=values-country]")).to_contain_text("lijkt op")
    page.select_option("select[data-header=Bedrijf]", "name")
    page.select_option("select[data-header=Sector]", "industry")
    page.click("button[value=check]")  # the country's suggestion taken as filled in
    expect(page.locator("[data-testid=values-country]")).to_contain_text("gekozen")
    sector = page.locator("[data-testid=values-industry] tr[data-value=technolgy] input[type=text]")
    expect(sector).to_have_value("technology")
    expect(page.locator("[data-testid=values-industry]")).to_contain_text("lijkt op")
    page.click("button[value=check]")  # accept the suggestions
    expect(page.locator("[data-testid=ready]")).to_contain_text("3 nieuw")
    page.fill("input[name=save_as]", "crm-klanten")
    page.click("button[value=save]")
    page.click("[data-testid=do-import]")
    assert page.inner_text("[data-testid=created]") == "3"
    assert sm.Account.objects.get(external_id="V-2").country == "PH"
    assert sm.Account.objects.get(external_id="V-3").industry == "technology"
    page.goto(page.base + "/data/imports/mappings/crm-klanten/")
    editor = page.locator(".CodeMirror")
    expect(editor).to_contain_text("Philipines: PH")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nkleur: rood\n")  # an unknown key: named while typing
    expect(page.locator("[data-testid=mapping-errors]")).to_contain_text("kleur")
    context.close()
