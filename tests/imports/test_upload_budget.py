"""Bounded work per uploaded byte: the spreadsheets that exhausted memory and CPU, built here
the way an attacker would, are refused before they are parsed, within a fixed memory budget;
damaged XML is a message, never a server error; real spreadsheets read as before."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook

from koers.imports.reader import ImportFileError, Limits, read_table
from koers.imports.xlsx import memory_budget, unpacked_cap

LIMITS = Limits(bytes=200 * 1024 * 1024, rows=20_000_000, columns=300, cell=32_767)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
}
HEADER = b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'


def _spreadsheet(sheet, shared=(b"",)) -> bytes:
    """A spreadsheet whose sheet's rows and shared strings come from the iterables of
    bytes ``sheet`` and ``shared``, compressed as they are written (never whole in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        for name, start, body, end in [
            (
                "xl/worksheets/sheet1.xml",
                f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'.encode(),
                sheet,
                b"</sheetData></worksheet>",
            ),
            (
                "xl/sharedStrings.xml",
                f'<?xml version="1.0"?><sst xmlns="{MAIN}">'.encode(),
                shared,
                b"</sst>",
            ),
        ]:
            with archive.open(name, "w", force_zip64=True) as part:
                part.write(start)
                for piece in body:
                    part.write(piece)
                part.write(end)
    return out.getvalue()


def _repeat(piece: bytes, times: int, per_write: int = 100_000):
    block = piece * per_write
    for _ in range(times // per_write):
        yield block
    yield piece * (times % per_write)


def _inline(row: int, text: bytes = b"Ann") -> bytes:
    return b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (row, row, text)


BOMBS = {
    # 20,000 shared strings of 10,000 characters, each cell pointing at its own
    "shared-string bomb": lambda: _spreadsheet(
        [HEADER]
        + [
            b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (i, i, i - 2)
            for i in range(2, 20_002)
        ],
        _repeat(b"<si><t>" + b"x" * 10_000 + b"</t></si>", 20_000, 1_000),
    ),
    "one huge inline cell": lambda: _spreadsheet(
        [HEADER, b'<row r="2"><c r="A2" t="inlineStr"><is><t>']
        + list(_repeat(b"y", 200_000_000, 10_000_000))
        + [b"</t></is></c></row>"]
    ),
    "1 M identical rows": lambda: _spreadsheet(
        [HEADER]
        + list(
            _repeat(
                b'<row><c t="inlineStr"><is><t>Ann</t></is></c><c><v>10</v></c></row>', 1_000_000
            )
        )
    ),
    "10 M empty rows": lambda: _spreadsheet(
        [HEADER] + list(_repeat(b"<row/>", 10_000_000)) + [_inline(10_000_002)]
    ),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_spreadsheet_bomb_is_refused_before_it_is_parsed_within_the_budget(name):
    bomb = BOMBS[name]()
    assert len(bomb) < 500 * 1024  # a few hundred KB, as in the wild
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError, match="unpacks to more than"):
            read_table(bomb, "bomb.xlsx", LIMITS)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024 < memory_budget(len(bomb))


def test_the_unpacked_size_a_file_may_reach_grows_with_the_file_not_the_upload_limit():
    assert unpacked_cap(100 * 1024, LIMITS) == 16 * 1024 * 1024 + 30 * 100 * 1024
    assert unpacked_cap(150 * 1024 * 1024, LIMITS) == 4 * 1024**3
    small = Limits(bytes=100 * 1024, rows=10, columns=10, cell=10)
    assert unpacked_cap(1024, small) == 100 * 100 * 1024


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        # within the unpacked size, but each trick makes the reader hold a huge grid
        (
            [HEADER, _inline(2), b'<row r="999999"><c r="KN999999"><v>1</v></c></row>'],
            "spans 999,999 rows by 300 columns",
        ),
        (
            [HEADER, _inline(2), b'<row r="900000000"><c r="A900000000"><v>1</v></c></row>'],
            "spans 900,000,000 rows",
        ),
        ([HEADER, _inline(2), b'<row r="2"><c r="XFD2"><v>1</v></c></row>'], "16,384 columns"),
        ([HEADER, b"<row>" + b"<c/>" * 5_000 + b"<c><v>1</v></c></row>"], "5,001 columns"),
        (
            [HEADER, _inline(2), b'<row\nr="999999"><c\nr="KN999999"><v>1</v></c></row>'],
            "spans 999,999 rows",
        ),
        (
            [
                HEADER,
                b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
                + b"z" * 300_000
                + b"</t></is></c></row>",
            ],
            "more than 32,767 characters",
        ),
    ],
    ids=["far-cell", "far-row", "far-column", "unreferenced-cells", "line-breaks", "long-cell"],
)
def test_a_small_sheet_that_would_make_the_reader_hold_a_huge_grid_is_refused(rows, message):
    with pytest.raises(ImportFileError, match=message):
        read_table(_spreadsheet(rows), "grid.xlsx", LIMITS)


