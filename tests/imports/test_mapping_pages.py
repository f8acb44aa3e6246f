"""Saved mappings have a home in the product: a list, a YAML editor checked as it is typed,
saving, renaming, downloading and deleting, for the roles that may import only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from koers.imports.models import ImportMapping, ImportRun
from koers.imports.saved import load_mapping_by_name, mapping_save, parse_mapping

GOOD = """# the ERP's order lines
kind: orders
columns: {OrderDate: order_date, CustomerID: account, OrderID: order_number}
computed:
  external_id: "[OrderID] & '-' & [ProductID]"
  amount: "[UnitPrice] * [Quantity] * (1 - [Discount])"
values:
  kind: {Shipped: sale}
"""


@pytest.fixture
def stored(db):
    return mapping_save(name="erp-orders", mapping=parse_mapping(GOOD), by=None, document=GOOD)


def test_the_list_shows_each_mapping_and_how_often_it_was_used(cast, login, stored):
    ImportRun.objects.create(
        kind="orders", filename="a.csv", status="committed", mapping_name="erp-orders"
    )
    page = login(cast.user("dirk")).get(reverse("import_mappings")).content.decode()
    assert "erp-orders" in page and reverse("import_mapping_yaml", args=["erp-orders"]) in page
    assert '<td class="num">1</td>' in page


@pytest.mark.parametrize("who", ["ruud", "mia"])
def test_roles_that_may_not_import_reach_no_mapping(cast, login, stored, who):
    client = login(cast.user(who))
    for url in (
        reverse("import_mappings"),
        reverse("import_mapping_new"),
        reverse("import_mapping", args=["erp-orders"]),
        reverse("import_mapping_yaml", args=["erp-orders"]),
    ):
        assert client.get(url).status_code == 403
    document = GOOD.replace("orders", "accounts")
    assert (
        client.post(
            reverse("import_mapping", args=["erp-orders"]),
            {"name": "erp-orders", "document": document, "save": "1"},
        ).status_code
        == 403
    )
    assert client.post(reverse("import_mapping_delete", args=["erp-orders"])).status_code == 403
    assert ImportMapping.objects.get().document == GOOD


def test_the_editor_checks_as_it_is_typed_and_saves_what_passes(cast, login, stored):
    client = login(cast.user("dirk"))
    url = reverse("import_mapping", args=["erp-orders"])
    page = client.get(url).content.decode()
    assert "# the ERP&#x27;s order lines" in page and 'id="id_document"' in page
    assert "vendor/codemirror/codemirror.js" in page
    # the live check (htmx) answers the check alone, with the mistake in the user's words
    broken = GOOD.replace("(1 - [Discount])", "(1 - [Discount]")
    check = client.post(url, {"name": "erp-orders", "document": broken}, HTTP_HX_REQUEST="true")
    body = check.content.decode()
    assert body.lstrip().startswith('<div id="check"') and 'data-testid="mapping-errors"' in body
    check = client.post(url, {"name": "erp-orders", "document": GOOD}, HTTP_HX_REQUEST="true")
    body = check.content.decode()
    assert "A valid mapping for" in body and "[UnitPrice] * [Quantity]" in body
    assert "Shipped → sale" in body
    # saving a broken document changes nothing
    refused = client.post(url, {"name": "erp-orders", "document": broken, "save": "1"})
    assert refused.status_code == 400 and ImportMapping.objects.get().document == GOOD
    changed = GOOD.replace("{Shipped: sale}", "{Shipped: sale, Returned: return}")
    done = client.post(url, {"name": "erp-orders", "document": changed, "save": "1"})
    assert done.status_code == 302 and done["Location"] == reverse("import_mappings")
    name, mapping = load_mapping_by_name("erp-orders")  # what the CLI and the API read
    assert mapping.values["kind"] == {"Shipped": "sale", "Returned": "return"}
    stored = ImportMapping.objects.get()
    assert stored.document == changed and stored.by == cast.user("dirk")


def test_a_new_mapping_starts_from_its_kinds_columns_and_a_rename_keeps_one(cast, login, stored):
    client = login(cast.user("dirk"))
    page = client.get(reverse("import_mapping_new") + "?kind=people").content.decode()
    assert "kind: people" in page and "# manager: manager" in page
    url = reverse("import_mapping", args=["erp-orders"])
    client.post(url, {"name": "Northwind orders", "document": GOOD, "save": "1"})
    assert list(ImportMapping.objects.values_list("name", flat=True)) == ["northwind-orders"]
    refused = client.post(
        reverse("import_mapping_new"), {"name": "new", "document": GOOD, "save": "1"}
    )
    assert refused.status_code == 400 and ImportMapping.objects.count() == 1


def test_download_and_delete(cast, login, stored):
    client = login(cast.user("dirk"))
    download = client.get(reverse("import_mapping_yaml", args=["erp-orders"]))
    assert download.content.decode() == GOOD
    assert download["Content-Disposition"] == 'attachment; filename="erp-orders.yaml"'
    assert client.post(reverse("import_mapping_delete", args=["erp-orders"])).status_code == 302
    assert not ImportMapping.objects.exists()
    assert client.get(reverse("import_mapping", args=["erp-orders"])).status_code == 404
