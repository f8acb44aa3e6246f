"""Microsoft Dynamics 365 Sales (English interface): accounts and opportunities as “Export
to Excel” writes them (XLSX, or saved as CSV). The first hidden column, “(Do Not Modify)
Opportunity” or “(Do Not Modify) Account”, holds the record's id; a deal names its potential
customer and owner; “Status” says Open, Won or Lost next to the pipeline phase; currencies
are written by name (“Euro”)."""

from __future__ import annotations

import polars as pl

from koers.imports.presets.base import Preset, status_over_stage

US_DATES = "%m/%d/%Y"

D365_PHASES = {
    "1-qualify": "suspect",
    "qualify": "suspect",
    "2-develop": "prospect",
    "develop": "prospect",
    "3-propose": "hot_prospect",
    "propose": "hot_prospect",
    "4-close": "hot_prospect",
    "close": "hot_prospect",
    "won": "customer",
    "lost": "lost",
}

CURRENCY_NAMES = {
    "euro": "EUR",
    "us dollar": "USD",
    "pound sterling": "GBP",
    "british pound": "GBP",
    "swiss franc": "CHF",
    "danish krone": "DKK",
    "swedish krona": "SEK",
    "norwegian krone": "NOK",
    "polish zloty": "PLN",
}


def _dynamics(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    if kind == "opportunities":
        return status_over_stage(frame, "Status", "Pipeline Phase", {"won", "lost"})
    return frame


DYNAMICS = Preset(
    "dynamics",
    "Microsoft Dynamics 365 Sales",
    columns={
        "accounts": {
            "(Do Not Modify) Account": "external_id",
            "Account Name": "name",
            "Industry": "industry",
            "Relationship Type": "lifecycle",
            "Address 1: ZIP/Postal Code": "postcode",
            "Address 1: City": "city",
            "Address 1: Country/Region": "country",
            "Owner": "owner_id",
            "Created On": "created_on",
        },
        "opportunities": {
            "(Do Not Modify) Opportunity": "external_id",
            "Topic": "name",
            "Potential Customer": "account_id",
            "Owner": "owner_id",
            "Pipeline Phase": "stage_id",
            "Est. Revenue": "amount",
            "Currency": "currency",
            "Created On": "created_on",
            "Est. Close Date": "expected_close_date",
            "Actual Close Date": "closed_on",
        },
    },
    values={
        "accounts": {
            "lifecycle": {
                "customer": "loyal",
                "prospect": "potential",
                "competitor": "potential",
                "partner": "potential",
                "other": "potential",
                "": "potential",
            }
        },
        "opportunities": {"stage_id": D365_PHASES, "currency": CURRENCY_NAMES},
    },
    date_formats={c: US_DATES for c in ("created_on", "expected_close_date", "closed_on")},
    prepare=_dynamics,
    number_style="en",
)
