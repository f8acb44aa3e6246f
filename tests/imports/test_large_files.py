"""A large CSV file is imported block by block (here with blocks of a few kilobytes), and the
outcome is what a whole-file import gives: the same rows and figures, all or nothing, every
problem counted, duplicates across blocks found, dates read one way throughout."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from koers.imports import services, steps
from koers.imports.models import ImportRun
from koers.imports.samples import sample_path
from koers.imports.services import error_report_csv, import_file
from koers.imports.stream import blocks, open_csv
from koers.sales import models as sm

HEADER = "external_id;order_number;order_date;account;product;quantity;amount;credited_to\n"


@pytest.fixture
def base(funnel, settings):
    settings.KOERS_IMPORT_CHUNK_BYTES = 4096
    for kind in ["units", "people", "product-groups", "products", "accounts"]:
        run = import_file(kind=kind, raw=sample_path(kind).read_bytes(), filename=kind, by=None).run
        assert run.status == "committed", run.errors


def _line(i: int, day: str = "25-03-2026", amount: str | None = None) -> str:
    account = "VB-ACC-001" if i % 2 else "VB-ACC-002"
    amount = amount or f"{1000 + i},{i % 100:02d}"
    person = "VB-003" if i % 3 else "VB-004"
    return f"L-{i:05d};SO-{i // 3:05d};{day};{account};VB-KLP-001;{1 + i % 7};{amount};{person}\n"


def _orders(tmp_path: Path, lines: list[str], name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def _expected_total(n: int) -> Decimal:
    return sum((Decimal(f"{1000 + i}.{i % 100:02d}") for i in range(n)), Decimal("0"))


def test_a_file_of_many_blocks_imports_as_a_whole_file_would(base, tmp_path):
    path = _orders(tmp_path, [_line(i) for i in range(600)])
    assert path.stat().st_size > 9 * 4096  # many blocks
    run = import_file(kind="orders", path=path, filename=path.name, by=None).run
    assert run.status == "committed", run.errors
    assert (run.rows, run.created, run.updated, run.unchanged) == (600, 600, 0, 0)
    lines = sm.OrderLine.objects.filter(external_id__startswith="L-")
    assert lines.count() == 600
    assert lines.aggregate(s=Sum("amount"))["s"] == _expected_total(600)
    assert lines.aggregate(s=Sum("reporting_amount"))["s"] == _expected_total(600)
    assert sm.OrderLineCredit.objects.filter(line__in=lines).count() == 600
    assert run.file.size == path.stat().st_size  # the whole file is kept, not a block

    again = import_file(kind="orders", path=path, filename=path.name, by=None).run
    assert (again.created, again.updated, again.unchanged) == (0, 0, 600)

    changed = [_line(i) for i in range(600)]
    changed[590] = _line(590, amount="1,00")
    path = _orders(tmp_path, changed)
    third = import_file(kind="orders", path=path, filename=path.name, by=None).run
    assert (third.created, third.updated, third.unchanged) == (0, 1, 599)
    assert third.changed_fields == {"amount": 1}
    assert sm.OrderLine.objects.get(external_id="L-00590").reporting_amount == Decimal("1.00")


def test_a_problem_in_the_last_block_writes_nothing_and_every_problem_is_kept(
    base, tmp_path, monkeypatch
):
    monkeypatch.setattr(steps, "MAX_STORED_ERRORS", 5)
    lines = [_line(i) for i in range(500)]
    for i in (480, 485, 490, 495, 497, 499):
        lines[i] = lines[i].replace("VB-KLP-001", "NO-SUCH-PRODUCT")
    lines[10] = lines[10].replace("25-03-2026", "31-02-2026")
    path = _orders(tmp_path, lines)
    run = import_file(kind="orders", path=path, filename=path.name, by=None).run
    assert run.status == "failed" and run.error_count == 7
    assert not sm.OrderLine.objects.filter(external_id__startswith="L-").exists()
    assert {(g["column"], g["count"]) for g in run.problem_summary} == {
        ("product", 6),
        ("order_date", 1),
    }
    assert len(run.errors) == 5  # the page keeps the first; the file has all
    report = error_report_csv(run)
    assert report.count("NO-SUCH-PRODUCT") == 6 and "31-02-2026" in report
    # line numbers are the file's: the header is line 1
    assert "12,order_date,31-02-2026" in report and "501,product,NO-SUCH" in report


def test_a_key_twice_in_different_blocks_is_a_problem(base, tmp_path):
    lines = [_line(i) for i in range(400)] + [_line(3)]
    path = _orders(tmp_path, lines)
    run = import_file(kind="orders", path=path, filename=path.name, by=None).run
    assert run.status == "failed", run.created
    assert run.errors == [
        {
            "row": 402,
            "column": "external_id",
            "value": "L-00003",
            "message": "appears more than once in the file",
        }
    ]
    assert not sm.OrderLine.objects.filter(external_id__startswith="L-").exists()


def test_dates_are_read_the_way_the_first_block_reads_them(base, tmp_path):
    """The first block shows day-first dates (25-03); a later block holds only days below 13,
    which alone could be read month-first: they stay day-first."""
    lines = [_line(i, day="25-03-2026") for i in range(200)]
    lines += [_line(i, day="03-04-2026") for i in range(200, 400)]
    path = _orders(tmp_path, lines)
    run = import_file(kind="orders", path=path, filename=path.name, by=None).run
    assert run.status == "committed", run.errors
    late = sm.OrderLine.objects.get(external_id="L-00399")
    assert late.order_date.isoformat() == "2026-04-03"


def test_quoted_line_breaks_and_windows_1252_across_blocks(base, tmp_path):
    rows = []
    for i in range(800):
        name = f'"Café {i}; ""de Haven""\nafdeling Noord"' if i % 50 == 0 else f"Klant {i}"
        rows.append(f"K-{i:04d};{name};NL;Rotterdam\n")
    path = tmp_path / "klanten.csv"
    path.write_bytes(("external_id;name;country;city\n" + "".join(rows)).encode("cp1252"))
    source = open_csv(path)
    assert source.encoding == "cp1252" and source.separator == ";"
    assert sum(1 for _block in blocks(source)) > 3
    run = import_file(kind="accounts", path=path, filename=path.name, by=None).run
    assert run.status == "committed", run.errors
    assert run.created == 800 and run.file_format == "CSV, Windows-1252, semicolon"
    cafe = sm.Account.objects.get(external_id="K-0250")
    assert cafe.name == 'Café 250; "de Haven"\nafdeling Noord'


def test_a_trial_of_a_large_file_writes_nothing(base, tmp_path):
    path = _orders(tmp_path, [_line(i) for i in range(300)])
    run = import_file(kind="orders", path=path, filename=path.name, by=None, dry_run=True).run
    assert run.status == "checked" and run.created == 300
    assert not sm.OrderLine.objects.filter(external_id__startswith="L-").exists()


def test_the_command_line_imports_a_large_file_in_blocks(base, tmp_path, monkeypatch):
    calls = []
    from koers.imports import chunked

    original = chunked.import_in_blocks
    monkeypatch.setattr(
        chunked, "import_in_blocks", lambda **kw: calls.append(kw["kind"]) or original(**kw)
    )
    path = _orders(tmp_path, [_line(i) for i in range(300)])
    out = io.StringIO()
    call_command("import", "orders", str(path), stdout=out)
    assert calls == ["orders"] and "Imported 300 rows: 300 new" in out.getvalue()
    assert ImportRun.objects.filter(kind="orders", status="committed").count() == 1


def test_the_api_imports_a_large_upload_in_blocks(
    base, cast, token, client, settings, tmp_path, monkeypatch
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # the upload is kept on disk, not in memory
    from koers.imports import chunked

    calls = []
    original = chunked.import_in_blocks
    monkeypatch.setattr(
        chunked, "import_in_blocks", lambda **kw: calls.append(kw["path"]) or original(**kw)
    )
    path = _orders(tmp_path, [_line(i) for i in range(300)])
    with path.open("rb") as handle:
        response = client.post("/api/v1/imports/orders", {"file": handle}, **token("ada"))
    assert response.status_code == 201, response.content.decode()
    assert response.json()["created"] == 300 and len(calls) == 1


def test_a_large_load_keeps_the_key_lookup_across_blocks(base, tmp_path):
    """Duplicates across blocks are found and a second load matches every line; every index
    and constraint stays in place throughout."""
    path = _orders(tmp_path, [_line(i) for i in range(400)])
    run = import_file(kind="orders", path=path, filename=path.name, by=None).run
    assert run.status == "committed" and run.created == 400
    again = import_file(kind="orders", path=path, filename=path.name, by=None).run
    assert again.unchanged == 400
    twice = _orders(tmp_path, [_line(i) for i in range(400, 700)] + [_line(401)], "twice.csv")
    failed = import_file(kind="orders", path=twice, filename=twice.name, by=None).run
    assert failed.status == "failed", failed.errors
    assert [e["message"] for e in failed.errors] == ["appears more than once in the file"], (
        failed.errors
    )
    assert sm.OrderLine.objects.filter(external_id__startswith="L-").count() == 400
    with connection.cursor() as cursor:  # every index and constraint is there
        assert len(connection.introspection.get_constraints(cursor, "sales_orderline")) >= 5


def test_a_stored_key_twice_in_different_blocks_is_a_problem(base, tmp_path):
    first = _orders(tmp_path, [_line(i) for i in range(100)], "first.csv")
    assert import_file(kind="orders", path=first, filename="f", by=None).run.created == 100
    lines = [_line(i) for i in range(400)] + [_line(7, amount="9,99")]
    path = _orders(tmp_path, lines)
    run = import_file(kind="orders", path=path, filename=path.name, by=None).run
    assert run.status == "failed"
    assert [(e["row"], e["value"]) for e in run.errors] == [(402, "L-00007")]
    assert sm.OrderLine.objects.get(external_id="L-00007").amount == Decimal("1007.07")


def test_the_wizard_checks_and_imports_a_large_upload_in_blocks(
    base, cast, login, client, tmp_path, monkeypatch
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from koers.imports import chunked

    calls = []
    original = chunked.import_in_blocks
    monkeypatch.setattr(
        chunked, "import_in_blocks", lambda **kw: calls.append(kw["dry_run"]) or original(**kw)
    )
    login(cast.user("ada"))
    raw = _orders(tmp_path, [_line(i) for i in range(300)]).read_bytes()
    upload = client.post(
        reverse("import_upload"),
        {"kind": "orders", "preset": "", "file": SimpleUploadedFile("o.csv", raw)},
    )
    stage = upload["Location"]
    page = client.get(stage).content.decode()
    assert "Ready: 300 new, 0 updated, 0 unchanged." in page and "L-00009" in page
    done = client.post(stage, {"action": "import"})
    assert done.status_code == 302 and calls == [True, False]
    assert sm.OrderLine.objects.filter(external_id__startswith="L-").count() == 300


def test_a_key_lookup_leaves_the_planner_as_it_was(db):
    """A lookup by key turns PostgreSQL's merge and hash joins off for its own statement
    only: the rest of the import's transaction plans as before."""
    import polars as pl
    from django.db import transaction

    from koers.imports.references import exact_ids

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner settings")

    def joins() -> tuple[str, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_mergejoin'), current_setting('enable_hashjoin')"
            )
            return cursor.fetchone()

    with transaction.atomic():
        before = joins()
        found = exact_ids("orders", pl.Series(["nothing-like-this"]))
        assert found.is_empty()
        assert joins() == before == ("on", "on")


