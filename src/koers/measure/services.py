"""Refreshing the KPI facts from the sales data, set-based, for a range of months."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl
from django.db import connection, transaction

from koers.core.bulk import (
    bulk_insert,
    dates_between,
    ids_in,
    new_account_sql,
    query_frame,
    replace_rows,
)
from koers.engine import kpi
from koers.engine.custom_kpi import SOURCES, measure_facts, ratio_facts
from koers.engine.customers import account_month_facts
from koers.engine.periods import add_months, month_start
from koers.measure.catalogue import custom_kpis, measure_of
from koers.measure.freshness import stale_months, stale_scopes
from koers.measure.models import (
    CustomKpi,
    KpiFact,
    StaleMonth,
    StaleScope,
)
from koers.sales.status import counted_sql

I64, DATE = pl.Int64, pl.Date


NEW_ACCOUNT = new_account_sql("acc")


def _inputs(
    start: dt.date,
    end: dt.date,
    only: tuple[str, ...] | None = None,
    people: Iterable[int] | None = None,
) -> dict[str, pl.DataFrame]:
    """The engine's input frames for ``start``..``end`` (all, or those named in ``only``),
    each one query; with ``people``, only the rows that count for them."""
    queries = _input_queries(start, end, people)
    return {
        name: query_frame(sql, schema)
        for name, (sql, schema) in queries.items()
        if only is None or name in only
    }


# a refresh of at most this many months reads each line's credits by the line's index
LATERAL_MONTHS = 3


def _credited_lines(people: list[int] | None, start: dt.date, end: dt.date) -> str:
    """SQL (a FROM clause): the order lines ``l`` with each of their credits ``c``. For a
    few months of everyone on PostgreSQL (a nightly or a month's refresh), each line's
    credits are read by the line's index entry, a lateral look-up the planner may not turn
    into a join: joined, it hashed every credit ever stored to find a few months' (at scale
    100 a month's credits in 1.3 s instead of 2.1 s, its payments in 1.0 s instead of
    2.2 s). Over many months the one hash join is faster (two years at scale 10: 2.5 s
    against 3.2 s); for a few people, and on SQLite, the credits lead, by the person's
    index."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if people is None and months <= LATERAL_MONTHS and connection.vendor == "postgresql":
        return (
            "sales_orderline l CROSS JOIN LATERAL (SELECT c.person_id, c.percent "
            "FROM sales_orderlinecredit c WHERE c.line_id = l.id OFFSET 0) c"
        )
    return "sales_orderlinecredit c JOIN sales_orderline l ON l.id = c.line_id"


