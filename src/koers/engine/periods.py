"""Periods: a month is the base period; quarters and (fiscal) years roll up."""

from __future__ import annotations

import datetime as dt


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def last_twelve_months(today: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve whole months before the month of ``today``: (first day, last day)."""
    this = month_start(today)
    return add_months(this, -12), this - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month (negative goes back)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def fiscal_year_start(day: dt.date, start_month: int = 1) -> dt.date:
    """First day of the fiscal year containing ``day`` when fiscal years start in
    ``start_month`` (1 = January: the calendar year)."""
    if not 1 <= start_month <= 12:
        raise ValueError("start_month must be 1-12")
    year = day.year if day.month >= start_month else day.year - 1
    return dt.date(year, start_month, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(day, 1) - dt.timedelta(days=1)


PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def period_of(kind: str, day: dt.date, start_month: int = 1) -> tuple[dt.date, dt.date]:
    """The month, fiscal quarter or fiscal year that contains ``day`` (first and last day),
    when fiscal years start in ``start_month``: quarters are the fiscal year's thirds of
    three months (with April: April–June, July–September, …). The one definition of a
    period for pages, the API, exports, targets, rounds, plans and pay."""
    months = PERIOD_MONTHS[kind]
    first = fiscal_year_start(day, start_month)
    offset = (day.year * 12 + day.month - first.year * 12 - first.month) // months * months
    start = add_months(first, offset)
    return start, add_months(start, months) - dt.timedelta(days=1)


def working_days(first: dt.date, last: dt.date) -> int:
    """Monday to Friday from ``first`` to ``last``, both included (0 when last < first)."""
    import numpy as np

    if last < first:
        return 0
    return int(np.busday_count(first, last + dt.timedelta(days=1)))


def pace(sold: float, first: dt.date, last: dt.date, today: dt.date) -> float | None:
    """Where the period ``first``..``last`` ends at this pace: what was sold to ``today``
    per working day gone (today counted), times the period's working days. None before
    the period's first working day; the sold amount itself once the period has ended."""
    if today >= last:
        return sold
    gone = working_days(first, today)
    return sold * working_days(first, last) / gone if gone else None
