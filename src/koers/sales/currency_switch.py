"""Changing the reporting currency (``koers currency-switch``), all or nothing.

Koers keeps every figure in one reporting currency. To report in another, an administrator
sets ``KOERS_REPORTING_CURRENCY`` (calculations and imports then stop, see
:func:`koers.sales.currency.check_currency_basis`) and runs ``koers currency-switch``, which
in one transaction:

1. checks that the new currency's rates (in the old reporting currency) reach back to every
   dated amount: the first order line, the first opportunity, the first money target,
   operating cost and forecast call, and the open pay month; else it names what is dated
   before the first rate and changes nothing;
2. notes, in the old currency, the corrections of closed months still pending;
3. restates the rate table in the new currency (each currency's rate divided by the new
   currency's rate of the same day; the old currency gets rates of its own) and converts
   order lines and opportunities at the rate of their own date, as always;
4. converts every other stored amount: a dated one (a month's target, operating costs, a
   forecast, an open month's adjustment) at the rate of its month's first day, a standing
   one (salaries, target incentives, draws, account potential, round and plan figures, the
   amounts in plan documents) at the rate of the first day of the open pay month;
5. refreshes the KPI facts and restates the closed months' pay (``RestatedLine``);
6. calculates the open months again in the new currency.

What was approved or paid stays as it was, in the currency it was calculated and paid in:
its runs keep their currency and their statements show it. Corrections of those months
and year-to-date lines compare like with like against the restated months, so a switch on
its own makes no correction; corrections still pending at the switch come through,
converted at the switch's rate, and so do balances carried into the open month. Every
conversion rounds to the cent, half away from zero; a rate is kept to 8 decimals.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.engine.money import quantize_money

RATE_PLACES = Decimal("0.00000001")


class Rates:
    """The new currency's rate (units of the old reporting currency for one unit) on any
    day: the latest dated on or before it."""

    def __init__(self, rows: list[tuple[dt.date, Decimal]]) -> None:
        self.days = [d for d, _r in rows]
        self.rates = [r for _d, r in rows]

    @property
    def first(self) -> dt.date | None:
        return self.days[0] if self.days else None

    def on(self, day: dt.date) -> Decimal | None:
        at = bisect.bisect_right(self.days, day)
        return self.rates[at - 1] if at else None

    def inverse_on(self, day: dt.date) -> Decimal:
        """Units of the new currency for one unit of the old on ``day`` (8 decimals)."""
        rate = self.on(day)
        if rate is None:  # checked before anything is converted
            raise ValueError(day)
        return (Decimal(1) / rate).quantize(RATE_PLACES)


def _money_kpis() -> list[str]:
    from koers.measure.catalogue import definitions

    return [code for code, d in definitions().items() if d.unit == "money"]


def _dated() -> list[tuple[str, Any, str]]:
    """(what, queryset, date field) of every amount converted at the rate of its own day."""
    from koers.forecast.models import ForecastCall, ForecastValue
    from koers.measure.models import OperatingCost
    from koers.plan.models import Target
    from koers.sales.models import Opportunity, OrderLine

    money = _money_kpis()
    return [
        (_("order lines"), OrderLine.objects.all(), "order_date"),
        (_("opportunities"), Opportunity.objects.all(), "created_on"),
        (_("targets"), Target.objects.filter(kpi__in=money), "month"),
        (_("operating costs"), OperatingCost.objects.all(), "month"),
        (_("forecast calls"), ForecastCall.objects.all(), "month"),
        (_("forecasts"), ForecastValue.objects.filter(kpi__in=money), "month"),
    ]


def missing_rates(rates: Rates, currency: str, old: str, effective: dt.date) -> list[str]:
    """What cannot be converted for want of a rate, named; empty when every amount can."""
    if rates.first is None:
        return [
            _(
                "There is no exchange rate for %(currency)s: add its rates in %(old)s "
                "(Plan → exchange rates, or an exchange-rates import), from the date of the "
                "first order line on."
            )
            % {"currency": currency, "old": old}
        ]
    before = []
    for what, rows, field in _dated():
        early = rows.filter(**{f"{field}__lt": rates.first}).count()
        if early:
            before.append(f"{early:,} {what}")
    if effective < rates.first:
        before.append(_("the open pay month (%(day)s)") % {"day": effective.isoformat()})
    if not before:
        return []
    return [
        _(
            "The first exchange rate for %(currency)s is dated %(first)s, but these are dated "
            "earlier and cannot be converted: %(what)s. Add a rate dated on or before the "
            "first of them; nothing was changed."
        )
        % {"currency": currency, "first": rates.first.isoformat(), "what": ", ".join(before)}
    ]


def _rebase_rates(old: str, new: str, rates: Rates) -> int:
    """The rate table in units of ``new``: each currency's rate divided by ``new``'s rate on
    the same day, on every day either changes; ``old`` gets the inverse of ``new``'s rates;
    ``new``'s own rows go (it is the reporting currency now). Rows dated before ``new``'s
    first rate cannot be expressed in it and go too. Returns the rows written."""
    from koers.sales.models import ExchangeRate

    others: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for currency, day, rate in (
        ExchangeRate.objects.exclude(currency=new)
        .values_list("currency", "date", "rate")
        .order_by("currency", "date")
    ):
        others.setdefault(currency, []).append((day, Decimal(rate)))
    written: list[ExchangeRate] = [
        ExchangeRate(currency=old, date=day, rate=rates.inverse_on(day)) for day in rates.days
    ]
    for currency, rows in others.items():
        own = Rates(rows)
        days = sorted({d for d, _r in rows} | set(rates.days))
        for day in days:
            mine, theirs = own.on(day), rates.on(day)
            if mine is None or theirs is None:
                continue
            written.append(
                ExchangeRate(
                    currency=currency, date=day, rate=(mine / theirs).quantize(RATE_PLACES)
                )
            )
    ExchangeRate.objects.all().delete()
    ExchangeRate.objects.bulk_create(written, batch_size=2000)
    return len(written)


def _convert_rows(rows: Any, fields: list[str], rate_of: Callable[[Any], Decimal]) -> int:
    """Each row's ``fields`` times its rate, to the cent (half away from zero)."""
    changed = []
    for row in rows.iterator(chunk_size=2000):
        rate = rate_of(row)
        for name in fields:
            value = getattr(row, name)
            if value is not None:
                setattr(row, name, quantize_money(Decimal(value) * rate))
        changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, fields, batch_size=2000)
    return len(changed)


