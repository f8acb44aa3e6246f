"""Bulk writes: every row in, indexes and constraints intact, all or nothing."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koers.core.bulk import _copy_binary, bulk_insert, reset_sequences
from koers.sales.models import Account
from tests.conftest import all_frozen


def _schema(table: str) -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "UNION SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass",
                [table, table],
            )
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name = %s", [table])
        return set(cursor.fetchall())


def _accounts(ids: range, owner: int | None = None) -> pl.DataFrame:
    n = len(ids)
    return pl.DataFrame(
        {
            "id": list(ids),
            "external_id": [f"X-{i}" for i in ids],
            "name": [f"A{i}" for i in ids],
            "segment": "",
            "industry": "",
            "size_class": "",
            "lifecycle": "potential",
            "country": "NL",
            "city": "",
            "postcode": "",
            "latitude": [None] * n,
            "longitude": [None] * n,
            "owner_id": [owner] * n,
            "created_on": dt.date(2026, 1, 1),
        },
        schema_overrides={"latitude": pl.Float64, "longitude": pl.Float64, "owner_id": pl.Int64},
    )


@pytest.mark.parametrize("rebuild", [False, True])
def test_rows_go_in_and_the_schema_stays(db, rebuild):
    from tests.factories import PersonFactory, UnitFactory

    before = _schema("sales_account")
    # A person inserted first leaves a deferred foreign-key check pending.
    PersonFactory(unit=UnitFactory(kind="company"))
    with transaction.atomic():
        assert (
            bulk_insert("sales_account", _accounts(range(1, 2001)), rebuild_indexes=rebuild) == 2000
        )
        reset_sequences("sales_account")
    assert _schema("sales_account") == before
    assert Account.objects.count() == 2000
    assert Account.objects.get(external_id="X-7").name == "A7"
    assert Account.objects.create(name="next").pk == 2001


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_broken_reference_writes_nothing(db, rebuild):
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert("sales_account", _accounts(range(1, 11), owner=999), rebuild_indexes=rebuild)
        # Foreign keys are checked at commit; the test's own transaction never commits.
        connection.check_constraints(table_names=["sales_account"])
    assert Account.objects.count() == 0


def test_query_frame_types_every_column_alike_on_both_databases(db):
    """COPY on PostgreSQL and fetching on SQLite give the same typed frame, nulls and
    text with separators included."""
    from koers.core.bulk import query_frame

    bulk_insert("sales_account", _accounts(range(1, 4)))
    Account.objects.filter(external_id="X-2").update(name='Pompen, "Noord"', latitude=52.5)
    frame = query_frame(
        'SELECT id, name, latitude, created_on, owner_id, id = 2 FROM "sales_account" ORDER BY id',
        {
            "id": pl.Int64,
            "name": pl.Utf8,
            "latitude": pl.Float64,
            "created_on": pl.Date,
            "owner_id": pl.Int64,
            "second": pl.Boolean,
        },
    )
    assert frame.rows() == [
        (1, "A1", None, dt.date(2026, 1, 1), None, False),
        (2, 'Pompen, "Noord"', 52.5, dt.date(2026, 1, 1), None, True),
        (3, "A3", None, dt.date(2026, 1, 1), None, False),
    ]
    empty = query_frame('SELECT id FROM "sales_account" WHERE id < 0', {"id": pl.Int64})
    assert empty.height == 0 and empty.schema["id"] == pl.Int64


def test_query_frame_reads_dates_and_a_timestamp_as_a_date_alike_on_both_databases(db):
    """Dates are read by the CSV reader itself (29 February, 31 December, the year 1,
    missing ones); a date column fed a timestamp (PostgreSQL) is read as its day."""
    from koers.core.bulk import query_frame

    days = [dt.date(2028, 2, 29), dt.date(2026, 12, 31), dt.date(1, 1, 1), None]
    frame = _accounts(range(1, 5)).with_columns(pl.Series("created_on", days, dtype=pl.Date))
    bulk_insert("sales_account", frame.filter(pl.col("created_on").is_not_null()))
    schema = {"id": pl.Int64, "day": pl.Date}
    read = query_frame(
        'SELECT id, created_on FROM "sales_account" UNION ALL SELECT 4, NULL ORDER BY 1', schema
    )
    assert read.rows() == list(zip(range(1, 5), days, strict=True))
    if connection.vendor == "postgresql":  # SQLite has no timestamp type
        stamp = "CAST('2026-12-31 23:59:59' AS TIMESTAMP)"
        read = query_frame(f"SELECT 1, {stamp} UNION ALL SELECT 2, NULL ORDER BY 1", schema)
        assert read.rows() == [(1, dt.date(2026, 12, 31)), (2, None)]


def test_query_frame_reads_many_rows_and_reports_a_failing_query(db):
    """Many rows come back whole and in order (read in a tight loop on PostgreSQL); a query
    that fails half-way raises, and the connection then works for the next query."""
    from django.db import DatabaseError, transaction

    from koers.core.bulk import query_frame

    sql = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) "
        "SELECT i, 'row ' || i FROM n"
    )
    frame = query_frame(sql, {"i": pl.Int64, "text": pl.Utf8})
    assert frame.height == 50_000 and frame["i"].sum() == 50_000 * 50_001 // 2
    assert frame.row(49_999) == (50_000, "row 50000")
    failing = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
        "SELECT CAST(CASE WHEN i < 19000 THEN '1' ELSE 'x' END AS INTEGER) FROM n"
    )
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            query_frame(failing, {"i": pl.Int64})
    assert query_frame("SELECT 7", {"i": pl.Int64}).item() == 7


def test_indexes_come_back_after_a_failed_rebuild_load(db):
    """On PostgreSQL a load that drops the indexes fails: the transaction undoes the drop
    too, so the table keeps every index and constraint."""
    import sqlite3

    import psycopg

    before = _schema("sales_account")
    # the rows go through the driver's own cursor, so its own error class comes back
    failures = (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)
    with pytest.raises(failures), transaction.atomic():
        bulk_insert("sales_account", _accounts(range(1, 11)), rebuild_indexes=True)
        bulk_insert("sales_account", _accounts(range(1, 3)))  # the same ids again
        connection.check_constraints(table_names=["sales_account"])
    assert _schema("sales_account") == before and Account.objects.count() == 0


def test_sequences_move_past_inserted_ids_and_statistics_refresh(db):
    from koers.core.bulk import analyze

    with transaction.atomic():
        bulk_insert("sales_account", _accounts(range(500, 503)))
        reset_sequences("sales_account")
        analyze("sales_account")
    assert Account.objects.create(name="after").pk == 503


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's sequences")
def test_reserved_ids_are_new_and_never_handed_out_again(db):
    from koers.core.bulk import reserve_ids

    Account.objects.create(external_id="before", name="Before", country="NL")
    first = reserve_ids("sales_account", 3)
    second = reserve_ids("sales_account", 2)
    stored = set(Account.objects.values_list("id", flat=True))
    assert first.len() == 3 and second.len() == 2
    assert len(set(first.to_list() + second.to_list())) == 5  # each handed out once
    assert not (set(first) | set(second)) & stored
    # an account created the ordinary way afterwards takes none of them
    after = Account.objects.create(external_id="after", name="After", country="NL")
    assert after.id not in set(first) | set(second)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's visibility map")
@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_is_vacuumed_after_its_commit_not_inside_it():
    """After a committed bulk load the table's pages are all visible (index-only scans
    skip the rows); inside a transaction, where PostgreSQL refuses VACUUM, nothing runs."""
    from koers.core.bulk import vacuum

    with transaction.atomic():
        bulk_insert("sales_account", _accounts(range(1, 5001)))
        vacuum("sales_account")  # inside the transaction: left for later
    assert not all_visible()
    vacuum("sales_account")
    assert all_visible()


def all_visible() -> bool:
    """Every page of the accounts table marked all-visible (none: not yet vacuumed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages > 0 AND relallvisible = relpages FROM pg_class "
            "WHERE relname = 'sales_account'"
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's visibility map")
@pytest.mark.django_db(transaction=True)
def test_naming_no_table_vacuums_the_whole_database_as_the_demo_does():
    from koers.core.bulk import vacuum

    bulk_insert("sales_account", _accounts(range(1, 5001)))
    assert not all_visible()
    vacuum()
    assert all_visible()


NUMBERS_TABLE = (
    "CREATE TEMPORARY TABLE numbers "
    "(small int2, medium int4, big int8, day date, real float8, note text)"
)


def _numbers(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "small": pl.Int64,
            "medium": pl.Int64,
            "big": pl.Int64,
            "day": pl.Date,
            "real": pl.Float64,
        },
        orient="row",
    )


