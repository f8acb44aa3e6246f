"""Resolving references between files by external id (or code), with joins."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
from django.db import connection

from koers.core.bulk import bulk_insert, query_frame
from koers.imports.specs import KINDS, model_for_table

STAGES = "stages"
KEY_TABLE = "koers_import_keys"
# kinds that can hold millions of rows: a lookup asks only for the keys a file names
LOOKED_UP_BY_KEY = {"orders", "opportunities", "activities", "leads"}
# for the statements of a key lookup only (SET LOCAL would last until the import commits)
PROBES_ONLY = (
    "SELECT set_config('enable_mergejoin', 'off', true), set_config('enable_hashjoin', 'off', true)"
)
JOINS_AS_BEFORE = (
    "SELECT set_config(name, reset_val, true) FROM pg_settings "
    "WHERE name IN ('enable_mergejoin', 'enable_hashjoin')"
)


def stage_key(text: str) -> str:
    """Stage names match loosely: “Hot prospect”, “hot_prospect” and “HOT-PROSPECT”."""
    return re.sub(r"[\s_\-]+", " ", text.lower()).strip()


def key_table(kind_name: str, among: pl.Series | None = None) -> pl.DataFrame:
    """All (key, id) pairs of a kind in the database, keys as text (with ``among``: of
    those keys, for kinds referenced by their own key)."""
    with connection.cursor() as cursor:
        if kind_name == "people":  # exports name people by id, e-mail or full name
            cursor.execute("SELECT external_id, email, first_name, last_name, id FROM org_person")
            rows = cursor.fetchall()
            pairs = [
                (str(key).lower(), i)
                for ext, email, first, last, i in rows
                for key in (ext, email, f"{first} {last}")
                if key
            ]
        elif kind_name == STAGES:
            cursor.execute("SELECT code, name_en, name_nl, id FROM sales_stage")
            rows = cursor.fetchall()
            pairs = [(stage_key(str(k)), i) for *keys, i in rows for k in keys]
        else:
            return exact_ids(kind_name, among).unique("key", keep="first")
    frame = pl.DataFrame(pairs, schema={"key": pl.Utf8, "id": pl.Int64}, orient="row")
    return frame.unique("key", keep="first")


def exact_ids(kind_name: str, among: pl.Series | None = None) -> pl.DataFrame:
    """(key, id) of a kind by its own key exactly as stored, streamed without row objects;
    with ``among``, only of those keys (a block of a large file asks for what it names,
    not for every key of a table of millions)."""
    kind = KINDS[kind_name]
    schema = {"key": pl.Utf8, "id": pl.Int64}
    if among is None:
        sql = (
            f'SELECT CAST("{kind.ref_key}" AS TEXT), id FROM "{kind.table}" '
            f'WHERE "{kind.ref_key}" IS NOT NULL'
        )
        return query_frame(sql, schema)
    if among.drop_nulls().is_empty():
        return pl.DataFrame(schema=schema)
    with key_filter(among) as filter_table:
        sql = (
            f'SELECT CAST(t."{kind.ref_key}" AS TEXT), t.id FROM "{kind.table}" t '
            f'JOIN {filter_table} k ON t."{kind.ref_key}" = k.key'
        )
        return query_frame(sql, schema)


@contextmanager
def key_filter(keys: pl.Series) -> Iterator[str]:
    """A temporary table holding ``keys`` (distinct text), to join a large table against."""
    empty = "TRUNCATE" if connection.vendor == "postgresql" else "DELETE FROM"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {KEY_TABLE} (key TEXT)")
        cursor.execute(f"{empty} {KEY_TABLE}")
    bulk_insert(KEY_TABLE, pl.DataFrame({"key": keys.cast(pl.Utf8).drop_nulls().unique()}))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {KEY_TABLE}")
            # Probe the large table's key index once per key. A merge join walks the index
            # from its start to the largest key asked for: the whole table when a file's
            # keys are new (they sort after the stored ones), 0.65 s a block at 2 M lines
            # against 16 ms of probes.
            cursor.execute(PROBES_ONLY)
    try:
        yield KEY_TABLE
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"{empty} {KEY_TABLE}")
            if connection.vendor == "postgresql":
                cursor.execute(JOINS_AS_BEFORE)


def account_names() -> pl.DataFrame:
    """(name, id) of accounts whose name is unique, lower-cased: CRM exports (Pipedrive,
    Dynamics, Teamleader) name a deal's customer rather than give its id."""
    frame = _lowered_names()
    return frame.filter(pl.col("key").is_unique())


def _lowered_names() -> pl.DataFrame:
    frame = query_frame("SELECT name, id FROM sales_account", {"key": pl.Utf8, "id": pl.Int64})
    return frame.with_columns(pl.col("key").str.strip_chars().str.to_lowercase())


def shared_account_names(values: pl.Series) -> pl.Series:
    """Which of ``values`` name more than one account (so name no account for certain)."""
    names = _lowered_names()
    shared = names.filter(pl.col("key").is_duplicated())["key"].unique()
    return values.fill_null("").str.strip_chars().str.to_lowercase().is_in(shared.implode())


def _accounts_by_name(lookup: pl.Series) -> pl.Series:
    names = lookup.str.strip_chars().str.to_lowercase()
    joined = pl.DataFrame({"key": names}).join(
        account_names(), on="key", how="left", maintain_order="left"
    )
    return joined["id"]


def resolve(frame: pl.DataFrame, column: str, target: str, extra_keys: pl.Series | None = None):
    """Replace the key text in ``column`` with the referenced id (in ``column``); returns the
    frame and a mask of rows whose key is neither in the database nor in ``extra_keys``."""
    if frame[column].null_count() == frame.height:  # nothing to look up (an empty column)
        ids = pl.Series(column, [None] * frame.height, dtype=pl.Int64)
        return frame.with_columns(ids), pl.Series([False] * frame.height, dtype=pl.Boolean)
    keys = key_table(target, frame[column] if target in LOOKED_UP_BY_KEY else None)
    lookup = frame[column]
    if target == "people":
        lookup = lookup.str.to_lowercase().str.strip_chars()
    if target == STAGES:
        lookup = lookup.str.to_lowercase().str.replace_all(r"[\s_\-]+", " ").str.strip_chars()
    joined = pl.DataFrame({"key": lookup}).join(keys, on="key", how="left", maintain_order="left")
    ids = joined["id"]
    if target == "accounts" and (lookup.is_not_null() & ids.is_null()).any():
        ids = ids.fill_null(_accounts_by_name(lookup))
    pending = extra_keys is not None and frame[column].is_in(extra_keys.implode())
    unresolved = frame[column].is_not_null() & ids.is_null()
    if extra_keys is not None:
        unresolved = unresolved & ~pending
    return frame.with_columns(ids.alias(column)), unresolved


def kind_label(kind_name: str) -> str:
    """The referenced record kind in the user's language: “person”, “account”, “stage”."""
    table = "sales_stage" if kind_name == STAGES else KINDS[kind_name].table
    return str(model_for_table(table)._meta.verbose_name)
