"""Files that try to take the server down or slip through: each is refused with a message
before heavy work, or read for what it really holds."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook

from koers.imports.reader import ImportFileError, Limits, read_table

SMALL = Limits(bytes=64 * 1024, rows=1_000, columns=50, cell=1_000)


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rezip(raw: bytes, change) -> bytes:
    """The same spreadsheet with its parts rewritten by ``change(name, data)``."""
    source, out = zipfile.ZipFile(io.BytesIO(raw)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, change(item.filename, source.read(item.filename)))
    return out.getvalue()


def test_a_spreadsheet_claiming_a_million_rows_by_16384_columns_is_read_as_it_is():
    raw = _xlsx([["name", "city"], ["Pompen B.V.", "Utrecht"]])

    def claim(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            return re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', data)
        return data

    frame, _format = read_table(_rezip(raw, claim), "big.xlsx", SMALL)
    assert frame.shape == (1, 2) and frame.row(0) == ("Pompen B.V.", "Utrecht")


def test_a_spreadsheet_that_unpacks_to_far_more_than_it_weighs_is_refused():
    raw = _xlsx([["name"], ["x"]])

    def inflate(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            return data.replace(b"<t>x</t>", b"<t>x" + b" " * 8_000_000 + b"</t>", 1)
        return data

    bomb = _rezip(raw, inflate)
    assert len(bomb) < 64 * 1024  # tiny on disk
    with pytest.raises(ImportFileError, match="unpacks to"):
        read_table(bomb, "bomb.xlsx", SMALL)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"name;name\na;b\n", "appears more than once"),
        (b"name; Name\na;b\n", "appears more than once"),
        (b"name;city\nPompen\x00;Utrecht\n", "NUL bytes"),
        (";".join(f"c{i}" for i in range(5_000)).encode() + b"\n1\n", "5,000 columns"),
        (b"name\n" + b"x" * 1_001 + b"\n", "1,001 characters"),
        (b"name\n" + b"a\n" * 1_001, "1,001 rows"),
        (b"name\n" + b"a" * (70 * 1024) + b"\n", "larger than"),
        (b"name;city\nPompen;Utrecht\nKleppen;Delft;NL\n", "Row 3 has 3 values where"),
    ],
    ids=["same", "near-same", "nul", "columns", "cell", "rows", "size", "ragged"],
)
def test_sloppy_and_oversized_files_are_refused_with_a_message(raw, message):
    with pytest.raises(ImportFileError, match=message):
        read_table(raw, "f.csv", SMALL)


def test_an_oversized_spreadsheet_row_is_refused():
    with pytest.raises(ImportFileError, match="columns"):
        read_table(_xlsx([["name"], ["x"] * 60]), "wide.xlsx", SMALL)


@pytest.mark.parametrize(
    "raw",
    [b"name;name\na;b\n", b"name;city\nPompen\x00;Utrecht\n"],
    ids=["duplicate", "nul"],
)
def test_the_wizard_answers_a_sloppy_file_with_a_message_not_an_error(cast, login, raw):
    client = login(cast.user("ada"))
    upload = io.BytesIO(raw)
    upload.name = "sloppy.csv"
    response = client.post(
        reverse("import_upload"), {"kind": "accounts", "file": upload}, follow=True
    )
    assert response.status_code in {200, 400}
    body = response.content.decode()
    assert "appears more than once" in body or "NUL bytes" in body


def test_the_api_refuses_a_file_over_the_wizards_limit(client, cast, token, settings):
    settings.KOERS_IMPORT_MAX_MB = 1
    big = io.BytesIO(b"external_id;name\n" + b"A-1;x\n" * 250_000)
    response = client.post("/api/v1/imports/accounts", {"file": big}, **token("ada"))
    assert response.status_code == 413 and "larger than 1 MB" in response.json()["detail"]


def test_an_import_is_read_back_by_its_number(client, cast, token):
    text = io.BytesIO(b"external_id;name\nA-1;Pompen\n")
    created = client.post("/api/v1/imports/accounts", {"file": text}, **token("ada")).json()
    response = client.get(f"/api/v1/imports/{created['id']}", **token("ada"))
    assert response.status_code == 200 and response.json()["created"] == 1
    assert client.get("/api/v1/imports/99999", **token("ada")).status_code == 404


def test_releasing_a_hold_that_is_not_a_number_is_a_404_not_an_error(cast, login):
    from koers.reward.services import run_month

    run_month(dt.date(2026, 11, 1), by=None)
    client = login(cast.user("cora"))
    url = reverse("reward_run_action", args=["2026-11", "release"])
    assert client.post(url, {"hold": "abc"}).status_code == 404


def test_old_failed_imports_keep_their_problems_not_their_file(cast, settings, tmp_path):
    import os

    from django.core.management import call_command
    from django.utils import timezone

    from koers.imports.models import ImportRun
    from koers.imports.retention import staging_dir
    from koers.imports.services import import_file

    settings.MEDIA_ROOT = tmp_path
    failed = import_file(
        kind="accounts", raw=b"external_id;name\nA-1;\n", filename="bad.csv", by=None
    ).run
    committed = import_file(
        kind="accounts", raw=b"external_id;name\nA-2;Pompen\n", filename="ok.csv", by=None
    ).run
    long_ago = timezone.now() - timezone.timedelta(days=31)
    ImportRun.objects.update(started_at=long_ago)
    old, fresh = staging_dir() / "old", staging_dir() / "fresh"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(old, (long_ago.timestamp(), long_ago.timestamp()))
    out = io.StringIO()
    call_command("imports-clean-up", stdout=out)
    assert out.getvalue().strip() == (
        "1 import files and 1 abandoned uploads removed; "
        "0 imports whose worker stopped marked refused."
    )
    failed.refresh_from_db()
    committed.refresh_from_db()
    assert not failed.file and failed.errors and failed.error_count == 1
    assert committed.file and (tmp_path / committed.file.name).exists()
    assert not old.exists() and fresh.exists()


def test_a_rejected_value_goes_back_in_the_problems_file_as_text(cast):
    from koers.imports.services import error_report_csv, import_file

    text = b"external_id;name;latitude\nA-1;Pompen;=1+1\n"
    run = import_file(kind="accounts", raw=text, filename="a.csv", by=None).run
    report = error_report_csv(run)
    assert "'=1+1" in report and ",=1+1" not in report


def test_an_import_whose_worker_stopped_is_marked_refused_not_running_for_ever(db):
    from django.utils import timezone

    from koers.imports.models import ImportRun
    from koers.imports.retention import abandoned_runs_failed

    now = timezone.now()
    stuck = ImportRun.objects.create(
        kind="orders", status=ImportRun.Status.RUNNING, started_at=now - timezone.timedelta(hours=7)
    )
    busy = ImportRun.objects.create(
        kind="orders", status=ImportRun.Status.RUNNING, started_at=now - timezone.timedelta(hours=1)
    )
    assert abandoned_runs_failed(now=now) == 1
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert (
        stuck.status == ImportRun.Status.FAILED and "worker stopped" in stuck.errors[0]["message"]
    )
    assert busy.status == ImportRun.Status.RUNNING


def test_formulas_in_an_uploaded_spreadsheet_are_reported_not_imported_as_values(db):
    from koers.imports.services import import_file

    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "name"])
    sheet.append(["A-1", "Pompen"])
    sheet.append(["A-2", '=HYPERLINK("http://x","Klik")'])
    sheet["C1"] = "total"
    sheet["C2"] = "=1+1"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ImportFileError, match=r"2 cells hold a formula \(C2, B3\)"):
        import_file(kind="accounts", raw=buffer.getvalue(), filename="a.xlsx", by=None)
    from koers.sales.models import Account

    assert not Account.objects.filter(external_id__in=["A-1", "A-2"]).exists()


def test_a_quote_left_open_over_a_large_part_of_the_file_is_refused_with_a_message():
    """The row that cannot be read is looked for only as far as it can be: a quote left
    open over more than the csv module's field limit still gets the reader's message."""
    from koers.imports.reader import unreadable

    text = 'name;city\n"Pompen;Utrecht\n' + "Kleppen;Delft\n" * 20_000
    problem = unreadable(text, ";", ValueError("unclosed quote"))
    assert str(problem) == "The file is not a readable CSV table: unclosed quote"
    ragged = unreadable("a;b\n1;2\n1;2;3\n", ";", ValueError("x"))
    assert "Row 3 has 3 values where the header has 2 columns" in str(ragged)
