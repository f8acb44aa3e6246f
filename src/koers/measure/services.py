"""Refreshing the KPI facts from the sales data, set-based, for a range of months."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db import transaction

from koers.core.bulk import bulk_insert, query_frame
from koers.engine import kpi
from koers.engine.periods import add_months, month_start
from koers.measure.models import KpiFact

I64, DATE = pl.Int64, pl.Date


def _between(column: str, start: dt.date, end: dt.date) -> str:
    return f"{column} BETWEEN '{start.isoformat()}' AND '{end.isoformat()}'"


def _inputs(start: dt.date, end: dt.date) -> dict[str, pl.DataFrame]:
    """The engine's input frames for ``start``..``end``, each one query."""
    cents = "CAST(ROUND({} * 100) AS BIGINT)"
    return {
        "activities": query_frame(
            "SELECT a.owner_id, a.date, a.kind, a.duration_minutes, CASE WHEN acc.id IS NULL "
            "THEN NULL WHEN acc.lifecycle IN ('potential', 'new') THEN 1 ELSE 0 END "
            "FROM sales_activity a LEFT JOIN sales_account acc ON acc.id = a.account_id "
            f"WHERE {_between('a.date', start, end)}",
            {
                "person_id": I64,
                "date": DATE,
                "kind": pl.Utf8,
                "minutes": I64,
                "new_account": pl.Boolean,
            },
        ),
        "credits": query_frame(
            f"SELECT c.person_id, l.order_date, {cents.format('l.amount')}, "
            f"{cents.format('l.cost')}, CAST(ROUND(l.quantity) AS BIGINT), "
            f"{cents.format('c.percent')} FROM sales_orderlinecredit c "
            "JOIN sales_orderline l ON l.id = c.line_id "
            f"WHERE {_between('l.order_date', start, end)}",
            {
                "person_id": I64,
                "date": DATE,
                "amount_cents": I64,
                "cost_cents": I64,
                "quantity": I64,
                "share_bp": I64,
            },
        ),
        "opportunities": query_frame(
            f"SELECT o.owner_id, o.created_on, o.closed_on, s.kind, {cents.format('o.amount')}, "
            "CASE WHEN o.is_new_business THEN 1 ELSE 0 END FROM sales_opportunity o "
            "JOIN sales_stage s ON s.id = o.stage_id "
            f"WHERE {_between('o.created_on', start, end)} "
            f"OR {_between('o.closed_on', start, end)}",
            {
                "person_id": I64,
                "created_on": DATE,
                "closed_on": DATE,
                "outcome": pl.Utf8,
                "amount_cents": I64,
                "new_business": pl.Boolean,
            },
        ),
        "payments": query_frame(
            f"SELECT c.person_id, l.paid_date, l.invoice_date, "
            f"CAST(ROUND(l.amount * c.percent) AS BIGINT) FROM sales_orderlinecredit c "
            "JOIN sales_orderline l ON l.id = c.line_id "
            f"WHERE {_between('l.paid_date', start, end)}",
            {"person_id": I64, "paid_date": DATE, "invoice_date": DATE, "amount_cents": I64},
        ),
        "answers": query_frame(
            "SELECT COALESCE(n.person_id, acc.owner_id), n.responded_on, n.score "
            "FROM sales_npsresponse n JOIN sales_account acc ON acc.id = n.account_id "
            f"WHERE {_between('n.responded_on', start, end)} "
            "AND COALESCE(n.person_id, acc.owner_id) IS NOT NULL",
            {"person_id": I64, "date": DATE, "score": I64},
        ),
    }


def compute_facts(start: dt.date, end: dt.date) -> pl.DataFrame:
    frames = _inputs(start, end)
    facts = pl.concat(
        [
            kpi.activity_facts(frames["activities"]),
            kpi.order_facts(frames["credits"]),
            kpi.opportunity_facts(frames["opportunities"]),
            kpi.payment_facts(frames["payments"]),
            kpi.nps_facts(frames["answers"]),
        ]
    )
    in_range = pl.col("month").is_between(start, end)
    return facts.filter(in_range & pl.col("person_id").is_not_null())


@transaction.atomic
def kpi_facts_refresh(*, start: dt.date, end: dt.date) -> int:
    """Recompute every KPI fact of the months from ``start`` to ``end`` (inclusive) and
    replace what was stored for them; returns the number of facts stored."""
    first, last = month_start(start), add_months(end, 1) - dt.timedelta(days=1)
    facts = compute_facts(first, last)
    KpiFact.objects.filter(month__gte=first, month__lte=last).delete()
    return bulk_insert("measure_kpifact", facts)
