"""The customers page: pyramid, lifecycle, retention, lifetime value and NPS."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from koers.engine import kpi
from koers.engine.customers import (
    PyramidThresholds,
    flows,
    lifecycle,
    lifetime_value,
    pyramid,
    pyramid_summary,
    retention_effect,
)
from koers.engine.periods import add_months, month_start
from koers.measure.memo import memo_page
from koers.measure.models import AccountMonthFact, PyramidSettings
from koers.org import visibility as vis


def thresholds() -> PyramidThresholds:
    stored = PyramidSettings.objects.first()
    if stored is None:
        return PyramidThresholds()
    return PyramidThresholds(top=stored.top, large=stored.large, medium=stored.medium)


def _monthly_revenue(accounts, since: dt.date) -> pl.DataFrame:
    """Revenue per account and month from the pre-aggregated facts."""
    rows = AccountMonthFact.objects.filter(
        account__in=accounts.values("pk"), month__gte=month_start(since)
    ).values_list("account_id", "month", "revenue_cents", "margin_cents")
    return pl.DataFrame(
        list(rows),
        schema={
            "account_id": pl.Int64,
            "month": pl.Date,
            "revenue_cents": pl.Int64,
            "margin_cents": pl.Int64,
        },
        orient="row",
    )


def _first_and_last(accounts) -> tuple[dict[int, dt.date], dict[int, dt.date]]:
    """Each account's first and last month with revenue, over the whole history."""
    from django.db.models import Max, Min

    rows = (
        AccountMonthFact.objects.filter(account__in=accounts.values("pk"), revenue_cents__gt=0)
        .values("account")
        .annotate(first=Min("month"), last=Max("month"))
        .order_by()
        .values_list("account", "first", "last")
    )
    first, last = {}, {}
    for account, f, l_ in rows:
        first[account], last[account] = f, l_
    return first, last


def _nps(user: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Promoters, passives and detractors counted in the database; NPS by the engine's
    definition."""
    answers = vis.visible_nps(user).filter(responded_on__gte=start, responded_on__lte=end)
    counts = answers.aggregate(
        total=Count("pk"),
        promoters=Count("pk", filter=Q(score__gte=kpi.PROMOTER_MIN)),
        detractors=Count("pk", filter=Q(score__lte=kpi.DETRACTOR_MAX)),
    )
    total, promoters, detractors = counts["total"], counts["promoters"], counts["detractors"]
    score = kpi.value(kpi.CATALOGUE["nps"], promoters - detractors, total)
    comments = answers.exclude(comment="").select_related("account").order_by("-responded_on")[:12]
    return {
        "total": total,
        "promoters": promoters,
        "passives": total - promoters - detractors,
        "detractors": detractors,
        "comments": comments,
        "score": round(score) if score is not None else None,
    }


def customers_page(request: HttpRequest) -> HttpResponse:
    """Computed once per scope, day and refresh of the facts (``koers.measure.memo``)."""
    return memo_page(
        request,
        "customers_html",
        (),
        ("measure/customers.html", "measure/customers_body.html"),
        lambda: _customers(request.user),
    )


def _customers(user: Any) -> dict[str, Any]:
    today = timezone.localdate()
    accounts = vis.visible_accounts(user)
    revenue = _monthly_revenue(accounts, add_months(today, -36))
    ids = pl.Series(list(accounts.values_list("pk", flat=True)), dtype=pl.Int64)
    limits = thresholds()
    classes = pyramid(revenue, ids, today, limits)
    year_start = add_months(month_start(today), -11)
    first, last = _first_and_last(accounts)
    flow = flows(revenue, year_start, today, first)
    margin = revenue.filter(pl.col("month") >= year_start)["margin_cents"].sum()
    per_customer = float(margin or 0) / flow.active if flow.active else 0.0
    stages = lifecycle(list(ids), first, last, year_start)
    return {
        "pyramid": pyramid_summary(classes),
        "limits": limits,
        "flow": flow,
        "clv": lifetime_value(per_customer, flow.retention),
        "retention_point": retention_effect(per_customer, flow.retention, flow.active),
        "margin_per_customer": per_customer,
        "lifecycle": stages,
        "nps": _nps(user, add_months(month_start(today), -11), today),
        "year_start": year_start,
        "today": today,
    }
