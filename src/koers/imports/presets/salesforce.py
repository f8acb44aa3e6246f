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


SF_CAMPAIGN_TYPES = {
    "trade show": "trade_fair",
    "conference": "event",
    "webinar": "webinar",
    "email": "mailing",
    "direct mail": "mailing",
    "advertisement": "online",
    "banner ads": "online",
    "telemarketing": "other",
    "public relations": "other",
    "partners": "other",
    "referral program": "other",
    "other": "other",
    "": "other",
}


def _salesforce(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    if kind == "opportunities":
        return closed_on(frame, "Stage", "Close Date", {"closed won", "closed lost"})
    if kind == "campaign-costs":
        # Salesforce keeps one actual cost per campaign: one cost line of its start date
        cost = next((c for c in ("Actual Cost", "ActualCost") if c in frame.columns), None)
        if cost is None:
            return frame
        spent = pl.col(cost).str.strip_chars().str.replace_all(r"[^0-9]", "")
        return frame.filter(spent.str.contains(r"[1-9]")).with_columns(
            pl.lit("Actual cost (Salesforce)").alias("_description")
        )
    return frame


SALESFORCE = Preset(
    "salesforce",
    "Salesforce",
    columns={
        "campaigns": {
            "Campaign ID": "external_id",
            "Id": "external_id",
            "Campaign Name": "name",
            "Name": "name",
            "Type": "kind",
            "Start Date": "start_date",
            "StartDate": "start_date",
            "End Date": "end_date",
            "EndDate": "end_date",
            "Budgeted Cost": "budget",
            "BudgetedCost": "budget",
            "Campaign Currency": "currency",
            "CurrencyIsoCode": "currency",
        },
        "campaign-costs": {
            "Campaign ID": "campaign_id",
            "Id": "campaign_id",
            "Start Date": "date",
            "StartDate": "date",
            "_description": "description",
            "Actual Cost": "amount",
            "ActualCost": "amount",
            "Campaign Currency": "currency",
            "CurrencyIsoCode": "currency",
        },
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
        "campaigns": {"kind": SF_CAMPAIGN_TYPES},
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
        for c in (
            "created_on",
            "expected_close_date",
            "closed_on",
            "start_date",
            "end_date",
            "date",
        )
    },
    prepare=_salesforce,
)
