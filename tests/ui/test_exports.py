"""Every list exports to CSV and Excel with its filters, and only what the user may see."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from koers.ui.entities import ENTITIES


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_export_applies_the_filters(cast, login):
    client = login(cast.user("dirk"))
    url = reverse("entity_export_csv", args=["opportunities"])
    rows = _csv(client.get(url, {"owner": cast.rosa.pk}))
    assert rows[0][:3] == ["id", "Name", "Account"]
    assert [r[1] for r in rows[1:]] == ["Deal rosa"]


def test_export_holds_only_visible_records(cast, login):
    rows = _csv(login(cast.user("ruud")).get(reverse("entity_export_csv", args=["accounts"])))
    assert [r[1] for r in rows[1:]] == ["Ruud's Pompen"]


def test_xlsx_export_has_typed_cells(cast, login):
    client = login(cast.user("mia"))
    response = client.get(reverse("entity_export_xlsx", args=["opportunities"]), {"q": "ruud"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert len(rows) == 2 and rows[1][header.index("Amount")] == 10000.0


def test_pay_stays_hidden_in_exports(cast, login):
    cast.rosa.base_salary = "61234.00"
    cast.rosa.save()
    client = login(cast.user("mia"))
    rows = _csv(client.get(reverse("entity_export_csv", args=["people"])))
    salary = rows[0].index("Annual base salary")
    by_name = {r[1]: r[salary] for r in rows[1:]}
    assert by_name["Rosa Tester"] == "61234.00"
    rows = _csv(login(cast.user("rosa")).get(reverse("entity_export_csv", args=["people"])))
    assert [r[1] for r in rows[1:]] == ["Rosa Tester"]


@pytest.mark.parametrize("slug", [s for s, e in ENTITIES.items() if e.phase != "hidden"])
def test_every_list_exports_every_visible_record_alike_in_csv_and_excel(cast, login, slug):
    user = cast.user("ada")
    client = login(user)
    rows = _csv(client.get(reverse("entity_export_csv", args=[slug])))
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("entity_export_xlsx", args=[slug])).content)
    )
    cells = list(sheet.active.iter_rows(values_only=True))
    expected = ENTITIES[slug].selector(user).count()
    assert len(rows) - 1 == len(cells) - 1 == expected
    assert rows[0] == [str(h) for h in cells[0]]
    ids = sorted(int(r[0]) for r in rows[1:])
    assert ids == sorted(int(c[0]) for c in cells[1:])
    assert ids == sorted(ENTITIES[slug].selector(user).values_list("pk", flat=True))


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x.test","klik")', "+31 20", "-1+1", "@SUM(A1)", "\tTab"]
)
def test_a_name_that_looks_like_a_formula_leaves_as_text(cast, login, name):
    deal = cast.opportunities["ruud"]
    deal.name = name
    deal.save()
    client = login(cast.user("dirk"))
    rows = _csv(client.get(reverse("entity_export_csv", args=["opportunities"])))
    assert "'" + name in [r[1] for r in rows[1:]]
    response = client.get(reverse("entity_export_xlsx", args=["opportunities"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    target = next(
        c for c in cells if str(c.value).endswith(name.lstrip("\t")) or c.value == "'" + name
    )
    assert target.data_type == "s" and target.value == "'" + name  # text, not a formula


def test_an_amount_stays_a_number_in_excel(cast, login):
    client = login(cast.user("dirk"))
    response = client.get(reverse("entity_export_xlsx", args=["opportunities"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    amounts = [row[header.index("Amount")].value for row in sheet.iter_rows(min_row=2)]
    assert amounts == [10000.0, 10000.0, 10000.0]
