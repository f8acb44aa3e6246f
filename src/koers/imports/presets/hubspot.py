"""HubSpot's CRM exports (deals, companies, contacts as leads)."""

from __future__ import annotations

import polars as pl

from koers.imports.presets.base import Preset, closed_on, first_id, join_names

HS_STAGES = {
    "appointment scheduled": "suspect",
    "qualified to buy": "prospect",
    "presentation scheduled": "prospect",
    "decision maker bought-in": "hot_prospect",
    "contract sent": "hot_prospect",
    "closed won": "customer",
    "closed lost": "lost",
}


def _hubspot(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    if kind == "opportunities":
        frame = first_id(frame, "Associated Company IDs")
        return closed_on(frame, "Deal Stage", "Close Date", {"closed won", "closed lost"})
    if kind == "leads":
        return join_names(frame, "First Name", "Last Name")
    return frame


HUBSPOT = Preset(
    "hubspot",
    "HubSpot",
    columns={
        "opportunities": {
            "Record ID": "external_id",
            "Deal Name": "name",
            "Deal Stage": "stage_id",
            "Amount": "amount",
            "Close Date": "expected_close_date",
            "_closed_on": "closed_on",
            "Create Date": "created_on",
            "Deal owner": "owner_id",
            "Deal Type": "is_new_business",
            "Associated Company IDs": "account_id",
            "Currency": "currency",
        },
        "accounts": {
            "Record ID": "external_id",
            "Company name": "name",
            "Industry": "industry",
            "City": "city",
            "Country/Region": "country",
            "Postal Code": "postcode",
            "Company owner": "owner_id",
            "Create Date": "created_on",
            "Lifecycle Stage": "lifecycle",
        },
        "leads": {
            "Record ID": "external_id",
            "_contact_name": "contact_name",
            "Email": "email",
            "Company Name": "company_name",
            "Lead Status": "status",
            "Create Date": "created_on",
            "Contact owner": "owner_id",
            "Original Source": "source",
        },
    },
    values={
        "opportunities": {
            "stage_id": HS_STAGES,
            "is_new_business": {"new business": "true", "existing business": "false", "": "false"},
        },
        "accounts": {
            "lifecycle": {
                "subscriber": "potential",
                "lead": "potential",
                "marketing qualified lead": "potential",
                "sales qualified lead": "potential",
                "opportunity": "potential",
                "customer": "loyal",
                "evangelist": "loyal",
                "other": "potential",
                "": "potential",
            }
        },
        "leads": {
            "status": {
                "new": "new",
                "open": "working",
                "in progress": "working",
                "attempted to contact": "working",
                "connected": "working",
                "open deal": "qualified",
                "unqualified": "disqualified",
                "bad timing": "disqualified",
                "": "new",
            },
            "source": {
                "offline sources": "sales",
                "direct traffic": "marketing",
                "organic search": "marketing",
                "paid search": "marketing",
                "email marketing": "marketing",
                "social media": "marketing",
                "paid social": "marketing",
                "referrals": "sales",
                "other campaigns": "marketing",
                "": "marketing",
            },
        },
    },
    prepare=_hubspot,
)
