"""Rules that involve more than one column, checked on whole columns before writing."""

from __future__ import annotations

import polars as pl
from django.db import connection
from django.utils.translation import gettext as _

from koers.imports.parse import Parsed
from koers.imports.specs import Kind

col = pl.col


def _rules(kind: str) -> list[tuple[pl.Expr, str, str]]:
    """(mask of bad rows, column to blame, message) per kind."""
    sale = col("kind") == "sale"
    return {
        "people": [
            (col("end_date") < col("start_date"), "end_date", _("lies before the start date")),
            (
                (col("fte").cast(pl.Float64) <= 0) | (col("fte").cast(pl.Float64) > 1),
                "fte",
                _("must lie above 0 and at most 1"),
            ),
        ],
        "accounts": [
            (
                col("latitude").is_null() != col("longitude").is_null(),
                "longitude",
                _("give both coordinates or neither"),
            )
        ],
        "opportunities": [
            (
                col("expected_close_date") < col("created_on"),
                "expected_close_date",
                _("lies before the creation date"),
            ),
            (col("closed_on") < col("created_on"), "closed_on", _("lies before the creation date")),
        ],
        "orders": [
            (
                col("invoice_date") < col("order_date"),
                "invoice_date",
                _("lies before the order date"),
            ),
            (
                col("paid_date").is_not_null() & col("invoice_date").is_null(),
                "paid_date",
                _("a line can only be paid once it is invoiced"),
            ),
            (
                col("paid_date") < col("invoice_date"),
                "paid_date",
                _("lies before the invoice date"),
            ),
            (
                ~sale & col("original_id").is_null() & col("_original_id_key").is_null(),
                "original_id",
                _("a cancellation or return must reference its original line"),
            ),
            (
                ~sale & (col("amount").cast(pl.Float64) > 0),
                "amount",
                _("a cancellation or return is a negative amount"),
            ),
            (
                sale & (col("original_id").is_not_null() | col("_original_id_key").is_not_null()),
                "original_id",
                _("only a cancellation or return references an original line"),
            ),
        ],
        "nps": [
            ((col("score") < 0) | (col("score") > 10), "score", _("must lie between 0 and 10"))
        ],
        "campaigns": [
            (col("end_date") < col("start_date"), "end_date", _("lies before the start date"))
        ],
        "leads": [
            (
                (col("status") == "converted")
                & (col("opportunity_id").is_null() | col("converted_on").is_null()),
                "opportunity_id",
                _("a converted lead needs its opportunity and conversion date"),
            )
        ],
        "targets": [
            (col("month").dt.day() != 1, "month", _("use the first day of the month")),
            (col("value").cast(pl.Float64) < 0, "value", _("cannot be negative")),
        ],
        "exchange-rates": [(col("rate").cast(pl.Float64) <= 0, "rate", _("must be above 0"))],
    }.get(kind, [])


def check_rules(parsed: Parsed, spec: Kind, frame: pl.DataFrame) -> None:
    for expr, column, message in _rules(spec.name):
        if column not in frame.columns:
            continue
        mask = frame.select(expr.fill_null(False)).to_series()
        header = parsed.headers.get(column, spec.column(column).header)
        parsed.add_errors(mask, header, frame[column].cast(pl.Utf8), message)
    if spec.name == "opportunities":
        _check_stages(parsed, frame)
    if spec.name == "orders":
        _check_credit(parsed, frame)


def _check_stages(parsed: Parsed, frame: pl.DataFrame) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, kind FROM sales_stage")
        kinds = dict(cursor.fetchall())
    stage_kind = frame["stage_id"].replace_strict(kinds, default=None, return_dtype=pl.Utf8)
    closed = stage_kind.is_in(["won", "lost"])
    header = parsed.headers.get("closed_on", "closed_on")
    values = frame["closed_on"].cast(pl.Utf8)
    parsed.add_errors(
        closed & frame["closed_on"].is_null(),
        header,
        values,
        _("a won or lost opportunity needs a close date"),
    )
    parsed.add_errors(
        (stage_kind == "open") & frame["closed_on"].is_not_null(),
        header,
        values,
        _("an open opportunity has no close date"),
    )


def _check_credit(parsed: Parsed, frame: pl.DataFrame) -> None:
    """Each line needs someone to credit: the named salesperson or the account owner."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, owner_id FROM sales_account WHERE owner_id IS NOT NULL")
        owners = dict(cursor.fetchall())
    owned = frame["account_id"].is_in(list(owners))
    orphan = frame["credited_to"].is_null() & ~owned & frame["account_id"].is_not_null()
    header = parsed.headers.get("credited_to", "credited_to")
    parsed.add_errors(
        orphan,
        header,
        frame["account_id"].cast(pl.Utf8),
        _("no one to credit: name a salesperson or give the account an owner"),
    )