def _stored() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT small, medium, big, day, real, note FROM numbers ORDER BY 1, 2, 3")
        return cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's binary COPY")
@given(
    rows=st.lists(
        st.tuples(
            st.integers(-(2**15), 2**15 - 1),
            st.integers(-(2**31), 2**31 - 1),
            st.integers(-(2**63), 2**63 - 1),
            st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
            st.floats(allow_nan=False),
        ),
        min_size=1,
        max_size=40,
    )
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_numbers_written_in_binary_are_the_numbers_written_as_text(db, rows):
    """A frame of numbers and dates only goes in as PostgreSQL's binary COPY: every value
    stored is the one the text COPY stores (widths, the year 1, 29 February, -0.0, 10^308)."""
    frame = _numbers(rows)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS numbers")
        cursor.execute(NUMBERS_TABLE)
        assert _copy_binary(cursor, "numbers", frame)
    binary = _stored()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE numbers")
    # as text: a column with a missing value takes the text path
    bulk_insert("numbers", frame.with_columns(pl.lit(None, dtype=pl.String).alias("note")))
    assert binary == _stored() and len(binary) == len(rows)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's binary COPY")
def test_a_value_wider_than_its_column_goes_as_text_and_is_refused(db):
    with connection.cursor() as cursor:
        cursor.execute(NUMBERS_TABLE)
        assert not _copy_binary(cursor, "numbers", _numbers([(2**15, 0, 0, dt.date.today(), 0)]))
        assert not _copy_binary(
            cursor,
            "numbers",
            _numbers([(1, 2, 3, dt.date.today(), 0)]).with_columns(pl.lit("x").alias("note")),
        )
    import psycopg

    with pytest.raises(psycopg.DataError), transaction.atomic():
        bulk_insert("numbers", _numbers([(2**15, 0, 0, dt.date(2028, 2, 29), 0.5)]))
    assert _stored() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's COPY FREEZE")
def test_a_frozen_load_goes_only_into_a_table_emptied_in_the_transaction(db):
    import psycopg

    frame = _numbers([(1, 2, 3, dt.date(2026, 12, 31), 0.5)])
    with connection.cursor() as cursor:
        cursor.execute(NUMBERS_TABLE)  # new in this transaction
    for text in (False, True):  # as text (a missing value) and in binary
        load = frame.with_columns(pl.lit(None, dtype=pl.String).alias("note")) if text else frame
        assert bulk_insert("numbers", load, freeze=True) == 1
    assert all_frozen("numbers")
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState), transaction.atomic():
        bulk_insert("sales_account", _accounts(range(1, 3)), freeze=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's COPY FREEZE")
def test_tables_are_emptied_for_a_frozen_load_only_when_nothing_would_be_lost(db):
    from koers.core.bulk import emptied_for_freezing

    bulk_insert("sales_account", _accounts(range(1, 3)))
    # the accounts hold rows; the people are empty but the accounts' owners reach them
    assert not emptied_for_freezing("sales_account")
    assert not emptied_for_freezing("org_person")
    assert Account.objects.count() == 2
    Account.objects.all().delete()
    # the deleted rows' foreign-key checks are still pending: refused, nothing changes
    assert not emptied_for_freezing("sales_account")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert emptied_for_freezing("sales_account")
    bulk_insert("sales_account", _accounts(range(1, 5001)), freeze=True)
    assert all_frozen("sales_account") and Account.objects.count() == 5000
