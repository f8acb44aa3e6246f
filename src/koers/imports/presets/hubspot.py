"""HubSpot's CRM exports (deals, companies, contacts as leads) and its marketing campaigns
(the campaigns tool's export, or the campaigns API's property names)."""

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


# HubSpot campaigns have no type of their own: a custom property "Campaign type" is read
# when the export has one, with the usual values
HS_CAMPAIGN_TYPES = {
    "trade show": "trade_fair",
    "trade fair": "trade_fair",
    "beurs": "trade_fair",
    "vakbeurs": "trade_fair",
    "webinar": "webinar",
    "email": "mailing",
    "e-mail": "mailing",
    "mailing": "mailing",
    "direct mail": "mailing",
    "newsletter": "mailing",
    "paid social": "online",
    "paid search": "online",
    "social media": "online",
    "online": "online",
    "ads": "online",
    "event": "event",
    "conference": "event",
    "evenement": "event",
    "other": "other",
    "": "other",
}
SPEND = ("Spend", "Total spend", "hs_spend_items_sum_amount")


def _hubspot(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    if kind == "campaign-costs":
        # HubSpot sums a campaign's spend items: one cost line of its start date
        spend = next((c for c in SPEND if c in frame.columns), None)
        if spend is None:
            return frame
        spent = pl.col(spend).str.strip_chars().str.replace_all(r"[^0-9]", "")
        return frame.filter(spent.str.contains(r"[1-9]")).with_columns(
            pl.lit("Spend (HubSpot)").alias("_description")
        )
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
        "campaigns": {
            "Record ID": "external_id",
            "hs_object_id": "external_id",
            "Campaign name": "name",
            "hs_name": "name",
            "Campaign type": "kind",
            "Start date": "start_date",
            "hs_start_date": "start_date",
            "End date": "end_date",
            "hs_end_date": "end_date",
            "Budget": "budget",
            "Total budget": "budget",
            "hs_budget_items_sum_amount": "budget",
            "Currency": "currency",
            "hs_currency_code": "currency",
        },
        "campaign-costs": {
            "Record ID": "campaign_id",
            "hs_object_id": "campaign_id",
            "Start date": "date",
            "hs_start_date": "date",
            "_description": "description",
            "Spend": "amount",
            "Total spend": "amount",
            "hs_spend_items_sum_amount": "amount",
            "Currency": "currency",
            "hs_currency_code": "currency",
        },
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
        "campaigns": {"kind": HS_CAMPAIGN_TYPES},
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
