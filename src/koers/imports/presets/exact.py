"""Exact Online (Dutch interface): relations (“Relaties”) and sales invoice lines
(“Verkoopfactuurregels”), exported from the overviews as CSV with “;”, day-month-year dates
and decimal commas. Exact names the account manager and salesperson by full name; accounts
and items by their code."""

from __future__ import annotations

import polars as pl

from koers.imports.presets.base import Preset, constant, copied, joined

DATES = "%d-%m-%Y"


def _exact(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    if kind == "orders":
        # a line is known by its invoice and line number; an invoice line is invoiced
        frame = joined(frame, ["Factuurnummer", "Regel"], "_line", "-")
        frame = copied(frame, "Factuurdatum", "_invoiced_on")
        return constant(frame, "_status", "invoiced")
    return frame


EXACT = Preset(
    "exact",
    "Exact Online",
    columns={
        "accounts": {
            "Code": "external_id",
            "Naam": "name",
            "Postcode": "postcode",
            "Plaats": "city",
            "Land": "country",
            "Accountmanager": "owner_id",
            "Sector": "industry",
            "Status": "lifecycle",
            "Aangemaakt": "created_on",
        },
        "orders": {
            "_line": "external_id",
            "Factuurnummer": "order_number",
            "Factuurdatum": "order_date",
            "_invoiced_on": "invoice_date",
            "_status": "status",
            "Debiteur": "account_id",
            "Artikel": "product_id",
            "Aantal": "quantity",
            "Bedrag": "amount",
            "Valuta": "currency",
            "Verkoper": "credited_to",
        },
    },
    values={
        "accounts": {
            "lifecycle": {
                "klant": "loyal",
                "prospect": "potential",
                "suspect": "potential",
                "geen": "potential",
                "": "potential",
            }
        },
    },
    date_formats={"created_on": DATES, "order_date": DATES, "invoice_date": DATES},
    prepare=_exact,
    number_style="nl",
)