def _input_queries(
    start: dt.date, end: dt.date, people: Iterable[int] | None = None
) -> dict[str, tuple[str, dict[str, Any]]]:
    cents = "CAST(ROUND({} * 100) AS BIGINT)"
    people = None if people is None else sorted(set(people))
    return {
        "activities": (
            f"SELECT a.owner_id, a.date, a.kind, a.duration_minutes, {NEW_ACCOUNT}, "
            "acc.segment FROM sales_activity a "
            "LEFT JOIN sales_account acc ON acc.id = a.account_id "
            f"WHERE {dates_between('a.date', start, end)}{ids_in('a.owner_id', people)}",
            {
                "person_id": I64,
                "date": DATE,
                "kind": pl.Utf8,
                "minutes": I64,
                "new_account": pl.Boolean,
                "segment": pl.Utf8,
            },
        ),
        "credits": (
            f"SELECT l.id, c.person_id, l.order_date, {cents.format('l.reporting_amount')}, "
            f"{cents.format('l.reporting_cost')}, CAST(ROUND(l.quantity * 1000) AS BIGINT), "
            f"{cents.format('c.percent')}, p.group_id, acc.segment, {NEW_ACCOUNT} "
            f"FROM {_credited_lines(people, start, end)} "
            "LEFT JOIN sales_product p ON p.id = l.product_id "
            "JOIN sales_account acc ON acc.id = l.account_id "
            f"WHERE {dates_between('l.order_date', start, end)} AND {counted_sql('l')}"
            f"{ids_in('c.person_id', people)}",
            {
                "line_id": I64,
                "person_id": I64,
                "date": DATE,
                "amount_cents": I64,
                "cost_cents": I64,
                "quantity": I64,
                "share_bp": I64,
                "product_group_id": I64,
                "segment": pl.Utf8,
                "new_account": pl.Boolean,
            },
        ),
        "opportunities": (
            # a creation date an import made up (flagged, not yet fixed) is no date: the
            # deal is no new opportunity of the import's month
            "SELECT o.owner_id, CASE WHEN EXISTS (SELECT 1 FROM imports_dataqualityflag f "
            "WHERE f.\"table\" = 'sales_opportunity' AND f.record_id = o.id "
            "AND f.field = 'created_on' AND f.resolved_at IS NULL) THEN NULL "
            "ELSE o.created_on END, o.closed_on, s.kind, "
            f"{cents.format('o.reporting_amount')}, "
            "CASE WHEN o.is_new_business THEN 1 ELSE 0 END, o.product_group_id, acc.segment "
            "FROM sales_opportunity o JOIN sales_stage s ON s.id = o.stage_id "
            "JOIN sales_account acc ON acc.id = o.account_id "
            f"WHERE ({dates_between('o.created_on', start, end)} "
            f"OR {dates_between('o.closed_on', start, end)}){ids_in('o.owner_id', people)}",
            {
                "person_id": I64,
                "created_on": DATE,
                "closed_on": DATE,
                "outcome": pl.Utf8,
                "amount_cents": I64,
                "new_business": pl.Boolean,
                "product_group_id": I64,
                "segment": pl.Utf8,
            },
        ),
        "leads": (
            "SELECT l.owner_id, l.created_on, l.source, acc.segment FROM sales_lead l "
            "LEFT JOIN sales_account acc ON acc.id = l.account_id "
            f"WHERE {dates_between('l.created_on', start, end)} AND l.owner_id IS NOT NULL"
            f"{ids_in('l.owner_id', people)}",
            {"person_id": I64, "date": DATE, "source": pl.Utf8, "segment": pl.Utf8},
        ),
        "payments": (
            f"SELECT c.person_id, l.paid_date, l.invoice_date, "
            "CAST(ROUND(l.reporting_amount * c.percent) AS BIGINT) "
            f"FROM {_credited_lines(people, start, end)} "
            f"WHERE {dates_between('l.paid_date', start, end)} AND {counted_sql('l')}"
            f"{ids_in('c.person_id', people)}",
            {"person_id": I64, "paid_date": DATE, "invoice_date": DATE, "amount_cents": I64},
        ),
        "answers": (
            "SELECT COALESCE(n.person_id, acc.owner_id), n.responded_on, n.score "
            "FROM sales_npsresponse n JOIN sales_account acc ON acc.id = n.account_id "
            f"WHERE {dates_between('n.responded_on', start, end)} "
            "AND COALESCE(n.person_id, acc.owner_id) IS NOT NULL"
            f"{ids_in('COALESCE(n.person_id, acc.owner_id)', people)}",
            {"person_id": I64, "date": DATE, "score": I64},
        ),
        # each person's own commit call of the months that have closed (forecast accuracy)
        "calls": (
            f"SELECT f.person_id, f.month, {cents.format(COMMIT)} "
            "FROM forecast_forecastcall f "
            f"WHERE {dates_between('f.month', start, min(end, _last_closed_day()))}"
            f"{ids_in('f.person_id', people)}",
            {"person_id": I64, "month": DATE, "commit_cents": I64},
        ),
    }


COMMIT = 'f."commit"'  # a reserved word in SQL: quoted


def _last_closed_day() -> dt.date:
    """The last day of the month before today's: a month still running has no accuracy."""
    from django.utils import timezone

    return month_start(timezone.localdate()) - dt.timedelta(days=1)


