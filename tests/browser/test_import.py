"""A director imports a customer file: corrects a column, sees a failing row, imports."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from koers.sales import models as sm
from tests.browser.conftest import log_in

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
