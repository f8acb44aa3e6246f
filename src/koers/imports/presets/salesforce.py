"""Salesforce report exports and the Data Loader's technical names."""

from __future__ import annotations

import polars as pl

from koers.imports.presets.base import Preset, closed_on

SF_STAGES = {
    "prospecting": "suspect",
    "qualification": "suspect",
    "needs analysis": "prospect",
    "value proposition": "prospect",
    "id. decision makers": "prospect",
    "perception analysis": "prospect",
    "proposal/price quote": "hot_prospect",
    "negotiation/review": "hot_prospect",
    "closed won": "customer",
    "closed lost": "lost",
}


def _salesforce(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    if kind == "opportunities":
        return closed_on(frame, "Stage", "Close Date", {"closed won", "closed lost"})
    return frame


SALESFORCE = Preset(
    "salesforce",
    "Salesforce",
    columns={
        "opportunities": {
            "Opportunity ID": "external_id",
            "Id": "external_id",
            "Opportunity Name": "name",
            "Account ID": "account_id",
            "Opportunity Owner": "owner_id",
            "Owner ID": "owner_id",
            "Stage": "stage_id",
            "Amount": "amount",
            "Opportunity Currency": "currency",
            "Created Date": "created_on",
            "Close Date": "expected_close_date",
            "_closed_on": "closed_on",
            "Lead Source": "source",
            "Forecast Category": "forecast_category",
            "Type": "is_new_business",
        },
        "accounts": {
            "Account ID": "external_id",
            "Account Name": "name",
            "Industry": "industry",
            "Type": "lifecycle",
            "Billing City": "city",
            "Billing Country": "country",
            "Billing Zip/Postal Code": "postcode",
            "Billing Latitude": "latitude",
            "Billing Longitude": "longitude",
            "Account Owner": "owner_id",
            "Created Date": "created_on",
            "Employees": "size_class",
        },
        "people": {
            "User ID": "external_id",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Email": "email",
            "Title": "job_title",
            "Manager ID": "manager_id",
            "Division": "unit_id",
            "Created Date": "start_date",
        },
        "activities": {
            "Activity ID": "external_id",
            "Task ID": "external_id",
            "Subject": "subject",
            "Date": "date",
            "Activity Date": "date",
            "Assigned": "owner_id",
            "Type": "kind",
            "Account ID": "account_id",
            "Opportunity ID": "opportunity_id",
        },
    },
    values={
        "opportunities": {
            "stage_id": SF_STAGES,
            "source": {
                "web": "marketing",
                "trade show": "marketing",
                "purchased list": "marketing",
                "phone inquiry": "marketing",
                "partner referral": "sales",
                "employee referral": "sales",
                "external referral": "sales",
                "other": "sales",
                "": "sales",
            },
            "forecast_category": {
                "pipeline": "pipeline",
                "best case": "best_case",
                "commit": "commit",
                "closed": "commit",
                "omitted": "pipeline",
            },
            "is_new_business": {
                "new business": "true",
                "new customer": "true",
                "existing business": "false",
                "existing customer - upgrade": "false",
                "existing customer - replacement": "false",
                "existing customer - downgrade": "false",
                "": "false",
            },
        },
        "accounts": {
            "lifecycle": {
                "prospect": "potential",
                "customer": "loyal",
                "customer - direct": "loyal",
                "customer - channel": "loyal",
                "former customer": "ex",
                "": "potential",
            }
        },
        "activities": {
            "kind": {
                "call": "call",
                "email": "email",
                "meeting": "meeting",
                "visit": "visit",
                "demo": "demo",
                "quote": "quote",
            }
        },
    },
    # Report exports write dates as the user's locale does; US month-first is the default.
    date_formats={
        c: "%m/%d/%Y"
        for c in ("created_on", "expected_close_date", "closed_on", "start_date", "date")
    },
    prepare=_salesforce,
)
