"""Bulk writes of whole frames: COPY on PostgreSQL, executemany on SQLite.

Used by the demo loader and by large imports, so that millions of rows go in
without building a model object per row. The frame's columns are the table's
column names; ids are given explicitly and sequences are moved past them.
"""

from __future__ import annotations

import io

import polars as pl
from django.db import connection

CHUNK_ROWS = 200_000


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    casts = [
        pl.col(name).cast(pl.Utf8)
        for name, dtype in frame.schema.items()
        if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime | pl.Decimal)
    ]
    return frame.with_columns(casts) if casts else frame


def bulk_insert(table: str, frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` into ``table``; returns the number of rows."""
    if frame.height == 0:
        return 0
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, frame.height, CHUNK_ROWS):
                buffer = io.BytesIO()
                frame.slice(start, CHUNK_ROWS).write_csv(
                    buffer, include_header=False, quote_style="non_numeric", null_value=""
                )
                sql = f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT csv)'
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
