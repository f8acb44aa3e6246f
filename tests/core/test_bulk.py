"""Bulk writes: every row in, indexes and constraints intact, all or nothing."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction

from koers.core.bulk import bulk_insert, reset_sequences
from koers.sales.models import Account


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
