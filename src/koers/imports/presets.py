"""Column mappings for the standard exports of the CRMs and ERPs people use.

Each preset maps the vendor's documented export headers (report exports and the
import-compatible technical names) to Koers columns, translates the vendor's values
(stages, types, sources) and, where one column is not enough, prepares the rows first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

Prepare = Callable[[str, pl.DataFrame], pl.DataFrame]


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    columns: dict[str, dict[str, str]]  # kind -> {vendor header: Koers column}
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    date_formats: dict[str, str] = field(default_factory=dict)
    prepare: Prepare | None = None


def _closed_on(frame: pl.DataFrame, stage: str, close: str, closed: set[str]) -> pl.DataFrame:
    """Vendors keep one close date; Koers records it as the close date of closed deals."""
    if stage not in frame.columns or close not in frame.columns:
        return frame
    is_closed = frame[stage].str.to_lowercase().is_in(sorted(closed))
    return frame.with_columns(
        pl.when(is_closed).then(pl.col(close)).otherwise(pl.lit("")).alias("_closed_on")
    )


def _join_names(frame: pl.DataFrame, first: str, last: str) -> pl.DataFrame:
    if first not in frame.columns or last not in frame.columns:
        return frame
    return frame.with_columns(
        pl.concat_str([pl.col(first), pl.col(last)], separator=" ")
        .str.strip_chars()
        .alias("_contact_name")
    )


def _first_id(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """HubSpot lists several associated ids separated by ';': the first is the primary."""
    if column not in frame.columns:
        return frame
    return frame.with_columns(pl.col(column).str.split(";").list.first().str.strip_chars())


# ------------------------------------------------------------------ Salesforce
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
        return _closed_on(frame, "Stage", "Close Date", {"closed won", "closed lost"})
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

# ------------------------------------------------------------------ HubSpot
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
        frame = _first_id(frame, "Associated Company IDs")
        return _closed_on(frame, "Deal Stage", "Close Date", {"closed won", "closed lost"})
    if kind == "leads":
        return _join_names(frame, "First Name", "Last Name")
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

# ------------------------------------------------------------------ Odoo
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

PRESETS: dict[str, Preset] = {p.name: p for p in (SALESFORCE, HUBSPOT, ODOO)}