def test_every_row_counts_against_the_row_limit_empty_ones_too():
    limits = Limits(bytes=LIMITS.bytes, rows=1_000, columns=300, cell=32_767)
    raw = _spreadsheet([HEADER] + [b"<row/>"] * 2_000 + [_inline(2_002)])
    with pytest.raises(ImportFileError, match="more than 1,000 rows"):
        read_table(raw, "rows.xlsx", limits)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"a&#0;b", "damaged"),
        (b"a&foo;b", "damaged"),
        (b"&lol9;", "declares XML entities"),
    ],
    ids=["nul-reference", "undefined-entity", "entity-expansion"],
)
def test_malformed_xml_is_refused_with_a_message(text, message):
    raw = _spreadsheet([HEADER, _inline(2, text)])
    if b"lol" in text:
        laughs = (
            b'<!DOCTYPE l [<!ENTITY lol "lol">'
            + b"".join(
                b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                for i in range(1, 10)
            )
            + b"]>"
        )
        raw = _rezip(
            raw,
            lambda name, data: (
                data.replace(b"?><worksheet", b"?>" + laughs + b"<worksheet")
                if "sheet1" in name
                else data
            ),
        )
    with pytest.raises(ImportFileError, match=message):
        read_table(raw, "broken.xlsx", LIMITS)


def _rezip(raw: bytes, change) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(raw)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, change(item.filename, source.read(item.filename)))
    return out.getvalue()


def test_damaged_xml_through_the_wizard_and_the_api_is_a_message_not_a_server_error(
    cast, login, client, token
):
    raw = _spreadsheet(
        [
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>external_id</t></is></c></row>',
            _inline(2, b"a&#0;b"),
        ]
    )
    upload = io.BytesIO(raw)
    upload.name = "broken.xlsx"
    response = login(cast.user("ada")).post(
        reverse("import_upload"), {"kind": "accounts", "file": upload}, follow=True
    )
    assert response.status_code in {200, 400} and "damaged" in response.content.decode()
    upload = io.BytesIO(raw)
    upload.name = "broken.xlsx"
    response = client.post("/api/v1/imports/accounts", {"file": upload}, **token("ada"))
    assert 400 <= response.status_code < 500 and "damaged" in response.json()["detail"]


def test_a_real_spreadsheet_reads_its_values_as_text_as_before():
    book = Workbook()
    sheet = book.active
    sheet.append(["order", "date", "moment", "amount", "quantity", "ok", "note"])
    sheet.append(
        ["SO-1", dt.date(2024, 2, 29), dt.datetime(2026, 12, 31, 13, 5), 1234.5, 10.0, True, " x "]
    )
    sheet.append([None] * 7)  # an empty row is skipped
    sheet.append(["SO-2", dt.datetime(2027, 1, 1), None, 0.1, 3, False, None])
    sheet["J9"] = None
    out = io.BytesIO()
    book.save(out)
    frame, file_format = read_table(out.getvalue(), "orders.xlsx", LIMITS)
    assert file_format.kind == "xlsx"
    assert frame.columns == ["order", "date", "moment", "amount", "quantity", "ok", "note"]
    assert frame.rows() == [
        ("SO-1", "2024-02-29", "2026-12-31T13:05:00", "1234.5", "10", "True", "x"),
        ("SO-2", "2027-01-01", "", "0.1", "3", "False", ""),
    ]