def _convert_amounts(rates: Rates, effective: dt.date) -> dict[str, int]:
    """Every stored amount besides order lines and opportunities, in the new currency."""
    from koers.forecast.models import ForecastCall, ForecastValue
    from koers.measure.models import OperatingCost
    from koers.org.models import Person
    from koers.plan.models import AccountPlan, AnnualPlan, Target, TargetProposal, TargetRound
    from koers.reward.models import Adjustment, PlanAssignment
    from koers.sales.models import Account

    money = _money_kpis()
    standing = rates.inverse_on(effective)

    def of_month(row: Any) -> Decimal:
        return rates.inverse_on(row.month)

    def fixed(_row: Any) -> Decimal:
        return standing

    counts = {
        "targets": _convert_rows(Target.objects.filter(kpi__in=money), ["value"], of_month),
        "operating costs": _convert_rows(OperatingCost.objects.all(), ["amount"], of_month),
        "forecast calls": _convert_rows(
            ForecastCall.objects.all(),
            [
                "commit",
                "best_case",
                "pipeline",
                "adjusted_commit",
                "adjusted_best_case",
                "adjusted_pipeline",
            ],
            of_month,
        ),
        "adjustments": _convert_rows(
            Adjustment.objects.filter(month__gte=effective), ["amount"], of_month
        ),
        "salaries": _convert_rows(Person.objects.all(), ["base_salary"], fixed),
        "plan assignments": _convert_rows(
            PlanAssignment.objects.all(), ["target_incentive", "draw_amount"], fixed
        ),
        "accounts": _convert_rows(Account.objects.exclude(potential=None), ["potential"], fixed),
        "target rounds": _convert_rows(TargetRound.objects.filter(kpi__in=money), ["total"], fixed),
        "round numbers": _convert_rows(
            TargetProposal.objects.filter(round__kpi__in=money),
            ["top_down", "bottom_up", "agreed"],
            fixed,
        ),
        "annual plans": _convert_rows(AnnualPlan.objects.exclude(budget=None), ["budget"], fixed),
        "account plans": _convert_rows(
            AccountPlan.objects.exclude(expected_revenue=None), ["expected_revenue"], fixed
        ),
    }
    forecasts = []
    for value in ForecastValue.objects.filter(kpi__in=money).iterator(chunk_size=5000):
        factor = float(rates.inverse_on(value.month))
        for name in ("value", "lo", "hi", "actual"):
            if getattr(value, name) is not None:
                setattr(value, name, getattr(value, name) * factor)
        forecasts.append(value)
    ForecastValue.objects.bulk_update(forecasts, ["value", "lo", "hi", "actual"], batch_size=5000)
    counts["forecasts"] = len(forecasts)
    counts["plan documents"] = _convert_plan_documents(standing)
    return counts


MONEY_IN_DOCUMENT = re.compile(
    r"(?P<head>\b(?:cap|from|above)\s*:\s*)(?P<mark>€\s*|EUR\s*)?(?P<amount>-?\d+(?:\.\d+)?)"
)


