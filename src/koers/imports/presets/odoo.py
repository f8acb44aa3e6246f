"""Odoo's list exports, with labels or with the technical field names."""

from __future__ import annotations

import polars as pl

from koers.imports.presets.base import Preset

ODOO_STAGES = {
    "new": "suspect",
    "qualified": "prospect",
    "proposition": "hot_prospect",
    "won": "customer",
    "lost": "lost",
}


def _odoo(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    if kind == "opportunities":
        for reason in ("Lost Reason", "lost_reason_id"):
            for stage in ("Stage", "stage_id"):
                if reason in frame.columns and stage in frame.columns:
                    frame = frame.with_columns(
                        pl.when(pl.col(reason) != "")
                        .then(pl.lit("lost"))
                        .otherwise(pl.col(stage))
                        .alias(stage)
                    )
    return frame


ODOO = Preset(
    "odoo",
    "Odoo",
    columns={
        "opportunities": {
            "ID": "external_id",
            "id": "external_id",
            "Opportunity": "name",
            "name": "name",
            "Customer/ID": "account_id",
            "partner_id/id": "account_id",
            "Salesperson": "owner_id",
            "user_id": "owner_id",
            "Stage": "stage_id",
            "stage_id": "stage_id",
            "Expected Revenue": "amount",
            "expected_revenue": "amount",
            "Expected Closing": "expected_close_date",
            "date_deadline": "expected_close_date",
            "Created on": "created_on",
            "create_date": "created_on",
            "Closed Date": "closed_on",
            "date_closed": "closed_on",
        },
        "accounts": {
            "ID": "external_id",
            "id": "external_id",
            "Name": "name",
            "name": "name",
            "City": "city",
            "city": "city",
            "ZIP": "postcode",
            "zip": "postcode",
            "Country": "country",
            "country_id": "country",
            "Salesperson": "owner_id",
            "user_id": "owner_id",
            "Industry": "industry",
            "industry_id": "industry",
            "Created on": "created_on",
            "create_date": "created_on",
        },
        "orders": {
            "ID": "external_id",
            "id": "external_id",
            "Order Reference": "order_number",
            "order_id": "order_number",
            "Order Reference/Order Date": "order_date",
            "order_id/date_order": "order_date",
            "Order Reference/Customer/ID": "account_id",
            "order_partner_id/id": "account_id",
            "Product/ID": "product_id",
            "product_id/id": "product_id",
            "Quantity": "quantity",
            "product_uom_qty": "quantity",
            "Subtotal": "amount",
            "price_subtotal": "amount",
            "Salesperson": "credited_to",
            "salesman_id": "credited_to",
        },
    },
    values={"opportunities": {"stage_id": ODOO_STAGES}},
    prepare=_odoo,
)
