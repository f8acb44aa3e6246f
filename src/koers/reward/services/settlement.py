"""A month's run, step 4: each person's payout settled: earnings, adjustments, draws
and guarantees, recovery, holds, and the conversion to the pay currency."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from koers.engine import comp
from koers.engine.money import from_cents, quantize_money, to_cents
from koers.engine.periods import (
    month_end,
)
from koers.reward.documents import parse_plan
from koers.reward.models import (
    Adjustment,
    CalcRun,
    Hold,
    Payout,
    Plan,
    PlanAssignment,
)
from koers.reward.services.components import _too_large
from koers.reward.services.currency import in_currency, pay_currencies
from koers.sales.currency import reporting_currency

I64, DATE = pl.Int64, pl.Date


def settle_month(run: CalcRun) -> None:
    """Each person's payout of the run's month from its payable lines, the month's
    adjustments, draws and guarantees, the balances of the month before and holds."""
    month, end = run.month, month_end(run.month)
    earned = dict(
        run.lines.filter(payable=True)
        .values("person")
        .annotate(t=Sum("earnings"))
        .order_by()
        .values_list("person", "t")
    )
    adjusted = dict(
        Adjustment.objects.filter(month=month)
        .values("person")
        .annotate(t=Sum("amount"))
        .order_by()
        .values_list("person", "t")
    )
    draws: dict[int, tuple[str, int]] = {}
    for a in PlanAssignment.objects.filter(valid_from__lte=end).exclude(draw_kind=""):
        if (a.valid_to is None or a.valid_to >= month) and (
            a.draw_until is None or a.draw_until >= month
        ):
            kind, amount = draws.get(a.person_id, (a.draw_kind, 0))
            draws[a.person_id] = (kind, amount + to_cents(a.draw_amount))
    before = CalcRun.objects.filter(month__lt=month).order_by("-month").values_list("pk", flat=True)
    previous = {
        p.person_id: p
        for p in Payout.objects.filter(run_id__in=before[:1])
        .exclude(balance=0, held_balance=0)
        .select_related("run")
    }
    carried = _carried_rates(previous.values(), run.currency)
    held = set(
        Hold.objects.filter(from_month__lte=month)
        .filter(Q(released_on__isnull=True) | Q(released_on__gt=end))
        .values_list("person", flat=True)
    )
    people = sorted(earned.keys() | adjusted.keys() | draws.keys() | previous.keys())
    rows = [
        (
            p,
            to_cents(earned.get(p)),
            to_cents(adjusted.get(p)),
            draws.get(p, ("", 0))[0],
            draws.get(p, ("", 0))[1],
            _carried(previous, p, "balance", carried),
            p in held,
            _carried(previous, p, "held_balance", carried),
        )
        for p in people
    ]
    try:
        settled = comp.settle(pl.DataFrame(rows, schema=comp.SETTLE_SCHEMA, orient="row"))
    except comp.AmountTooLarge as error:
        raise ValidationError(_too_large(error.person_id, _("payout"))) from None
    except OverflowError:  # a sum beyond 64 bits, before the engine could name its payee
        raise ValidationError(_too_large(None, _("payout"))) from None
    converted = _conversions(run, settled)
    currencies = pay_currencies(people, month, end)
    reporting = reporting_currency()
    run.payouts.all().delete()

    Payout.objects.bulk_create(
        [
            Payout(
                run=run,
                person_id=row["person_id"],
                earned=from_cents(row["earned_cents"]),
                adjustments=from_cents(row["adjustment_cents"]),
                draw_topup=from_cents(row["topup_cents"]),
                recovered=from_cents(row["recovery_cents"]),
                held=from_cents(row["payout_cents"] if row["held"] else 0),
                released=from_cents(row["released_cents"]),
                paid=from_cents(row["paid_cents"] - taken),
                balance=from_cents(row["balance_out_cents"]),
                held_balance=from_cents(row["held_out_cents"]),
                converted=from_cents(taken),
                half_days_off=half_days,
                training_budget=from_cents(training),
                currency=currency,
                exchange_rate=rate,
                paid_in_currency=(
                    in_currency(from_cents(row["paid_cents"] - taken), rate) if rate else None
                ),
            )
            for row in settled.iter_rows(named=True)
            for taken, half_days, training in [converted.get(row["person_id"], (0, 0, 0))]
            for currency, rate in [currencies.get(row["person_id"], (reporting, None))]
        ],
        batch_size=2000,
    )


def _carried_rates(previous: Iterable[Payout], currency: str) -> dict[str, Decimal]:
    """Rates (units of ``currency`` per unit) for balances carried from a month calculated
    in another currency: the rate of the currency switch between them."""
    from koers.sales.models import CurrencySwitch

    rates: dict[str, Decimal] = {}
    for payout in previous:
        source = payout.run.currency
        if source != currency and source not in rates:
            switch = (
                CurrencySwitch.objects.filter(from_currency=source, to_currency=currency)
                .order_by("-at")
                .first()
            )
            if switch is None:
                raise ValidationError(
                    _(
                        "Balances of %(month)s are in %(source)s and no switch to %(to)s "
                        "says at what rate."
                    )
                    % {"month": f"{payout.run.month:%m-%Y}", "source": source, "to": currency}
                )
            rates[source] = switch.rate
    return rates


def _carried(
    previous: dict[int, Payout], person: int, field: str, rates: dict[str, Decimal]
) -> int:
    """A balance carried into the month, in the month's currency (to the cent, half away
    from zero, like every conversion)."""
    payout = previous.get(person)
    if payout is None:
        return 0
    amount = Decimal(getattr(payout, field))
    rate = rates.get(payout.run.currency)
    return to_cents(quantize_money(amount * rate) if rate is not None else amount)


def _conversions(run: CalcRun, settled: pl.DataFrame) -> dict[int, tuple[int, int, int]]:
    """Per person: (cents taken out of cash, half days off, training budget cents) for the
    payable lines of components that offer a choice, as each person chose. Nothing is
    converted while a hold applies, and never more than the month pays."""
    from koers.engine.game import convert
    from koers.reward.models import RewardChoice

    paid = {r["person_id"]: r["paid_cents"] for r in settled.iter_rows(named=True) if not r["held"]}
    choices: dict[tuple[int, str], str] = {}
    for c in RewardChoice.objects.filter(from_month__lte=run.month, person__in=list(paid)).order_by(
        "from_month"
    ):
        choices[(c.person_id, c.component)] = c.choice  # the latest choice wins
    if not choices:
        return {}
    eligible = {
        (plan.pk, s.component.code)
        for plan in Plan.objects.filter(pk__in=run.lines.values("plan"))
        for s in parse_plan(plan.document).components
        if s.choice
    }
    working_days = int(getattr(settings, "KOERS_WORKING_DAYS", 220))
    training_bp = int(getattr(settings, "KOERS_TRAINING_FACTOR_BP", 11_000))
    out: dict[int, tuple[int, int, int]] = {}
    lines = run.lines.filter(payable=True, person__in=list(paid)).select_related("person")
    for line in lines.order_by("person_id", "component"):
        choice = choices.get((line.person_id, line.component), "cash")
        if choice == "cash" or (line.plan_id, line.component) not in eligible:
            continue
        taken, half_days, training = out.get(line.person_id, (0, 0, 0))
        amount = min(to_cents(line.earnings), paid[line.person_id] - taken)
        day_rate = to_cents(line.person.base_salary) // working_days
        if amount <= 0 or (choice == "days" and day_rate <= 0):
            continue
        result = convert(amount, choice, day_rate, training_bp)
        out[line.person_id] = (
            taken + amount - result["cash_cents"],
            half_days + result["half_days"],
            training + result["training_cents"],
        )
    return out
