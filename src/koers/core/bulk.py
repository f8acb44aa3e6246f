"""Bulk writes of whole frames: COPY on PostgreSQL, executemany on SQLite.

Used by the demo loader and by large imports, so that millions of rows go in
without building a model object per row. The frame's columns are the table's
column names; ids are given explicitly and sequences are moved past them.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import polars as pl
from django.db import DatabaseError, OperationalError, connection, transaction

CHUNK_ROWS = 200_000


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    casts = [
        pl.col(name).cast(pl.Utf8)
        for name, dtype in frame.schema.items()
        if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime | pl.Decimal)
    ]
    return frame.with_columns(casts) if casts else frame


def bulk_insert(
    table: str, frame: pl.DataFrame, *, rebuild_indexes: bool = False, freeze: bool = False
) -> int:
    """Insert every row of ``frame`` into ``table``; returns the number of rows.

    ``rebuild_indexes`` (PostgreSQL, for large loads into an empty or small table that may
    lock out readers: the demo's build, an import under :func:`exclusive_load`): drop
    the table's secondary indexes and constraints first and recreate them afterwards,
    which builds each index and checks each foreign key in one pass instead of per row
    (PostgreSQL's documented advice for populating a database). Inside the caller's
    transaction, so a failure leaves everything as it was.

    ``freeze`` (PostgreSQL; only into a table created or emptied by ``TRUNCATE`` in the
    caller's transaction, else PostgreSQL refuses the write): the rows go in frozen and
    their pages marked visible to all, as a ``VACUUM`` would leave them later (``COPY
    FREEZE``); no reader then writes their hint bits and no vacuum reads them again.
    """
    if frame.height == 0:
        return 0
    if rebuild_indexes and connection.vendor == "postgresql":
        with _indexes_dropped(table):
            return bulk_insert(table, frame, freeze=freeze)
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and _copy_binary(cursor, table, frame, freeze):
            return frame.height
        if connection.vendor == "postgresql":
            options = "FORMAT csv, FREEZE" if freeze else "FORMAT csv"
            for start in range(0, frame.height, CHUNK_ROWS):
                buffer = io.BytesIO()
                frame.slice(start, CHUNK_ROWS).write_csv(
                    buffer, include_header=False, quote_style="non_numeric", null_value=""
                )
                sql = f'COPY "{table}" ({columns}) FROM STDIN WITH ({options})'
                with cursor.cursor.copy(sql) as copy:
                    copy.write(buffer.getvalue())
        else:
            marks = ", ".join("%s" for _ in frame.columns)
            sql = f'INSERT INTO "{table}" ({columns}) VALUES ({marks})'
            prepared = _for_sqlite(frame)
            for start in range(0, prepared.height, CHUNK_ROWS):
                # The driver's own cursor takes the row iterator as it is.
                cursor.cursor.executemany(sql, prepared.slice(start, CHUNK_ROWS).iter_rows())
    return frame.height


# PostgreSQL's binary COPY: signature, flags, header extension; a tuple's field count and
# each field's length before its bytes (big-endian); -1 as the count ends the data
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
BINARY_TRAILER = (-1).to_bytes(2, "big", signed=True)
# the column types written in binary, as NumPy big-endian types
BINARY_TYPES = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "float8": ">f8", "date": ">i4"}
PG_EPOCH_DAYS = 10_957  # 2000-01-01, PostgreSQL's day 0, in days since 1970-01-01


def _column_types(cursor: Any, table: str, columns: list[str]) -> dict[str, str]:
    cursor.execute(
        "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        [f'"{table}"'],
    )
    types = dict(cursor.fetchall())
    return {c: types.get(c, "") for c in columns}


def _binary_column(series: pl.Series, pg_type: str) -> Any:
    """``series`` as the NumPy values of a binary COPY into a ``pg_type`` column, or None
    when it does not fit exactly (a value beyond the column's width)."""
    if pg_type == "date":
        if series.dtype != pl.Date:
            return None
        return series.to_physical().to_numpy() - PG_EPOCH_DAYS  # days since 1970
    if pg_type == "float8":
        return series.to_numpy() if series.dtype == pl.Float64 else None
    if not series.dtype.is_integer():
        return None
    width = {"int2": pl.Int16, "int4": pl.Int32, "int8": pl.Int64}[pg_type]
    try:
        return series.cast(width, strict=True).to_numpy()
    except pl.exceptions.InvalidOperationError:
        return None


def _copy_binary(cursor: Any, table: str, frame: pl.DataFrame, freeze: bool = False) -> bool:
    """Write ``frame`` with a binary ``COPY`` when every column is a number or a date
    of the table's own width and no value is missing (the trace of a run: 4 million rows
    of ids, dates and cents went in in 2.0 s against 3.5 s as text). Returns False,
    writing nothing, for any other frame."""
    import numpy as np

    numeric = all(d.is_integer() or d in (pl.Float64, pl.Date) for d in frame.dtypes)
    if not numeric or frame.null_count().sum_horizontal().item():
        return False
    types = _column_types(cursor, table, frame.columns)
    if not all(t in BINARY_TYPES for t in types.values()):
        return False
    layout = [("count", ">i2")]
    for index, column in enumerate(frame.columns):
        layout += [(f"size{index}", ">i4"), (f"value{index}", BINARY_TYPES[types[column]])]
    # checked and converted whole before anything is sent
    values = [_binary_column(frame[c], types[c]) for c in frame.columns]
    if any(v is None for v in values):
        return False
    names = ", ".join(f'"{c}"' for c in frame.columns)
    options = "FORMAT binary, FREEZE" if freeze else "FORMAT binary"
    with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN WITH ({options})') as copy:
        copy.write(BINARY_HEADER)
        for start in range(0, frame.height, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, frame.height)
            rows = np.empty(stop - start, dtype=np.dtype(layout))
            rows["count"] = len(frame.columns)
            for index, column in enumerate(values):
                rows[f"size{index}"] = rows.dtype[f"value{index}"].itemsize
                rows[f"value{index}"] = column[start:stop]
            copy.write(rows.tobytes())
        copy.write(BINARY_TRAILER)
    return True


_REBUILDS_OFF: ContextVar[bool] = ContextVar("rebuilds_off", default=False)


@contextmanager
def no_rebuilds() -> Iterator[None]:
    """Inside: no insert rebuilds indexes (a caller loading in blocks decided that once)."""
    token = _REBUILDS_OFF.set(True)
    try:
        yield
    finally:
        _REBUILDS_OFF.reset(token)


_EXCLUSIVE: ContextVar[bool] = ContextVar("exclusive_load", default=False)
LARGE_LOAD = 200_000  # rows: below this, rebuilding indexes does not pay


@contextmanager
def exclusive_load() -> Iterator[None]:
    """Inside: a large load may take its tables for itself (``koers import --exclusive``, for
    a first load while nobody works): dropping an index locks the table, so every reader
    waits until the load commits. Never for the web, the API or the watched folder."""
    token = _EXCLUSIVE.set(True)
    try:
        yield
    finally:
        _EXCLUSIVE.reset(token)


def worth_rebuilding(table: str, adding: int) -> bool:
    """Is a load of ``adding`` rows large against what ``table`` holds, so that rebuilding its
    indexes and checking its foreign keys once beats doing so row by row? Only for a load that
    may lock out readers (:func:`exclusive_load`; PostgreSQL)."""
    if (
        adding <= LARGE_LOAD
        or connection.vendor != "postgresql"
        or _REBUILDS_OFF.get()
        or not _EXCLUSIVE.get()
    ):
        return False
    cap = 4 * adding
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM (SELECT 1 FROM "{table}" LIMIT {cap}) t')
        return cursor.fetchone()[0] < cap


def emptied_for_freezing(*tables: str) -> bool:
    """Empty ``tables`` with ``TRUNCATE`` in the caller's transaction, so that a bulk load
    may write them frozen (``bulk_insert(..., freeze=True)``), when they and every table
    whose foreign keys reach them hold no row; returns whether it did. Nothing on SQLite,
    and nothing (False) when any of them holds a row: no row is ever removed."""
    if connection.vendor != "postgresql" or not tables:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE reached(oid) AS ("
            " SELECT oid FROM pg_class WHERE relname = ANY(%s) AND relkind IN ('r', 'p')"
            " UNION SELECT c.conrelid FROM pg_constraint c JOIN reached r ON c.confrelid = r.oid"
            " WHERE c.contype = 'f')"
            " SELECT relname FROM pg_class WHERE oid IN (SELECT oid FROM reached)",
            [list(tables)],
        )
        reached = sorted(row[0] for row in cursor.fetchall())
        for table in reached:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')
            if cursor.fetchone()[0]:
                return False
    try:
        # refused while foreign-key checks of rows this transaction wrote are pending
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in reached))
    except OperationalError:
        return False
    return True


def analyze(*tables: str) -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL; SQLite: ANALYZE)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')


def vacuum(*tables: str) -> None:
    """After a bulk load has committed (PostgreSQL): ``VACUUM (ANALYZE)`` the tables (every
    table of the database, each once, when none is named), what autovacuum does some time
    later: the visibility map lets index-only scans skip the rows they find, and no reader
    has to write each row's hint bits on its first read. Nothing on SQLite, or inside a
    transaction (where PostgreSQL refuses it)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in tables or (None,):
            cursor.execute("VACUUM (ANALYZE)" + (f' "{table}"' if table else ""))


def ids_in(column: str, ids: Iterable[int] | None) -> str:
    """SQL: `` AND column IN (ids)`` (integers Koers formatted itself), or nothing when
    ``ids`` is None (an empty list matches nothing)."""
    if ids is None:
        return ""
    listed = ", ".join(str(int(i)) for i in sorted(set(ids))) or "NULL"
    return f" AND {column} IN ({listed})"


def reserve_id_block(table: str, count: int) -> int:
    """The first of ``count`` consecutive new ids from ``table``'s id sequence, taken in
    one step instead of one ``nextval`` per id (4 million trace rows: 1.1 s less). Only
    for a table whose rows are all written this way (PostgreSQL): an ordinary insert's
    ``nextval`` between the two statements could take an id of the block. The lock is
    held for those two statements only, not the caller's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f'"{table}"'])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [sequence])
        try:
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = int(cursor.fetchone()[0])
            if count > 1:
                cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [sequence])
    return first