def _order_lines(
    start: dt.date, end: dt.date, accounts: Iterable[int] | None = None
) -> pl.DataFrame:
    """Every order line of the period, credited or not: what the customer bought (of
    ``accounts`` only, when given)."""
    return query_frame(
        "SELECT l.account_id, l.order_date, CAST(ROUND(l.reporting_amount * 100) AS BIGINT), "
        "CAST(ROUND(l.reporting_cost * 100) AS BIGINT) FROM sales_orderline l "
        f"WHERE {dates_between('l.order_date', start, end)} AND {counted_sql('l')}"
        f"{ids_in('l.account_id', accounts)}",
        {"account_id": I64, "date": DATE, "amount_cents": I64, "cost_cents": I64},
    )


def compute_facts(start: dt.date, end: dt.date) -> pl.DataFrame:
    """Every KPI's facts, built-in and custom, for the months ``start``..``end``."""
    return _compute(_inputs(start, end), start, end)


def _compute(frames: dict[str, pl.DataFrame], start: dt.date, end: dt.date) -> pl.DataFrame:
    customs = custom_kpis()
    facts = pl.concat(
        [
            kpi.activity_facts(frames["activities"]),
            kpi.lead_facts(frames["activities"], frames["leads"]),
            kpi.order_facts(frames["credits"]),
            kpi.opportunity_facts(frames["opportunities"]),
            kpi.payment_facts(frames["payments"]),
            kpi.nps_facts(frames["answers"]),
            *[
                measure_facts(frames, measure_of(c))
                for c in customs
                if c.kind == CustomKpi.Kind.MEASURE
            ],
        ]
    )
    facts = pl.concat(
        [
            facts,
            *[
                ratio_facts(facts, c.code, c.numerator, c.denominator)
                for c in customs
                if c.kind == CustomKpi.Kind.RATIO
            ],
        ]
    )
    if "calls" in frames and kpi.grain() == "1mo":
        facts = pl.concat([facts, kpi.forecast_accuracy_facts(frames["calls"], facts)])
    in_range = pl.col("month").is_between(start, end)
    return facts.filter(in_range & pl.col("person_id").is_not_null())


DATA_SOURCES = (
    ("OrderLine", "order_date"),
    ("Activity", "date"),
    ("Opportunity", "created_on"),
    ("Lead", "created_on"),
    ("NpsResponse", "responded_on"),
)


def _data_days(how: Any) -> list[dt.date]:
    from koers.sales import models as sm

    days = [
        getattr(sm, model).objects.aggregate(day=how(field))["day"] for model, field in DATA_SOURCES
    ]
    return [d for d in days if d is not None]


def first_data_day() -> dt.date | None:
    """The earliest date of any record the KPI facts are computed from (None: no data)."""
    from django.db.models import Min

    return min(_data_days(Min), default=None)


def last_data_day() -> dt.date | None:
    """The latest date of any record the KPI facts are computed from (None: no data)."""
    from django.db.models import Max

    return max(_data_days(Max), default=None)


@transaction.atomic
def kpi_facts_refresh(*, start: dt.date, end: dt.date) -> int:
    """Recompute every KPI fact of the months from ``start`` to ``end`` (inclusive) and
    replace what was stored for them; returns the number of facts stored."""
    first, last = month_start(start), add_months(end, 1) - dt.timedelta(days=1)
    stored = _replace_facts(first, last)
    StaleMonth.objects.filter(month__gte=first, month__lte=last).delete()
    StaleScope.objects.filter(month__gte=first, month__lte=last).delete()
    return stored


# Keys of one month a scoped refresh takes at most: past this, the whole month is cheaper.
SCOPE_LIMIT = 500


@transaction.atomic
def refresh_scope(month: dt.date, people: Iterable[int], accounts: Iterable[int]) -> int:
    """Recompute only ``people``'s KPI and product group facts and ``accounts``' month
    facts of ``month`` (the keys a record edit touched) and replace what was stored for
    them: the same facts a refresh of the whole month stores for them. Returns the number
    of KPI facts stored."""
    first = month_start(month)
    people, accounts = sorted(set(people)), sorted(set(accounts))
    stored = _replace_facts(first, add_months(first, 1) - dt.timedelta(days=1), people, accounts)
    done = StaleScope.objects.filter(month=first)
    done.filter(person_id__in=people).delete()
    done.filter(account_id__in=accounts).delete()
    return stored