def test_readers_never_wait_for_an_import(base, tmp_path, monkeypatch):
    """While a large import is writing (its transaction open, block after block), another
    session reads the tables it writes without waiting: an import takes no lock that
    blocks readers (it keeps every index; dropping one would lock the table until the
    import commits: /data/accounts/ waited 10.4 s during a 13 s import)."""
    import psycopg

    from koers.core import bulk
    from koers.imports import chunked
    from tests.conftest import reader_session

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer and no concurrent readers to show")
    monkeypatch.setattr(bulk, "LARGE_LOAD", 0)  # large enough to rebuild, were it exclusive
    waited: list[str] = []
    write = chunked.sv._write

    def write_then_read(*args, **kwargs):
        write(*args, **kwargs)
        with reader_session() as reader:
            for table in ["sales_orderline", "sales_orderlinecredit", "sales_account"]:
                try:
                    reader.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
                except psycopg.errors.LockNotAvailable:
                    waited.append(table)

    monkeypatch.setattr(chunked.sv, "_write", write_then_read)
    path = _orders(tmp_path, [_line(i) for i in range(400)])
    run = import_file(kind="orders", path=path, filename=path.name, by=None).run
    assert run.status == "committed" and run.created == 400
    assert waited == []


def _index_oids() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid FROM pg_index WHERE indrelid IN "
            "('sales_orderline'::regclass, 'sales_orderlinecredit'::regclass)"
        )
        return {row[0] for row in cursor.fetchall()}