def reserve_ids(table: str, count: int) -> pl.Series:
    """``count`` new ids from ``table``'s id sequence, for rows written with their ids
    (PostgreSQL; the sequence never hands them out again)."""
    with connection.cursor() as cursor:
        # the sequence is looked up once: as an argument of nextval() it would be looked up
        # again for every id (127 ms against 12 ms for 45,000 ids)
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f'"{table}"'])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return pl.Series("id", [row[0] for row in cursor.fetchall()], dtype=pl.Int64)


def reset_sequences(*tables: str) -> None:
    """Move PostgreSQL id sequences past explicitly inserted ids (no-op on SQLite)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 1))'
            )


@contextmanager
def indexes_dropped(table: str, keep: str = "") -> Iterator[None]:
    """PostgreSQL: the table's secondary indexes and constraints dropped inside, rebuilt
    (and checked in one pass) on the way out; elsewhere nothing. ``keep``: a column whose
    unique constraint stays, for the lookups by key made while loading."""
    if connection.vendor != "postgresql":
        yield
        return
    with _indexes_dropped(table, keep):
        yield


@contextmanager
def _indexes_dropped(table: str, keep: str = "") -> Iterator[None]:
    with connection.cursor() as cursor:
        # Earlier inserts in this transaction may have deferred foreign-key checks
        # pending; PostgreSQL will not alter a table while they are. Run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u', 'c') ORDER BY contype DESC",
            [table],
        )
        constraints = [c for c in cursor.fetchall() if not keep or c[1] != f"UNIQUE ({keep})"]
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def dates_between(column: str, start: dt.date, end: dt.date) -> str:
    """SQL condition: ``column`` lies in ``start``..``end`` (dates Koers formatted itself,
    for the parameterless SQL of :func:`query_frame`)."""
    return f"{column} BETWEEN '{start.isoformat()}' AND '{end.isoformat()}'"


def new_account_sql(alias: str = "acc") -> str:
    """SQL expression: 1 when the account ``alias`` is new business (potential or new),
    0 when existing, NULL without an account."""
    from koers.sales.models import Account

    lifecycles = ", ".join(f"'{v}'" for v in Account.NEW_BUSINESS)
    return (
        f"CASE WHEN {alias}.id IS NULL THEN NULL "
        f"WHEN {alias}.lifecycle IN ({lifecycles}) THEN 1 ELSE 0 END"
    )


def query_frame(sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The result of ``sql`` as a frame of the ``schema``'s names and types: streamed with
    COPY on PostgreSQL (no Python object per row), fetched on SQLite. ``sql`` takes no
    parameters: callers put only values they formatted themselves into it."""
    text_schema = {name: pl.Utf8 for name in schema}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                _copy_out(copy, cursor.cursor.connection.pgconn, buffer)
            if not buffer.getbuffer().nbytes:
                return pl.DataFrame(schema=schema)
            text = _read_copied(buffer, schema)
            del buffer
        else:
            cursor.execute(sql)
            rows = [[None if v is None else str(v) for v in row] for row in cursor.fetchall()]
            text = pl.DataFrame(rows, schema=text_schema, orient="row")
    return text.with_columns(
        _typed(name, dtype) for name, dtype in schema.items() if text.schema[name] != dtype
    )


