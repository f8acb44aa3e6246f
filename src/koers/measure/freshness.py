"""Facts that follow the data: which months changed.

Imports refresh the months they touched as they commit; a record saved through a form or
the API marks its months stale (a refresh takes about a second per month, too slow for a
form), and a calculation run refreshes the stale months it reads before paying on them
(the refreshing itself: ``koers.measure.services``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from koers.engine.periods import month_start
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
