"""The periods of the KPI page and what each is compared with.

A period to date is compared *like with like*: with the same days of the period before and
of the year before (1–23 November against 1–23 October and 1–23 November last year), never
with a whole earlier period. A period that ends on a month's last day is compared with whole
months. A custom period runs from one month to another; "all time" has nothing before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from koers.engine.periods import add_months, fiscal_year_start, month_end, month_start, period_of
from koers.org.setup import fiscal_start_month

CURRENT = ("month", "quarter", "ytd")
PERIODS = (*CURRENT, "custom", "all")
Span = tuple[dt.date, dt.date]


def shifted(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (negative: earlier); a month's last day stays a
    month's last day and a day the target month lacks becomes its last (31 March → 28 or 29
    February)."""
    target = add_months(day, months)
    if day == month_end(day):
        return month_end(target)
    return min(target.replace(day=1) + dt.timedelta(days=day.day - 1), month_end(target))


@dataclass(frozen=True)
class Period:
    kind: str  # month, quarter, ytd, custom or all
    start: dt.date
    end: dt.date  # the last day counted
    close: dt.date  # the last day of the calendar period (pipeline due by then)
    before: Span | None  # the same days of the period before
    year_ago: Span | None  # the same days a year before

    @property
    def months_end(self) -> dt.date:
        """The last day of the last month the period touches: what month facts cover."""
        return month_end(self.end)

    def comparison(self) -> Span | None:
        """What the charts compare with: the period before, else the year before."""
        return self.before or self.year_ago


def _compared(kind: str, start: dt.date, end: dt.date, close: dt.date, months: int) -> Period:
    before = (add_months(start, -months), shifted(end, -months)) if months != 12 else None
    return Period(kind, start, end, close, before, (add_months(start, -12), shifted(end, -12)))


def current(kind: str, today: dt.date) -> Period:
    """This month, this quarter or the (fiscal) year to date."""
    fiscal = fiscal_start_month()
    if kind == "quarter":
        start, months = period_of("quarter", today, fiscal)[0], 3
    elif kind == "ytd":
        start, months = fiscal_year_start(today, fiscal), 12
    else:
        start, months = month_start(today), 1
    return _compared(kind, start, today, add_months(start, months) - dt.timedelta(days=1), months)


def custom(first_month: dt.date, last_month: dt.date, today: dt.date) -> Period:
    """Whole months from ``first_month`` to ``last_month``; the current month to date."""
    start = month_start(first_month)
    end = min(month_end(last_month), max(today, start))
    months = (last_month.year - start.year) * 12 + last_month.month - start.month + 1
    return _compared("custom", start, end, end, months)


def all_time(first_day: dt.date | None, today: dt.date) -> Period:
    start = month_start(first_day or today)
    return Period("all", start, today, today, None, None)


def _month(text: str | None) -> dt.date | None:
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return None


def from_request(params, today: dt.date) -> tuple[Period, str | None]:  # type: ignore[no-untyped-def]
    """The period the page's query asks for, and a problem to show (None: none). A custom
    period takes ``from`` and ``to`` as YYYY-MM; a bad one falls back to the last twelve
    months with a message."""
    kind = params.get("period", "month")
    if kind == "all":
        from koers.measure.services import first_data_day

        return all_time(first_data_day(), today), None
    if kind == "custom":
        first, last = _month(params.get("from")), _month(params.get("to"))
        if first and last and first <= last and last.year - first.year <= 50:
            return custom(first, last, today), None
        fallback = custom(add_months(today, -11), today, today)
        return fallback, _("Choose a first and a last month, the first not after the last.")
    return current(kind if kind in CURRENT else "month", today), None
