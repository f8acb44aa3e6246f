"""Imports: every class of bad input is reported and writes nothing; good files import,
and importing them again changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from koers.imports.models import ImportRun
from koers.imports.reader import ImportFileError
from koers.imports.services import import_file
from koers.org.models import Person, UnitMembership
from koers.sales import models as sm

ACCOUNTS = (
    "external_id;name;owner;lifecycle;created_on;latitude;longitude\n"
    "A-1;Pompen Noord B.V.;P-RUUD;Loyale klant;31-12-2025;53,2194;6,5665\n"
    "A-2;Kleppen Zuid B.V.;P-ROSA;new;01-02-2026;;\n"
)


@pytest.fixture
def keyed(cast):
    """The cast with external ids, so files can refer to them."""
    for name in ["ruud", "rosa", "rik", "mia"]:
        person = getattr(cast, name)
        person.external_id = f"P-{name.upper()}"
        person.save()
    cast.accounts["ruud"].external_id = "A-RUUD"
    cast.accounts["ruud"].save()
    cast.product.external_id = "PMP-1"
    cast.product.save()
    return cast


def run(kind: str, text: str | bytes, user=None, **kw):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return import_file(kind=kind, raw=raw, filename=f"{kind}.csv", by=user, **kw)


def test_accounts_import_with_dutch_formats(keyed):
    outcome = run("accounts", ACCOUNTS, keyed.user("dirk"))
    assert outcome.run.status == "committed" and outcome.run.created == 2
    a1 = sm.Account.objects.get(external_id="A-1")
    assert a1.owner == keyed.ruud and a1.lifecycle == "loyal"
    assert a1.created_on == dt.date(2025, 12, 31) and a1.latitude == Decimal("53.2194")
    assert outcome.run.formats == {
        "created_on": "dd-mm-yyyy",
        "latitude": "1.234,56",
        "longitude": "1.234,56",
    }
    assert outcome.run.file_format == "CSV, UTF-8, semicolon"


def test_importing_the_same_file_again_changes_nothing(keyed):
    run("accounts", ACCOUNTS)
    again = run("accounts", ACCOUNTS).run
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert sm.Account.objects.filter(external_id__in=["A-1", "A-2"]).count() == 2


def test_a_changed_row_updates_the_record_with_its_key(keyed):
    run("accounts", ACCOUNTS)
    changed = ACCOUNTS.replace("Kleppen Zuid B.V.", "Kleppen Zuid Holding B.V.")
    result = run("accounts", changed).run
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert sm.Account.objects.get(external_id="A-2").name == "Kleppen Zuid Holding B.V."


def _nothing_written(before: int) -> bool:
    return sm.Account.objects.count() == before


@pytest.mark.parametrize(
    "text,column,message",
    [
        ("external_id;name;owner\nA-9;X;P-NOBODY\n", "owner", "unknown person"),
        ("external_id;name;created_on\nA-9;X;2026-13-45\n", "created_on", "is not a date"),
        ("external_id;name;latitude;longitude\nA-9;X;noord;6\n", "latitude", "is not a number"),
        ("external_id;name\nA-9;X\nA-9;Y\n", "external_id", "more than once"),
        ("external_id;name\nA-9;\n", "name", "required"),
        ("external_id;name;lifecycle\nA-9;X;maybe\n", "lifecycle", "is not one of"),
    ],
)
def test_each_bad_value_is_reported_and_nothing_is_written(keyed, text, column, message):
    before = sm.Account.objects.count()
    outcome = run("accounts", text)
    assert outcome.run.status == "failed" and outcome.run.created == 0
    errors = outcome.errors.to_dicts()
    assert any(e["column"] == column and message in e["message"] for e in errors), errors
    assert all(e["row"] >= 2 for e in errors)
    assert _nothing_written(before)


def test_one_bad_row_among_good_ones_writes_nothing(keyed):
    before = sm.Account.objects.count()
    text = ACCOUNTS + "A-3;Derde;P-NOBODY;new;01-02-2026;;\n"
    outcome = run("accounts", text)
    assert outcome.run.error_count == 1 and outcome.errors["row"].to_list() == [4]
    assert _nothing_written(before)


def test_missing_required_column_is_refused_before_reading_rows(keyed):
    with pytest.raises(ImportFileError, match="name"):
        run("accounts", "external_id;owner\nA-9;P-RUUD\n")


@pytest.mark.parametrize(
    "raw,message",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"external_id;name\n", "no rows"),
        (b"PK\x03\x04garbage", "spreadsheet"),
        (b"\x00\x01\x02\xff\xfe" * 50, "not a text file"),
    ],
)
def test_files_that_are_not_tables_are_refused(keyed, raw, message):
    with pytest.raises(ImportFileError, match=message):
        run("accounts", raw)
    # the attempt is in the history, failed with its reason; nothing else was written
    (refused,) = ImportRun.objects.all()
    assert refused.status == ImportRun.Status.FAILED and message in refused.errors[0]["message"]


@pytest.mark.parametrize(
    "encoding,prefix,label",
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", b"\xef\xbb\xbf", "UTF-8 (BOM)"),
        ("cp1252", b"", "Windows-1252"),
    ],
)
def test_encodings_are_detected(keyed, encoding, prefix, label):
    text = "external_id,name\nA-5,Café Ölmühle & Zoon\n"
    outcome = run("accounts", prefix + text.encode(encoding))
    assert outcome.run.file_format == f"CSV, {label}, comma"
    assert sm.Account.objects.get(external_id="A-5").name == "Café Ölmühle & Zoon"


def test_english_numbers_and_iso_dates(keyed):
    text = (
        "external_id,order_date,account,product,quantity,amount,cost\n"
        'L-1,2026-11-02,A-RUUD,PMP-1,2,"1,234.56",800.005\n'
    )
    outcome = run("orders", text)
    assert outcome.run.status == "committed", outcome.errors
    line = sm.OrderLine.objects.get(external_id="L-1")
    assert line.amount == Decimal("1234.56")
    assert line.cost == Decimal("800.01")  # half away from zero, the one rounding rule
    assert list(line.credits.values_list("person__first_name", "percent")) == [
        ("Ruud", Decimal("100.00"))
    ]


def test_xlsx_import(keyed):
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "name", "created_on", "owner"])
    sheet.append(["A-7", "Spreadsheet B.V.", dt.datetime(2026, 3, 4), "P-ROSA"])
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = run("accounts", buffer.getvalue())
    assert outcome.run.file_format == "Excel (XLSX)"
    assert sm.Account.objects.get(external_id="A-7").created_on == dt.date(2026, 3, 4)


def test_dry_run_counts_but_writes_nothing(keyed):
    outcome = run("accounts", ACCOUNTS, dry_run=True)
    assert outcome.run.status == "checked" and outcome.run.created == 2
    assert not sm.Account.objects.filter(external_id="A-1").exists()


def test_references_between_files_resolve_by_external_id(keyed):
    run("accounts", ACCOUNTS)
    opportunities = (
        "external_id;name;account;owner;stage;amount;created_on;expected_close_date;closed_on\n"
        "O-1;Pompen;A-1;P-RUUD;Hot prospect;25.000,00;01-10-2026;15-12-2026;\n"
        "O-2;Kleppen;A-2;P-ROSA;customer;1.500,50;01-09-2026;30-10-2026;28-10-2026\n"
    )
    outcome = run("opportunities", opportunities)
    assert outcome.run.status == "committed", outcome.errors.to_dicts()
    o1 = sm.Opportunity.objects.get(external_id="O-1")
    assert o1.account.external_id == "A-1" and o1.stage.code == "hot_prospect"
    assert o1.amount == Decimal("25000.00")
    assert list(o1.splits.values_list("person", "percent")) == [(keyed.ruud.pk, Decimal("100.00"))]
    assert o1.stage_history.count() == 1


def test_won_opportunity_without_close_date_is_refused(keyed):
    run("accounts", ACCOUNTS)
    text = (
        "external_id;name;account;owner;stage;amount;created_on;expected_close_date\n"
        "O-3;X;A-1;P-RUUD;customer;100;01-10-2026;15-12-2026\n"
    )
    outcome = run("opportunities", text)
    assert "close date" in outcome.errors["message"][0]
    assert not sm.Opportunity.objects.filter(external_id="O-3").exists()


def test_returns_reference_their_original_in_the_same_file(keyed):
    text = (
        "external_id;kind;order_date;account;product;quantity;amount;original\n"
        "L-10;sale;02-11-2026;A-RUUD;PMP-1;10;1000,00;\n"
        "L-11;return;05-11-2026;A-RUUD;PMP-1;-2;-200,00;L-10\n"
    )
    outcome = run("orders", text)
    assert outcome.run.status == "committed", outcome.errors.to_dicts()
    ret = sm.OrderLine.objects.get(external_id="L-11")
    assert ret.original.external_id == "L-10" and ret.amount == Decimal("-200.00")


def test_return_without_original_is_refused(keyed):
    text = (
        "external_id;kind;order_date;account;product;quantity;amount\n"
        "L-12;return;05-11-2026;A-RUUD;PMP-1;-2;-200,00\n"
    )
    outcome = run("orders", text)
    assert outcome.run.status == "failed"
    assert "original" in " ".join(outcome.errors["message"])


def test_units_and_people_build_the_tree_and_memberships(keyed):
    units = "code;name;kind;parent\nBE;België;country;HQ\nBE-VL;Vlaanderen;team;BE\n"
    assert run("units", units).run.status == "committed"
    team = keyed.company.__class__.objects.get(code="BE-VL")
    assert team.path.startswith(keyed.company.path) and team.parent.code == "BE"
    people = (
        "external_id;first_name;last_name;unit;start_date;manager;role\n"
        "P-NEW;Jef;Peeters;BE-VL;01-03-2026;P-BOSS;salesperson\n"
        "P-BOSS;An;Claes;BE-VL;01-01-2020;;manager\n"
    )
    outcome = run("people", people)
    assert outcome.run.status == "committed", outcome.errors.to_dicts()
    jef = Person.objects.get(external_id="P-NEW")
    assert jef.manager.external_id == "P-BOSS"
    assert UnitMembership.objects.get(person=jef).valid_from == dt.date(2026, 3, 1)


def test_the_import_is_audited_and_keeps_the_original_file(keyed):
    outcome = run("accounts", ACCOUNTS, keyed.user("ada"))
    record = ImportRun.objects.get(pk=outcome.run.pk)
    assert record.by == keyed.user("ada") and record.rows == 2 and record.created == 2
    assert record.file.read().decode() == ACCOUNTS
    failed = run("accounts", "external_id;name\nA-9;\n", keyed.user("ada")).run
    assert ImportRun.objects.get(pk=failed.pk).errors[0]["column"] == "name"


@pytest.mark.parametrize(
    "failing", ["koers.imports.steps.followups.run", "koers.imports.steps.bulk_insert"]
)
def test_a_write_that_fails_halfway_keeps_nothing(keyed, failing):
    """The database fails in the middle of writing (after the new rows went in and the
    changed ones were updated, or while inserting): everything of the import is undone."""
    from unittest import mock

    from django.db import DatabaseError

    before = {a.pk: (a.name, a.owner_id) for a in sm.Account.objects.all()}
    text = ACCOUNTS + "A-RUUD;Ruud renamed;P-ROSA;loyal;01-01-2024;;\n"
    with (
        mock.patch(failing, side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        run("accounts", text, keyed.user("ada"))
    after = {a.pk: (a.name, a.owner_id) for a in sm.Account.objects.all()}
    assert after == before
    assert not ImportRun.objects.filter(status="committed").exists()


def test_an_import_records_when_it_started_not_when_it_ended(keyed):
    outcome = run("accounts", ACCOUNTS)
    started, finished = outcome.run.started_at, outcome.run.finished_at
    outcome.run.refresh_from_db()
    assert started == outcome.run.started_at and started < finished