def test_an_exclusive_load_rebuilds_indexes_only_from_a_block_with_new_rows(
    base, tmp_path, monkeypatch
):
    """`koers import --exclusive` (a first load while nobody works) may drop and rebuild
    the indexes of a load large against its table, but from the first block with new rows
    only: a re-import that changes nothing, or only updates, leaves them as they were; new
    rows in the last block alone still go in, checked, and every index comes back. Without
    --exclusive the indexes always stay (readers never wait)."""
    from koers.core import bulk

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL drops and rebuilds indexes for a large load")
    monkeypatch.setattr(bulk, "LARGE_LOAD", 0)
    path = _orders(tmp_path, [_line(i) for i in range(400)])
    before = _index_oids()
    assert import_file(kind="orders", path=path, filename=path.name, by=None).run.created == 400
    assert _index_oids() == before  # not exclusive: kept
    with bulk.exclusive_load():
        again = import_file(kind="orders", path=path, filename=path.name, by=None).run
        assert again.unchanged == 400
        changed = [_line(i) for i in range(400)]
        changed[5] = _line(5, amount="2,00")
        updated = _orders(tmp_path, changed, "updated.csv")
        assert import_file(kind="orders", path=updated, filename="u", by=None).run.updated == 1
        assert _index_oids() == before  # neither dropped nor rebuilt
        late = _orders(tmp_path, changed + [_line(i) for i in range(400, 410)], "late.csv")
        run = import_file(kind="orders", path=late, filename="late", by=None).run
    assert (run.created, run.unchanged) == (10, 400), run.errors
    assert len(_index_oids()) == len(before) and _index_oids() != before  # rebuilt, all back
    new_lines = sm.OrderLine.objects.filter(external_id__in=[f"L-{i:05d}" for i in range(400, 410)])
    assert sm.OrderLineCredit.objects.filter(line__in=new_lines).count() == 10


