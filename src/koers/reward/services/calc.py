"""A month's calculation run, its steps in order: the inputs (``inputs``), the engine per
plan component (``components``), the corrections of closed months (``corrections``), the
payout lines and their trace stored, and each person's payout settled (``settlement``).
Re-running an open month replaces it; a change that reaches a closed month becomes a
correction in the open month."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.audit import audit
from koers.core.bulk import bulk_insert
from koers.core.progress import report
from koers.engine.money import from_cents
from koers.engine.periods import (
    add_months,
    fiscal_year_start,
    month_end,
    month_start,
)
from koers.org.setup import fiscal_start_month
from koers.reward.models import (
    CalcRun,
    PayoutLine,
)
from koers.reward.services.components import compute_month, missing_quota_message
from koers.reward.services.corrections import _closed_months, corrections
from koers.reward.services.inputs import shared_context
from koers.reward.services.settlement import settle_month
from koers.sales.currency import check_currency_basis, reporting_currency

I64, DATE = pl.Int64, pl.Date


@transaction.atomic
def run_month(month: dt.date, *, by, today: dt.date | None = None) -> CalcRun:  # type: ignore[no-untyped-def]
    """Calculate (or recalculate) every plan component for ``month``, all or nothing, then
    the corrections of closed months and each person's payout; later open months follow,
    since their balances start from this one. An approved or locked month is never
    rewritten; two runs of one month wait in turn. A month that has not started yet, or
    one that would leave an earlier month uncalculated, is refused."""
    month = month_start(month)
    check_currency_basis()
    _check_month_order(month, month_start(today or timezone.localdate()))
    CalcRun.objects.get_or_create(month=month)
    run = CalcRun.objects.select_for_update().get(month=month)
    if run.status != CalcRun.Status.OPEN:
        raise ValidationError(
            _("%(month)s is %(status)s; its figures are not recalculated.")
            % {"month": f"{month:%m-%Y}", "status": run.get_status_display().lower()}
        )
    run.currency = reporting_currency()
    # one load of credits serves this month and the closed months checked for corrections:
    # from the start of the earliest fiscal year any of their periods can reach
    closed = _closed_months(month)
    first = fiscal_year_start(closed[0].month if closed else month, fiscal_start_month())
    # gates, multipliers and quotas read the KPI facts: refresh the months whose data
    # changed since (a form or API edit) before paying on them
    from koers.measure.services import refresh_stale

    report(0.05, _("Refreshing the figures that changed"))
    refresh_stale(first, month_end(month))
    report(0.2, _("Reading the credited sales"))
    context = shared_context(first, month_end(month))
    report(0.35, _("Calculating each plan component"))
    result = compute_month(month, context=context)
    if result.missing_quotas:
        raise ValidationError(missing_quota_message(result.missing_quotas))
    report(0.6, _("Checking the closed months for corrections"))
    extra = corrections(run, closed, context)
    report(0.7, _("Writing the payout lines and their trace"))
    lines = [
        PayoutLine(
            run=run,
            person_id=row["person_id"],
            plan_id=row["plan_id"],
            component=row["component"],
            period_start=row["period_start"],
            period_end=row["period_end"],
            measure=row["measure"],
            quota=row["quota"],
            attainment_ppm=row["attainment_ppm"],
            target_incentive_cents=row["target_incentive_cents"],
            modifier_ppm=row.get("modifier_ppm"),
            factor_ppm=row.get("factor_ppm"),
            earnings=from_cents(row["earnings_cents"]),
            payable=row["payable"],
            correction_of=row["correction_of"],
        )
        for row in result.lines + extra
    ]
    _clear_lines(run)
    created = PayoutLine.objects.bulk_create(lines, batch_size=2000)
    if result.trace.height:
        ids = pl.DataFrame(
            {
                "key": range(len(result.lines)),
                "payout_line": [x.pk for x in created[: len(result.lines)]],
            },
            schema={"key": I64, "payout_line": I64},
        )
        bulk_insert(
            "reward_payoutcredit",
            result.trace.join(ids, on="key").select(
                pl.col("payout_line").alias("line_id"),
                pl.col("line_id").alias("order_line_id"),
                "value",
            ),
        )
    _relink_inquiries(run)
    run.calculated_at = timezone.now()
    run.save(update_fields=["calculated_at", "currency"])
    report(0.9, _("Settling each person's payout"))
    settle_month(run)
    audit(actor=by, action="calculate", obj=run, before=None)
    for later in CalcRun.objects.filter(month__gt=month, status=CalcRun.Status.OPEN).order_by(
        "month"
    ):
        settle_month(later)
    return run


def _clear_lines(run: CalcRun) -> None:
    """Remove an open run's lines and their trace in three set-based statements (Django's
    cascade would first read every credited row into memory). Inquiries keep their place
    through their natural key and are linked again after the run."""
    from django.db import connection

    from koers.reward.models import Inquiry

    Inquiry.objects.filter(line__run=run).update(line=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reward_payoutcredit WHERE line_id IN "
            "(SELECT id FROM reward_payoutline WHERE run_id = %s)",
            [run.pk],
        )
        cursor.execute("DELETE FROM reward_payoutline WHERE run_id = %s", [run.pk])


def _relink_inquiries(run: CalcRun) -> None:
    """Inquiries keep pointing at their statement line after the month is recalculated."""
    from koers.reward.models import Inquiry

    open_ones = Inquiry.objects.filter(month=run.month, line__isnull=True)
    if not open_ones.exists():
        return
    lines = {
        (line.person_id, line.component, line.period_start): line
        for line in run.lines.filter(correction_of__isnull=True)
    }
    for inquiry in open_ones:
        line = lines.get((inquiry.person_id, inquiry.component, inquiry.period_start))
        if line is not None:
            inquiry.line = line
            inquiry.save(update_fields=["line"])


def _check_month_order(month: dt.date, this_month: dt.date) -> None:
    if month > this_month:
        raise ValidationError(
            _("%(month)s has not started yet; it can be calculated from its first day.")
            % {"month": f"{month:%m-%Y}"}
        )
    latest = CalcRun.objects.filter(month__lt=month).order_by("-month").first()
    if latest is not None and add_months(latest.month, 1) < month:
        raise ValidationError(
            _("Calculate %(next)s first: months are calculated in order, without gaps.")
            % {"next": f"{add_months(latest.month, 1):%m-%Y}"}
        )