def _replace_facts(
    first: dt.date,
    last: dt.date,
    people: list[int] | None = None,
    accounts: list[int] | None = None,
) -> int:
    """Compute the KPI, product group and account facts of ``first``..``last`` (of
    ``people`` and ``accounts`` only, when given; none of them when given empty) and make
    the stored ones equal. Only what differs is written: a refresh with nothing changed
    writes nothing, and an edit rewrites the facts it changed. Returns the KPI facts
    computed."""
    in_range = dates_between("month", first, last)
    stored = 0
    if people is None or people:
        frames = _inputs(first, last, people=people)
        facts = _compute(frames, first, last)
        groups = kpi.group_facts(frames["credits"]).filter(pl.col("month").is_between(first, last))
        theirs = in_range + ids_in("person_id", people)
        replace_rows("measure_groupsalesfact", groups, theirs)
        replace_rows("measure_kpifact", facts.select(list(kpi.FACT_SCHEMA)), theirs)
        stored = facts.height
    if accounts is None or accounts:
        bought = account_month_facts(_order_lines(first, last, accounts))
        replace_rows("measure_accountmonthfact", bought, in_range + ids_in("account_id", accounts))
    return stored


def day_facts(first: dt.date, last: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every KPI's facts and the product group sales of the days ``first``..``last``, per
    person and *day*, computed from the records: the part of a month that a like-for-like
    comparison needs (whole months come from the stored facts)."""
    frames = _inputs(first, last)
    with kpi.by_day():
        facts = _compute(frames, first, last)
        groups = kpi.group_facts(frames["credits"])
    return facts, groups.filter(pl.col("month").is_between(first, last))


def history_bounds() -> tuple[dt.date, dt.date] | None:
    """The first and last month that hold KPI facts (None before the first refresh)."""
    from django.db.models import Max, Min

    row = KpiFact.objects.aggregate(first=Min("month"), last=Max("month"))
    return (row["first"], row["last"]) if row["first"] else None


@transaction.atomic
def custom_kpi_refresh(custom: CustomKpi) -> int:
    """Compute one custom KPI's facts over the whole history and replace its old ones.
    A measure reads its source; a ratio reads the stored facts of its two KPIs."""
    KpiFact.objects.filter(kpi=custom.code).delete()
    bounds = history_bounds()
    if bounds is None:
        return 0
    first, last = bounds[0], add_months(bounds[1], 1) - dt.timedelta(days=1)
    if custom.kind == CustomKpi.Kind.RATIO:
        stored = pl.DataFrame(
            list(
                KpiFact.objects.filter(kpi__in=[custom.numerator, custom.denominator]).values_list(
                    "kpi", "person_id", "month", "numerator", "denominator"
                )
            ),
            schema=kpi.FACT_SCHEMA,
            orient="row",
        )
        facts = ratio_facts(stored, custom.code, custom.numerator, custom.denominator)
    else:
        measure = measure_of(custom)
        facts = measure_facts(_inputs(first, last, only=(SOURCES[custom.source][0],)), measure)
    in_range = pl.col("month").is_between(first, last) & pl.col("person_id").is_not_null()
    return bulk_insert("measure_kpifact", facts.filter(in_range))


def custom_kpi_save(*, custom: CustomKpi, by) -> int:  # type: ignore[no-untyped-def]
    """Validate and save a custom KPI and compute its facts, all or nothing; returns the
    number of facts stored."""
    from koers.core.services import record_save

    with transaction.atomic():
        record_save(obj=custom, by=by)
        return custom_kpi_refresh(custom)


# ---------------------------------------------------------------- the stale months
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
    """Refresh what is stale from ``start`` to ``end``: whole months where a change reached
    everyone, else only the people and accounts an edit touched; returns the months."""
    whole = set(refresh_months(stale_months(start, end)))
    scoped = {m: keys for m, keys in stale_scopes(start, end).items() if m not in whole}
    for month, (people, accounts) in scoped.items():
        if len(people) + len(accounts) > SCOPE_LIMIT:
            refresh_months([month])
        else:
            refresh_scope(month, people, accounts)
    return sorted(whole | set(scoped))
