"""AFAS Profit (Dutch interface): employees (“Medewerkers”, from HRM), debtors
(“Debiteuren”) and sales order lines (“Verkooporderregels”), exported from a view as CSV with
“;”, day-month-year dates and decimal commas. AFAS keeps the surname prefix (“van der”) in
its own column, names the manager and the salesperson by employee number and gives each line
an order and a line number."""

from __future__ import annotations

import polars as pl

from koers.imports.presets.base import Preset, joined

DATES = "%d-%m-%Y"


def _afas(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    if kind == "people":
        return joined(frame, ["Voorvoegsel", "Achternaam"], "_last_name", " ")
    if kind == "orders":
        return joined(frame, ["Ordernummer", "Regelnummer"], "_line", "-")
    return frame


AFAS = Preset(
    "afas",
    "AFAS Profit",
    columns={
        "people": {
            "Medewerker": "external_id",
            "Roepnaam": "first_name",
            "_last_name": "last_name",
            "E-mail werk": "email",
            "Functie": "job_title",
            "Organisatorische eenheid": "unit_id",
            "Leidinggevende": "manager_id",
            "FTE": "fte",
            "Datum in dienst": "start_date",
            "Datum uit dienst": "end_date",
        },
        "accounts": {
            "Debiteurnummer": "external_id",
            "Naam": "name",
            "Branche": "industry",
            "Postcode": "postcode",
            "Woonplaats": "city",
            "Land": "country",
            "Verkoper": "owner_id",
            "Aanmaakdatum": "created_on",
        },
        "orders": {
            "_line": "external_id",
            "Ordernummer": "order_number",
            "Orderdatum": "order_date",
            "Status": "status",
            "Debiteurnummer": "account_id",
            "Itemcode": "product_id",
            "Aantal eenheden": "quantity",
            "Bedrag excl. btw": "amount",
            "Valuta": "currency",
            "Factuurdatum": "invoice_date",
            "Verkoper": "credited_to",
        },
    },
    values={
        "orders": {
            "status": {
                "ingevoerd": "ordered",
                "open": "ordered",
                "geaccordeerd": "ordered",
                "geleverd": "shipped",
                "gedeeltelijk geleverd": "shipped",
                "gefactureerd": "invoiced",
                "geblokkeerd": "on_hold",
                "vervallen": "cancelled",
                "geannuleerd": "cancelled",
            }
        },
    },
    date_formats={
        c: DATES for c in ("start_date", "end_date", "created_on", "order_date", "invoice_date")
    },
    prepare=_afas,
    number_style="nl",
)
