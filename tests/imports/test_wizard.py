"""The import wizard in the web app."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from koers.imports.models import ImportRun
from koers.sales import models as sm

FILE = "external_id;Klantnaam;owner\nW-1;Wizard B.V.;P-RUUD\nW-2;Tweede B.V.;P-NOBODY\n"


def _upload(client, text=FILE, kind="accounts"):
    response = client.post(
        reverse("import_upload"),
        {"kind": kind, "preset": "", "file": SimpleUploadedFile("klanten.csv", text.encode())},
    )
    assert response.status_code == 302
    return response["Location"]


def test_only_importing_roles_reach_the_wizard(cast, login):
    assert login(cast.user("ruud")).get(reverse("import_history")).status_code == 403
    assert login(cast.user("dirk")).get(reverse("import_history")).status_code == 200


def test_mapping_correction_errors_then_import(cast, login):
    cast.ruud.external_id = "P-RUUD"
    cast.ruud.save()
    client = login(cast.user("dirk"))
    stage = _upload(client)
    page = client.get(stage).content.decode()
    assert "Required columns are missing: name" in page
    assert "CSV, UTF-8, semicolon" not in page  # not read until the mapping is complete
    mapping = {"map-0": "external_id", "map-1": "name", "map-2": "owner_id", "action": "check"}
    page = client.post(stage, mapping).content.decode()
    assert "unknown person" in page and 'disabled data-testid="do-import"' in page
    refused = client.post(stage, {**mapping, "action": "import"})
    assert refused.status_code == 200 and "unknown person" in refused.content.decode()
    assert not sm.Account.objects.filter(external_id="W-1").exists()  # refused whole
    assert ImportRun.objects.get().status == "failed"  # the attempt is on record
    mapping["map-2"] = ""  # ignore the owner column
    page = client.post(stage, mapping).content.decode()
    assert "Ready: 2 new, 0 updated, 0 unchanged." in page
    response = client.post(stage, {**mapping, "action": "import"})
    run = ImportRun.objects.filter(status="committed").get()
    assert response["Location"] == reverse("import_run", args=[run.pk])
    assert sm.Account.objects.get(external_id="W-1").name == "Wizard B.V."
    assert client.get(stage).status_code == 404  # the staged upload is gone


def test_error_report_download(cast, login):
    client = login(cast.user("dirk"))
    stage = _upload(client, "external_id;name;owner\nW-3;X;P-NOBODY\n")
    report = client.get(stage + "errors.csv").content.decode("utf-8-sig")
    assert report.splitlines()[0] == "row,column,value,message"
    assert "P-NOBODY" in report


def test_template_download(cast, login):
    body = login(cast.user("dirk")).get(reverse("import_template", args=["accounts"]))
    assert body.content.decode("utf-8-sig").startswith("external_id;name;segment")


def test_the_column_mapping_names_koers_columns_in_the_users_words(cast, login):
    from koers.imports.specs import KINDS
    from koers.imports.views import column_label

    orders = KINDS["orders"]
    assert column_label(orders, orders.column("external_id")) == "External id (external_id)"
    assert column_label(orders, orders.column("account_id")) == "Account (account)"
