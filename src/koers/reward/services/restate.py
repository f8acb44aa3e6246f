"""Closed months' pay restated in a new reporting currency (``koers currency-switch``).

A closed month keeps its lines and payouts as they were calculated and paid. After a
switch, each closed month of the correction window gets ``RestatedLine`` rows: what it
would pay now in the new currency, less the corrections still pending at the switch
(converted at the switch's rate). Corrections and year-to-date lines then compare the new
currency with the new currency: a switch alone makes no correction, and what was pending
comes through once, converted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from koers.engine.money import from_cents, quantize_money, to_cents
from koers.reward.models import CalcRun, RestatedLine

Key = tuple[int, int, str, dt.date]


def pending(effective: dt.date) -> dict[int, dict[Key, int]]:
    """Per closed run: the corrections (cents, in the current reporting currency) a run of
    the open month would make now. One pass over the correction window, as a run makes."""
    from koers.reward.services.corrections import _closed_months, _line_key, corrections

    closed = _closed_months(effective)
    found: dict[int, dict[Key, int]] = {past.pk: {} for past in closed}
    run_of = {past.month: past.pk for past in closed}
    open_run = CalcRun.objects.filter(month=effective).first()
    for line in corrections(open_run, closed):
        found[run_of[line["correction_of"]]][_line_key(line)] = line["earnings_cents"]
    return found


def restate(before: dict[int, dict[Key, int]], rate: Decimal) -> int:
    """Write each closed run's restated lines in the (new) reporting currency, month by
    month, so that a year-to-date month reads the restated months before it. Returns the
    lines written."""
    from koers.reward.services.components import compute_month
    from koers.reward.services.corrections import _line_key
    from koers.sales.currency import reporting_currency

    currency = reporting_currency()
    written = 0
    for past in CalcRun.objects.filter(pk__in=list(before)).order_by("month"):
        now = {
            _line_key(line): line["earnings_cents"]
            for line in compute_month(past.month).lines
            if line["payable"]
        }
        waiting = before[past.pk]
        rows = []
        for key in sorted(now.keys() | waiting.keys(), key=str):
            converted = to_cents(quantize_money(from_cents(waiting.get(key, 0)) * rate))
            paid = now.get(key, 0) - converted
            if paid:
                person, plan, component, start = key
                rows.append(
                    RestatedLine(
                        run=past,
                        currency=currency,
                        person_id=person,
                        plan_id=plan,
                        component=component,
                        period_start=start,
                        earnings=from_cents(paid),
                    )
                )
        RestatedLine.objects.filter(run=past, currency=currency).delete()
        RestatedLine.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    return written