def test_a_later_blocks_problems_speak_the_importers_language(base, tmp_path):
    """Later blocks are read and parsed ahead, in a thread of their own: their messages are
    still in the language of the person importing."""
    from django.utils import translation

    lines = [_line(i) for i in range(500)]
    lines[450] = _line(450, amount="veel")
    path = _orders(tmp_path, lines)
    with translation.override("nl"):
        run = import_file(kind="orders", path=path, filename=path.name, by=None).run
    assert run.status == "failed"
    assert run.errors == [
        {"row": 452, "column": "amount", "value": "veel", "message": "is geen getal"}
    ]
    assert not sm.OrderLine.objects.filter(external_id__startswith="L-").exists()


def test_a_file_unreadable_in_a_later_block_is_refused_whole(base, tmp_path):
    lines = [_line(i) for i in range(500)]
    lines[450] = lines[450].rstrip("\n") + ';"extra\n'  # an unclosed quote, far in
    path = _orders(tmp_path, lines)
    with pytest.raises(services.ImportFileError) as refused:
        import_file(kind="orders", path=path, filename=path.name, by=None)
    assert str(refused.value) == (
        "Row 452 has 9 values where the header has 8 columns: check the separators and "
        "quotes in that row."
    )
    assert not sm.OrderLine.objects.filter(external_id__startswith="L-").exists()
