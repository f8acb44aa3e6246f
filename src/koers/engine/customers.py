"""Customer metrics: the customer pyramid, lifecycle flows, retention and lifetime value.

Inputs are order revenue per account and month (integer cents); nothing here rounds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

PYRAMID_CLASSES = ("top", "large", "medium", "small", "inactive")


@dataclass(frozen=True)
class PyramidThresholds:
    """Minimum revenue over the last twelve months, in euros, for each class; an account
    with no revenue is inactive."""

    top: int = 250_000
    large: int = 50_000
    medium: int = 10_000

    def __post_init__(self) -> None:
        if not self.top > self.large > self.medium > 0:
            raise ValueError("pyramid thresholds must fall: top > large > medium > 0")


def _check(frame: pl.DataFrame) -> None:
    expected = {"account_id": pl.Int64, "month": pl.Date, "revenue_cents": pl.Int64}
    for column, dtype in expected.items():
        if column not in frame.columns or frame.schema[column] != dtype:
            raise ValueError(f"revenue: column {column!r} must be {dtype}")


def pyramid(
    revenue: pl.DataFrame,
    accounts: pl.Series,
    end: dt.date,
    thresholds: PyramidThresholds = PyramidThresholds(),
) -> pl.DataFrame:  # noqa: B008
    """Class per account from its revenue in the twelve months up to ``end``:
    account_id, revenue_cents (12 months), class. Accounts without revenue are inactive."""
    _check(revenue)
    start = dt.date(end.year - 1, end.month, 1)  # the window is the 12 months after this
    window = revenue.filter(pl.col("month") > start, pl.col("month") <= end)
    totals = window.group_by("account_id").agg(pl.col("revenue_cents").sum())
    every = (
        pl.DataFrame({"account_id": accounts.cast(pl.Int64)})
        .join(totals, on="account_id", how="left")
        .with_columns(pl.col("revenue_cents").fill_null(0))
    )
    euros = pl.col("revenue_cents") / 100
    klass = (
        pl.when(euros >= thresholds.top)
        .then(pl.lit("top"))
        .when(euros >= thresholds.large)
        .then(pl.lit("large"))
        .when(euros >= thresholds.medium)
        .then(pl.lit("medium"))
        .when(pl.col("revenue_cents") > 0)
        .then(pl.lit("small"))
        .otherwise(pl.lit("inactive"))
    )
    return every.with_columns(klass.alias("class"))


def pyramid_summary(classes: pl.DataFrame) -> list[dict[str, object]]:
    """Per class: number of accounts, their revenue and its share of all revenue."""
    total = int(classes["revenue_cents"].sum())
    rows = []
    for name in PYRAMID_CLASSES:
        part = classes.filter(pl.col("class") == name)
        revenue = int(part["revenue_cents"].sum())
        rows.append(
            {
                "class": name,
                "accounts": part.height,
                "revenue_cents": revenue,
                "share": revenue / total * 100 if total else None,
            }
        )
    return rows


@dataclass(frozen=True)
class Flows:
    """Customers in a year (``start``..``end``) compared with the year before."""

    active_before: int  # ordered in the year before
    retained: int  # ordered in both years
    new: int  # first order ever in this year
    won_back: int  # ordered this year, not the year before, but earlier
    lost: int  # ordered the year before, not this year
    active: int  # ordered this year

    @property
    def retention(self) -> float | None:
        """Retained ÷ active the year before, as a percentage."""
        return self.retained / self.active_before * 100 if self.active_before else None


def flows(
    revenue: pl.DataFrame, start: dt.date, end: dt.date, first: dict[int, dt.date] | None = None
) -> Flows:
    """Lifecycle flows of the year ``start``..``end`` against the 12 months before it.
    ``first``: each account's first month with revenue in its whole history (when
    ``revenue`` holds only part of it), so "new" means a first order ever."""
    _check(revenue)
    before_start = dt.date(start.year - 1, start.month, start.day)
    buying = revenue.filter(pl.col("revenue_cents") > 0)
    this = set(buying.filter(pl.col("month").is_between(start, end))["account_id"])
    before = set(
        buying.filter((pl.col("month") >= before_start) & (pl.col("month") < start))["account_id"]
    )
    earlier = set(buying.filter(pl.col("month") < before_start)["account_id"])
    if first is not None:
        earlier |= {a for a, m in first.items() if m < before_start}
    fresh = this - before
    return Flows(
        active_before=len(before),
        retained=len(this & before),
        new=len(fresh - earlier),
        won_back=len(fresh & earlier),
        lost=len(before - this),
        active=len(this),
    )


LIFECYCLE = ("potential", "new", "loyal", "ex")


def lifecycle(
    accounts: list[int], first: dict[int, dt.date], last: dict[int, dt.date], start: dt.date
) -> dict[str, int]:
    """Where each account stands in the customer relationship cycle on the year from
    ``start`` (``first`` and ``last``: its first and last month with revenue, ever):
    potential, never bought; new, first bought in the year; loyal, bought in the year and
    before it; ex, bought before but not in the year. Every account is in exactly one."""
    counts = dict.fromkeys(LIFECYCLE, 0)
    for account in accounts:
        if account not in first:
            counts["potential"] += 1
        elif first[account] >= start:
            counts["new"] += 1
        elif last[account] >= start:
            counts["loyal"] += 1
        else:
            counts["ex"] += 1
    return counts


def lifetime_value(
    margin_per_customer_year_cents: float, retention_pct: float | None, max_years: int = 20
) -> float | None:
    """Customer lifetime value in cents: yearly gross margin per active customer × the
    expected number of years a customer stays, 1 ÷ (1 - retention), at most ``max_years``
    (no discounting). None without a retention rate."""
    if retention_pct is None:
        return None
    churn = 1 - retention_pct / 100
    years = max_years if churn <= 0 else min(1 / churn, max_years)
    return margin_per_customer_year_cents * years


def retention_effect(
    margin_per_customer_year_cents: float,
    retention_pct: float | None,
    customers: int,
    points: float = 1.0,
    max_years: int = 20,
) -> tuple[float, float, float] | None:
    """What ``points`` percentage points more retention are worth over the customers'
    lifetime: (extra lifetime margin per customer in cents, for all ``customers``, and as a
    share of their lifetime margin now). None without a retention rate or any lifetime
    margin, or when retention is already at 100%."""
    now = lifetime_value(margin_per_customer_year_cents, retention_pct, max_years)
    if not now or retention_pct is None or retention_pct >= 100:
        return None
    better = lifetime_value(
        margin_per_customer_year_cents, min(retention_pct + points, 100.0), max_years
    )
    extra = (better or 0.0) - now
    return extra, extra * customers, extra / now


@dataclass(frozen=True)
class ServiceRates:
    """What serving a customer costs, in cents: a visit, a call, handling a return."""

    visit: int = 15_000
    call: int = 1_500
    return_line: int = 4_000


def customer_profitability(
    classes: pl.DataFrame, margins: pl.DataFrame, services: pl.DataFrame, rates: ServiceRates
) -> pl.DataFrame:
    """Per account (``classes``: account_id, revenue_cents, class, from :func:`pyramid`):
    its gross margin at list prices, the cost to serve it and their difference, the
    customer's profit.

    ``margins``: account_id, margin_cents (the margin realised, after discounts);
    ``services``: account_id, visits, calls, returns (counts) and, optionally,
    discount_cents (list price less the price paid). The cost to serve is the visits, calls
    and returns at ``rates`` plus the discounts; the margin at list price is the realised
    margin plus the discounts, so a discount is counted once, as a cost of serving the
    customer: profit = margin at list price − cost to serve = realised margin − handling.
    Accounts without margin or service rows count zero for them."""
    if "discount_cents" not in services.columns:
        services = services.with_columns(pl.lit(0, dtype=pl.Int64).alias("discount_cents"))
    handling = (
        pl.col("visits") * rates.visit
        + pl.col("calls") * rates.call
        + pl.col("returns") * rates.return_line
    ).cast(pl.Int64)
    served = services.select(
        "account_id",
        handling.alias("handling_cents"),
        pl.col("discount_cents").cast(pl.Int64),
        "visits",
        "calls",
        "returns",
    )
    return (
        classes.join(margins, on="account_id", how="left")
        .join(served, on="account_id", how="left")
        .with_columns(
            pl.col("margin_cents").fill_null(0).cast(pl.Int64),
            pl.col("handling_cents").fill_null(0),
            pl.col("discount_cents").fill_null(0),
            pl.col("visits").fill_null(0),
            pl.col("calls").fill_null(0),
            pl.col("returns").fill_null(0),
        )
        .with_columns(
            (pl.col("margin_cents") + pl.col("discount_cents")).alias("list_margin_cents"),
            (pl.col("handling_cents") + pl.col("discount_cents")).alias("serve_cents"),
            (pl.col("margin_cents") - pl.col("handling_cents")).alias("profit_cents"),
        )
    )


def profitability_by_class(rows: pl.DataFrame) -> list[dict[str, Any]]:
    """The customer pyramid with margin, cost to serve and profit per class, and how many
    of its customers cost more than they bring."""
    found = {
        r["class"]: r
        for r in rows.group_by("class")
        .agg(
            pl.len().alias("accounts"),
            pl.col("revenue_cents").sum(),
            pl.col("margin_cents").sum(),
            pl.col("list_margin_cents").sum(),
            pl.col("discount_cents").sum(),
            pl.col("serve_cents").sum(),
            pl.col("profit_cents").sum(),
            (pl.col("profit_cents") < 0).sum().alias("losing"),
        )
        .iter_rows(named=True)
    }
    return [found[c] for c in PYRAMID_CLASSES if c in found]


def account_month_facts(lines: pl.DataFrame) -> pl.DataFrame:
    """``lines``: account_id, date, amount_cents, cost_cents (null when unknown). Revenue
    and gross margin (of the lines with a cost) per account and month, in cents."""
    margin = pl.col("amount_cents") - pl.col("cost_cents")
    return lines.group_by("account_id", pl.col("date").dt.truncate("1mo").alias("month")).agg(
        pl.col("amount_cents").sum().cast(pl.Int64).alias("revenue_cents"),
        margin.fill_null(0).sum().cast(pl.Int64).alias("margin_cents"),
    )