def _read_copied(buffer: io.BytesIO, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The CSV of a ``COPY … TO STDOUT``: numbers and dates read as such by the CSV reader
    (no text copy of millions of them: the year's credits of a month's run at scale 100
    are read 1.1 s faster than with the dates typed from text), booleans as text. A date
    column that holds something else (a timestamp) is read as text, and typed as on
    SQLite."""
    as_text = {n: d if d.is_integer() or d.is_float() else pl.Utf8 for n, d in schema.items()}
    with_dates = {n: pl.Date if d == pl.Date else as_text[n] for n, d in schema.items()}
    buffer.seek(0)
    try:
        return pl.read_csv(buffer, has_header=False, schema=with_dates)
    except pl.exceptions.ComputeError:
        buffer.seek(0)
        return pl.read_csv(buffer, has_header=False, schema=as_text)


def _copy_out(copy: Any, pgconn: Any, buffer: io.BytesIO) -> None:
    """Read a ``COPY ... TO STDOUT`` to its end into ``buffer``. Each row is one message:
    the rows libpq already holds are taken in a tight loop, without waiting; psycopg's own
    ``read`` is used only where it must wait for the server, and for the end (the final
    result, or the error). Iterating the copy instead goes through psycopg's wait loop once
    per row: a million rows read in 0.49 s that way and 0.29 s this way on an idle machine,
    11 s against 0.3 s while the CPU was busy with other work."""
    from psycopg import pq

    while True:
        size, data = pgconn.get_copy_data(1)  # 1: never blocks
        if size > 0:
            buffer.write(data)
        elif size == 0:  # nothing buffered: psycopg waits for the next row (or the end)
            chunk = copy.read()
            if not chunk:
                return
            buffer.write(chunk)
        elif size == -1:  # the end: the command's result (or the server's error)
            failure = ""
            while (result := pgconn.get_result()) is not None:
                if result.status != pq.ExecStatus.COMMAND_OK:
                    failure = bytes(result.error_message or b"").decode(errors="replace")
            if failure:
                raise DatabaseError(failure)
            return
        else:
            raise DatabaseError(bytes(pgconn.error_message or b"").decode(errors="replace"))


def _typed(name: str, dtype: pl.DataType) -> pl.Expr:
    column = pl.col(name)
    if dtype == pl.Date:
        return column.str.slice(0, 10).str.to_date()
    if dtype == pl.Boolean:
        return column.str.to_lowercase().is_in(["t", "true", "1"]).alias(name)
    return column.cast(dtype)


def replace_rows(table: str, frame: pl.DataFrame, where: str) -> tuple[int, int]:
    """Make the rows of ``table`` that match ``where`` (parameterless SQL Koers formatted
    itself) equal to ``frame``: rows stored alike (every column of ``frame`` equal) stay as
    they are, the others are deleted, and the rows of ``frame`` not stored yet are inserted.
    A refresh with nothing changed writes nothing; one month changed rewrites only the
    rows that differ. Returns (deleted, inserted)."""
    columns = list(frame.columns)
    selected = ", ".join(["id", *(f'"{c}"' for c in columns)])
    stored = query_frame(
        f'SELECT {selected} FROM "{table}" WHERE {where}', {"id": pl.Int64, **frame.schema}
    )
    stale = stored.join(frame, on=columns, how="anti", nulls_equal=True)["id"]
    fresh = frame.join(stored.drop("id"), on=columns, how="anti", nulls_equal=True)
    delete_ids(table, stale)
    return stale.len(), bulk_insert(table, fresh)


def delete_ids(table: str, ids: pl.Series) -> None:
    """Delete the rows of ``table`` with these ids, set-based."""
    if ids.len() == 0:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'DELETE FROM "{table}" WHERE id = ANY(%s)', [ids.to_list()])
        else:
            for start in range(0, ids.len(), 500):
                part = ids.slice(start, 500).to_list()
                marks = ", ".join("%s" for _ in part)
                cursor.execute(f'DELETE FROM "{table}" WHERE id IN ({marks})', part)
