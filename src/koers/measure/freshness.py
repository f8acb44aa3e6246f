"""Facts that follow the data: which months changed, and refreshing them set-based.

Imports refresh the months they touched as they commit; a record saved through a form or
the API marks its months stale (a refresh takes about a second per month, too slow for a
form), and a calculation run refreshes the stale months it reads before paying on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from koers.engine.periods import add_months, month_start
from koers.measure.models import StaleMonth

# The tables the KPI facts are computed from, with the dates that place a row in a month.
FACT_SOURCES: dict[str, tuple[str, ...]] = {
    "sales_orderline": ("order_date", "invoice_date", "paid_date"),
    "sales_opportunity": ("created_on", "closed_on"),
    "sales_stagechange": ("date",),
    "sales_activity": ("date",),
    "sales_lead": ("created_on",),
    "sales_npsresponse": ("responded_on",),
}


def months_of(days: Iterable[dt.date | None]) -> set[dt.date]:
    return {month_start(d) for d in days if d is not None}


def mark_stale(months: Iterable[dt.date]) -> None:
    StaleMonth.objects.bulk_create(
        [StaleMonth(month=m) for m in sorted(set(months))], ignore_conflicts=True
    )


def stale_months(start: dt.date, end: dt.date) -> list[dt.date]:
    return list(
        StaleMonth.objects.filter(month__gte=month_start(start), month__lte=end).values_list(
            "month", flat=True
        )
    )


def ranges(months: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive months as (first day, last day) ranges, so each is one refresh."""
    out: list[tuple[dt.date, dt.date]] = []
    for m in sorted(set(months)):
        if out and add_months(out[-1][1].replace(day=1), 1) == m:
            out[-1] = (out[-1][0], add_months(m, 1) - dt.timedelta(days=1))
        else:
            out.append((m, add_months(m, 1) - dt.timedelta(days=1)))
    return out


# Order lines one refresh step reads at most: a refresh holds its months' records in memory,
# so a run of months with millions of lines is refreshed a few months at a time.
REFRESH_STEP_LINES = 250_000


def refresh_months(months: Iterable[dt.date]) -> list[dt.date]:
    """Recompute the facts of ``months`` (set-based, one refresh per run of consecutive
    months, split where it would read more than ``REFRESH_STEP_LINES`` order lines);
    returns the months refreshed."""
    from koers.measure.services import kpi_facts_refresh

    done = sorted(set(months))
    for first, last in ranges(done):
        for start, end in steps(first, last):
            kpi_facts_refresh(start=start, end=end)
    return done


def steps(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """``first``..``last`` (whole months) cut into runs of months of at most
    ``REFRESH_STEP_LINES`` order lines each (a month is never cut)."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from koers.sales.models import OrderLine

    counts = {
        month_start(row["month"]): row["n"]
        for row in OrderLine.objects.filter(order_date__range=(first, last))
        .annotate(month=TruncMonth("order_date"))
        .values("month")
        .annotate(n=Count("id"))
    }
    out: list[tuple[dt.date, dt.date]] = []
    start, lines, month = first, 0, first
    while month <= last:
        n = counts.get(month, 0)
        if lines and lines + n > REFRESH_STEP_LINES:
            out.append((start, month - dt.timedelta(days=1)))
            start, lines = month, 0
        lines += n
        month = add_months(month, 1)
    out.append((start, last))
    return out


def refresh_stale(start: dt.date, end: dt.date) -> list[dt.date]:
    """Refresh the stale months from ``start`` to ``end``; returns them."""
    return refresh_months(stale_months(start, end))
