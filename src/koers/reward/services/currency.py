"""The currency a payout goes to payroll in.

Every figure of a run (measures, earnings, balances) is in the reporting currency. A plan
whose document says ``pays_in: payee`` pays each of its payees in their own currency
(``Person.currency``): the month's amount to payroll is converted at the exchange rate valid
on the month's last day (the latest rate dated on or before it), rounded to the cent half
away from zero. A missing rate refuses the run, naming the currency and the date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q

from koers.engine.money import quantize_money
from koers.reward.documents import parse_plan
from koers.sales.currency import missing_rate_message, rate_on, reporting_currency


def pay_currencies(
    people: list[int], month: dt.date, end: dt.date
) -> dict[int, tuple[str, Decimal]]:
    """Person → (currency, rate: reporting units per unit of it) for the ``people`` whose
    plan in the month pays in the payee's currency and whose currency is not the
    reporting currency. Raises ValidationError when a rate is missing."""
    from koers.reward.models import Plan, PlanAssignment

    reporting = reporting_currency()
    assignments = list(
        PlanAssignment.objects.filter(person__in=people, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .exclude(person__currency=reporting)
        .values_list("person_id", "person__currency", "plan_id")
    )
    # each plan's document read once, not once per person on it
    plans = {plan for _person, _currency, plan in assignments}
    in_payee = {
        pk
        for pk, document in Plan.objects.filter(pk__in=plans).values_list("pk", "document")
        if parse_plan(document).pays_in == "payee"
    }
    wanted = {
        person: currency.upper() for person, currency, plan in assignments if plan in in_payee
    }
    rates: dict[str, Decimal] = {}
    for currency in sorted(set(wanted.values())):
        rate = rate_on(currency, end)
        if not rate:
            raise ValidationError(missing_rate_message(currency, end))
        rates[currency] = rate
    return {person: (currency, rates[currency]) for person, currency in wanted.items()}


def in_currency(amount: Decimal, rate: Decimal) -> Decimal:
    """``amount`` in the reporting currency as an amount of the currency whose rate
    (reporting units per unit) is ``rate``: to the cent, half away from zero."""
    return quantize_money(Decimal(amount) / rate)
