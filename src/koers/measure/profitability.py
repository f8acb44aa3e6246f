"""Measure → Customers → Customer profitability: each class of the customer pyramid with
its gross margin, what serving it costs (visits, calls and handling returns, at rates the
reader sets) and the difference, and the customers that cost more than they bring; over
the last twelve whole months, the customers the reader may see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
from django import forms
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koers.engine.customers import (
    ServiceRates,
    customer_profitability,
    profitability_by_class,
    pyramid,
)
from koers.engine.money import to_cents
from koers.engine.periods import last_twelve_months
from koers.kit.fields import LocalDecimalField
from koers.measure.customers import _monthly_revenue, thresholds
from koers.measure.memo import memo
from koers.org import visibility as vis
from koers.sales import models as sm

SHOWN = 25  # the customers that cost most, listed by name
DEFAULTS = ServiceRates()


def _rate(label: Any) -> LocalDecimalField:
    return LocalDecimalField(
        label=label, required=False, max_digits=10, decimal_places=2, min_value=0
    )


class RatesForm(forms.Form):
    visit = _rate(_("Cost of a visit (€)"))
    call = _rate(_("Cost of a call (€)"))
    return_line = _rate(_("Cost of handling a return (€)"))

    def rates(self) -> ServiceRates:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}

        def cents(name: str) -> int:
            value = data.get(name)
            return to_cents(value) if value is not None else getattr(DEFAULTS, name)

        return ServiceRates(
            visit=cents("visit"), call=cents("call"), return_line=cents("return_line")
        )


def services_of(accounts: Any, first: dt.date, last: dt.date) -> pl.DataFrame:
    """Visits, calls and returned order lines per account over ``first``..``last``."""
    activity = {
        row["account"]: row
        for row in sm.Activity.objects.filter(
            account__in=accounts.values("pk"), date__range=(first, last)
        )
        .values("account")
        .annotate(
            visits=Count("pk", filter=Q(kind=sm.Activity.Kind.VISIT)),
            calls=Count("pk", filter=Q(kind=sm.Activity.Kind.CALL)),
        )
        .order_by()
    }
    returns = dict(
        sm.OrderLine.objects.filter(
            account__in=accounts.values("pk"), order_date__range=(first, last), amount__lt=0
        )
        .exclude(status=sm.OrderLine.Status.CANCELLED)
        .values("account")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("account", "n")
    )
    discounts = discounts_of(accounts, first, last)
    ids = sorted(activity.keys() | returns.keys() | discounts.keys())
    return pl.DataFrame(
        {
            "account_id": ids,
            "visits": [activity.get(a, {}).get("visits", 0) for a in ids],
            "calls": [activity.get(a, {}).get("calls", 0) for a in ids],
            "returns": [returns.get(a, 0) for a in ids],
            "discount_cents": [discounts.get(a, 0) for a in ids],
        },
        schema={
            "account_id": pl.Int64,
            "visits": pl.Int64,
            "calls": pl.Int64,
            "returns": pl.Int64,
            "discount_cents": pl.Int64,
        },
    )


def discounts_of(accounts: Any, first: dt.date, last: dt.date) -> dict[int, int]:
    """Per account, the discount given over ``first``..``last`` in reporting cents: on each
    sale line of a product with a list price in the line's own currency, the list price
    times the quantity less the amount (when less was paid), at the line's own rate to the
    reporting currency (its reporting amount ÷ its amount). Lines in another currency than
    their product's list price, and lines without a product, carry no known discount."""
    listed = ExpressionWrapper(
        F("product__list_price") * F("quantity"), output_field=DecimalField()
    )
    given = ExpressionWrapper(
        (F("listed") - F("amount")) * F("reporting_amount") / F("amount"),
        output_field=DecimalField(),
    )
    rows = (
        sm.OrderLine.objects.filter(
            account__in=accounts.values("pk"),
            order_date__range=(first, last),
            kind=sm.OrderLine.Kind.SALE,
            amount__gt=0,
            reporting_amount__isnull=False,
            product__list_price__gt=0,
            currency=F("product__currency"),
        )
        .exclude(status=sm.OrderLine.Status.CANCELLED)
        .annotate(listed=listed)
        .filter(listed__gt=F("amount"))
        .values("account")
        .annotate(discount=Sum(given))
        .order_by()
        .values_list("account", "discount")
    )
    return {account: to_cents(Decimal(str(d))) for account, d in rows if d}


def profitability_page(request: HttpRequest) -> HttpResponse:
    vis.require_role(request.user, vis.ANY_ROLE)
    form = RatesForm(request.GET or None)
    rates = form.rates()
    today = timezone.localdate()
    first, last = last_twelve_months(today)

    def compute() -> dict[str, Any]:
        accounts = vis.visible_accounts(request.user)
        revenue = _monthly_revenue(accounts, first).filter(pl.col("month") <= last)
        ids = pl.Series(list(accounts.values_list("pk", flat=True)), dtype=pl.Int64)
        classes = pyramid(revenue, ids, last, thresholds())
        margins = revenue.group_by("account_id").agg(pl.col("margin_cents").sum())
        rows = customer_profitability(classes, margins, services_of(accounts, first, last), rates)
        losing = rows.filter(pl.col("profit_cents") < 0).sort("profit_cents").head(SHOWN)
        names = dict(
            sm.Account.objects.filter(pk__in=losing["account_id"].to_list()).values_list(
                "pk", "name"
            )
        )
        return {
            "classes": profitability_by_class(rows),
            "losing": [
                {**r, "name": names.get(r["account_id"], "")} for r in losing.iter_rows(named=True)
            ],
            "losing_total": int((rows["profit_cents"] < 0).sum()),
        }

    # kept per scope and rates until the facts change (an activity or order line edited
    # or imported raises their version)
    figures = memo("customer_profitability", request.user, tuple(vars(rates).values()), compute)
    context = {
        **figures,
        "form": form,
        "rates": {k: Decimal(v) / 100 for k, v in vars(rates).items()},
        "first": first,
        "last": last,
    }
    return render(request, "measure/profitability.html", context)
