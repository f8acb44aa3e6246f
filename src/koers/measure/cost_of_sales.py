"""Measure → Cost of sales: per salesperson and team over the last twelve whole months, the
base salary for the months employed (prorated by FTE as stored: the annual salary ÷ 12 per
month), the pay of Reward's payouts of those months, and the gross margin they brought
(the KPI facts), with cost of sales as a share of that margin. Pay: only the roles that see
pay. Expenses (travel, car, meals...) are each person's expense lines of those months, in
the reporting currency at the rate of their date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from koers.engine.money import quantize_money
from koers.engine.periods import add_months, last_twelve_months
from koers.measure.selectors import kpi_values_by_person
from koers.org import visibility as vis
from koers.org.models import Person, Role


def months_employed(person: Person, first: dt.date, last: dt.date) -> int:
    """Whole months of ``first``..``last`` the person was employed in (any day of it)."""
    count, month = 0, first
    while month <= last:
        end = add_months(month, 1) - dt.timedelta(days=1)
        started = person.start_date is None or person.start_date <= end
        left = person.end_date is not None and person.end_date < month
        count += started and not left
        month = add_months(month, 1)
    return count


def expenses_by_person(
    ids: list[int], first: dt.date, last: dt.date
) -> tuple[dict[int, Decimal], int]:
    """Per person, their expenses over ``first``..``last`` in the reporting currency, and
    how many lines had no exchange rate for their date (left out)."""
    from koers.measure.models import Expense
    from koers.sales.currency import converted

    totals: dict[int, Decimal] = {}
    missing = 0
    lines = (
        Expense.objects.filter(person__in=ids, date__range=(first, last))
        .values("person", "currency", "date")
        .annotate(t=Sum("amount"))
        .order_by()
        .values_list("person", "currency", "date", "t")
    )
    for person, currency, day, amount in lines:
        value = converted(amount, currency, day)
        if value is None:
            missing += 1
            continue
        totals[person] = totals.get(person, Decimal(0)) + value
    return {k: quantize_money(v) for k, v in totals.items()}, missing


def cost_of_sales_rows(
    user: Any, first: dt.date, last: dt.date
) -> tuple[list[dict[str, Any]], int]:
    from koers.reward.models import Payout

    people = list(
        vis.visible_sellers(user)
        .filter(role__in=(Role.SALESPERSON, Role.MANAGER))
        .select_related("unit")
        .order_by("unit__name", "last_name")
    )
    ids = [p.pk for p in people]
    pay = dict(
        Payout.objects.filter(person__in=ids, run__month__range=(first, last))
        .values("person")
        .annotate(t=Sum("paid"))
        .order_by()
        .values_list("person", "t")
    )
    values = kpi_values_by_person(Person.objects.filter(pk__in=ids), first, last)
    expenses, missing = expenses_by_person(ids, first, last)
    rows = []
    for p in people:
        salary = quantize_money(Decimal(p.base_salary or 0) / 12 * months_employed(p, first, last))
        paid = quantize_money(pay.get(p.pk) or 0)
        margin = values.get(p.pk, {}).get("gross_margin")
        margin_money = quantize_money(Decimal(str(margin))) if margin is not None else None
        spent = expenses.get(p.pk, Decimal("0.00"))
        cost = salary + paid + spent
        rows.append(
            {
                "person": p,
                "salary": salary,
                "pay": paid,
                "expenses": spent,
                "cost": cost,
                "margin": margin_money,
                "share": (cost / margin_money) if margin_money else None,
                "net": (margin_money - cost) if margin_money is not None else None,
            }
        )
    return rows, missing


def cost_of_sales_page(request: HttpRequest) -> HttpResponse:
    vis.require_role(request.user, vis.PAY_ROLES)
    today = timezone.localdate()
    first, last = last_twelve_months(today)
    rows, missing = cost_of_sales_rows(request.user, first, last)
    units: dict[Any, dict[str, Decimal]] = {}
    for row in rows:
        total = units.setdefault(
            row["person"].unit, {"cost": Decimal(0), "margin": Decimal(0), "people": 0}
        )
        total["cost"] += row["cost"]
        total["margin"] += row["margin"] or 0
        total["people"] += 1
    teams = [
        {"unit": u, **t, "share": t["cost"] / t["margin"] if t["margin"] else None}
        for u, t in units.items()
    ]
    context = {"rows": rows, "teams": teams, "first": first, "last": last, "missing": missing}
    return render(request, "measure/cost_of_sales.html", context)
