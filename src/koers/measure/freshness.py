"""Facts that follow the data: which (person or account, month) keys changed.

Imports refresh the months they touched as they commit; a record saved through a form or
the API marks the keys it touched stale: the people its figures count for and the account
it was sold to, in the months of its dates before and after the change (``StaleScope``),
or the whole month where a change reaches everyone (``StaleMonth``). A calculation run
refreshes the stale keys of the months it reads before paying on them, and a refresh
recomputes only those keys (the refreshing itself: ``koers.measure.services``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from koers.engine.periods import month_start
from koers.measure.models import StaleMonth, StaleScope

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


def mark_stale(
    months: Iterable[dt.date],
    people: Iterable[int | None] | None = None,
    accounts: Iterable[int | None] | None = None,
) -> None:
    """``months`` are stale: whole, or only for ``people`` and ``accounts`` when either is
    given (a record edit that touched only their figures)."""
    months = sorted(set(months))
    if people is None and accounts is None:
        StaleMonth.objects.bulk_create([StaleMonth(month=m) for m in months], ignore_conflicts=True)
        return
    keys = [("person_id", p) for p in set(people or ()) if p is not None]
    keys += [("account_id", a) for a in set(accounts or ()) if a is not None]
    StaleScope.objects.bulk_create(
        [StaleScope(month=m, **{field: value}) for m in months for field, value in keys],
        ignore_conflicts=True,
    )


def stale_scopes(start: dt.date, end: dt.date) -> dict[dt.date, tuple[set[int], set[int]]]:
    """Per month from ``start`` to ``end``: the people and the accounts whose facts are
    stale."""
    found: dict[dt.date, tuple[set[int], set[int]]] = {}
    rows = StaleScope.objects.filter(month__gte=month_start(start), month__lte=end)
    for month, person, account in rows.values_list("month", "person_id", "account_id"):
        people, accounts = found.setdefault(month, (set(), set()))
        if person is not None:
            people.add(person)
        if account is not None:
            accounts.add(account)
    return found


def months_to_refresh() -> list[dt.date]:
    """Every month with stale figures, whole or for some people or accounts."""
    whole = set(StaleMonth.objects.values_list("month", flat=True))
    return sorted(whole | set(StaleScope.objects.values_list("month", flat=True).distinct()))


def stale_months(start: dt.date, end: dt.date) -> list[dt.date]:
    return list(
        StaleMonth.objects.filter(month__gte=month_start(start), month__lte=end).values_list(
            "month", flat=True
        )
    )
