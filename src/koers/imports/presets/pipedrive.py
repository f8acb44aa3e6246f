"""Pipedrive's exports (English interface): organizations and deals as CSV, each column
prefixed with its record (“Deal - Title”, “Organization - Name”). A deal names its
organization and owner; a won or lost deal keeps its last pipeline stage and says so in
“Deal - Status”, with the moment in “Deal - Won time” or “Deal - Lost time”."""

from __future__ import annotations

import polars as pl

from koers.imports.presets.base import Preset, first_filled, status_over_stage

PD_STAGES = {
    "lead in": "suspect",
    "contact made": "suspect",
    "qualified": "prospect",
    "needs defined": "prospect",
    "demo scheduled": "prospect",
    "proposal made": "hot_prospect",
    "negotiations started": "hot_prospect",
    "won": "customer",
    "lost": "lost",
}


def _pipedrive(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    if kind == "opportunities":
        frame = status_over_stage(frame, "Deal - Status", "Deal - Stage", {"won", "lost"})
        return first_filled(frame, ["Deal - Won time", "Deal - Lost time"], "_closed_on")
    return frame


PIPEDRIVE = Preset(
    "pipedrive",
    "Pipedrive",
    columns={
        "accounts": {
            "Organization - ID": "external_id",
            "Organization - Name": "name",
            "Organization - Owner": "owner_id",
            "Organization - Industry": "industry",
            "Organization - ZIP/Postal code of Address": "postcode",
            "Organization - City/town/village/locality of Address": "city",
            "Organization - Country of Address": "country",
            "Organization - Organization created": "created_on",
        },
        "opportunities": {
            "Deal - ID": "external_id",
            "Deal - Title": "name",
            "Deal - Organization": "account_id",
            "Deal - Owner": "owner_id",
            "Deal - Stage": "stage_id",
            "Deal - Value": "amount",
            "Deal - Currency": "currency",
            "Deal - Deal created": "created_on",
            "Deal - Expected close date": "expected_close_date",
            "_closed_on": "closed_on",
            "Deal - Source origin": "source",
        },
    },
    values={
        "opportunities": {
            "stage_id": PD_STAGES,
            "source": {
                "web forms": "marketing",
                "live chat": "marketing",
                "marketplace": "marketing",
                "prospector": "sales",
                "manually created": "sales",
                "import": "sales",
                "api": "sales",
                "": "sales",
            },
        },
    },
    prepare=_pipedrive,
    number_style="en",
)