def convert_document(text: str, rate: Decimal, marked_only: set[str] | None = None) -> str:
    """A plan document (or a person's own rates) with its amounts in the new currency: a
    component's ``cap``, and band starts written as amounts (``from: € 10000``). Percentages
    and everything else stay as written, comments included."""

    def one(match: re.Match) -> str:
        key = match.group("head").split(":")[0].strip()
        if key in {"from", "above"} and not match.group("mark"):
            return match.group(0)  # a share of the quota, not an amount
        amount = quantize_money(Decimal(match.group("amount")) * rate)
        mark = "€ " if match.group("mark") else ""
        return f"{match.group('head')}{mark}{amount}"

    return MONEY_IN_DOCUMENT.sub(one, text)


def _convert_plan_documents(rate: Decimal) -> int:
    from koers.reward.models import Plan, PlanAssignment

    changed = 0
    for plan in Plan.objects.all():
        text = convert_document(plan.document, rate)
        if text != plan.document:
            plan.document = text
            plan.save(update_fields=["document"])
            changed += 1
    for assignment in PlanAssignment.objects.exclude(overrides=""):
        text = convert_document(assignment.overrides, rate)
        if text != assignment.overrides:
            assignment.overrides = text
            assignment.save(update_fields=["overrides"])
            changed += 1
    return changed


def _refresh_facts(effective: dt.date, today: dt.date) -> None:
    """Every month's KPI facts again, now in the new currency."""
    from django.db.models import Max, Min

    from koers.measure.models import KpiFact
    from koers.measure.services import kpi_facts_refresh
    from koers.sales.models import Opportunity, OrderLine

    bounds = [
        OrderLine.objects.aggregate(a=Min("order_date"), b=Max("order_date")),
        Opportunity.objects.aggregate(a=Min("created_on"), b=Max("created_on")),
        KpiFact.objects.aggregate(a=Min("month"), b=Max("month")),
    ]
    days = [d for b in bounds for d in b.values() if d] + [effective, today]
    kpi_facts_refresh(start=min(days), end=max(days))


def switch_currency(to: str, *, by: Any, today: dt.date | None = None) -> Any:
    """Convert every stored amount to ``to`` (the configured reporting currency); returns the
    ``CurrencySwitch``. Raises ValidationError, changing nothing, when a rate is missing."""
    from koers.reward.selectors import first_open_day
    from koers.sales.currency import basis_changed, configured_currency, reporting_currency
    from koers.sales.models import ExchangeRate

    to, old = to.upper(), reporting_currency()
    if to == old:
        raise ValidationError(_("Every amount is in %(currency)s already.") % {"currency": to})
    if to != configured_currency():
        raise ValidationError(
            _(
                "Set KOERS_REPORTING_CURRENCY to %(to)s first (it is %(configured)s): the "
                "switch converts to the configured reporting currency."
            )
            % {"to": to, "configured": configured_currency()}
        )
    today = today or timezone.localdate()
    effective = first_open_day() or today.replace(day=1)
    rates = Rates(
        [
            (d, Decimal(r))
            for d, r in ExchangeRate.objects.filter(currency=to)
            .order_by("date")
            .values_list("date", "rate")
        ]
    )
    try:
        return _switch(to, old, rates, effective, by=by, today=today)
    except BaseException:
        basis_changed()  # read again from what the database holds
        raise


def _switch(to: str, old: str, rates: Rates, effective: dt.date, *, by: Any, today: dt.date) -> Any:
    from koers.core.audit import audit
    from koers.reward.models import CalcRun
    from koers.reward.services import restate
    from koers.sales.currency import basis_changed
    from koers.sales.models import CurrencyBasis, CurrencySwitch

    with transaction.atomic():
        problems = missing_rates(rates, to, old, effective)
        if problems:
            raise ValidationError(problems)
        pending = restate.pending(effective)
        summary: dict[str, int] = {"rates": _rebase_rates(old, to, rates)}
        CurrencyBasis.objects.all().delete()
        CurrencyBasis.objects.create(currency=to)
        basis_changed(to)
        from koers.sales.currency import convert_table

        summary["order lines"] = convert_table("sales_orderline", reporting=to)
        summary["opportunities"] = convert_table("sales_opportunity", reporting=to)
        summary.update(_convert_amounts(rates, effective))
        _refresh_facts(effective, today)
        switch = CurrencySwitch.objects.create(
            from_currency=old,
            to_currency=to,
            rate=rates.inverse_on(effective),
            effective=effective,
            by=by if getattr(by, "pk", None) else None,
        )
        summary["restated lines"] = restate.restate(pending, switch.rate)
        from koers.reward.services.calc import run_month

        reruns = CalcRun.objects.filter(status=CalcRun.Status.OPEN, month__gte=effective)
        months = [run.month for run in reruns.order_by("month") if run.month <= today]
        for month in months:
            run_month(month, by=by, today=today)
        summary["months recalculated"] = len(months)
        switch.summary = summary
        switch.save(update_fields=["summary"])
        audit(actor=by, action="currency-switch", obj=switch, before={"currency": old})
    return switch
