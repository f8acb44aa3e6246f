"""A month's calculation run, its steps in order: the inputs (``inputs``), the engine per
plan component (``components``), the corrections of closed months (``corrections``), the
payout lines and their trace stored, and each person's payout settled (``settlement``).
Re-running an open month replaces it; a change that reaches a closed month becomes a
correction in the open month."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.audit import audit
from koers.core.bulk import bulk_insert
from koers.core.progress import report
from koers.engine import comp
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
            basis=row.get("basis"),
            trace_root=row.get("trace_root"),
            trace_subtree=row.get("trace_subtree", False),
            trace_from=row.get("trace_from"),
            trace_to=row.get("trace_to"),
            traced=row.get("traced"),
        )
        for row in result.lines + extra
    ]
    _clear_lines(run)
    PayoutLine.objects.bulk_create(lines, batch_size=2000)
    store_trace(run, result, context.managers)
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


FAR_PAST, FAR_FUTURE = dt.date(1, 1, 1), dt.date(9999, 12, 31)


def store_trace(run: CalcRun, result: Any, managers: pl.DataFrame) -> int:
    """Store the credited rows behind the run's lines once per basis, only those of the
    holders some line reads, and who was below each roll-up or team root when (the lines
    say which rows are theirs: ``PayoutLine.trace``). Returns the rows stored."""
    traced = [row for row in result.lines if row.get("basis") is not None]
    if not traced:
        return 0
    roots = {row["trace_root"] for row in traced if row["trace_subtree"]}
    reach = comp.reach(managers, roots)
    bulk_insert(
        "reward_tracereach",
        reach.select(
            pl.lit(run.pk, dtype=I64).alias("run_id"),
            pl.col("root").alias("root_id"),
            pl.col("holder").alias("holder_id"),
            pl.col("valid_from").fill_null(FAR_PAST),
            pl.col("valid_to").fill_null(FAR_FUTURE),
        ),
    )
    readers = pl.DataFrame(
        [(row["basis"], row["trace_root"], row["trace_subtree"]) for row in traced],
        schema={"basis": I64, "root": I64, "subtree": pl.Boolean},
        orient="row",
    ).unique()
    holders = pl.concat(
        [
            readers.filter(~pl.col("subtree")).select("basis", pl.col("root").alias("holder")),
            readers.filter(pl.col("subtree"))
            .join(reach.select("root", "holder"), on="root")
            .select("basis", "holder"),
        ]
    ).unique()
    stored = 0
    for basis, rows in result.bases.items():
        mine = holders.filter(pl.col("basis") == basis).select(pl.col("holder").alias("person_id"))
        stored += bulk_insert(
            "reward_tracerow",
            rows.join(mine, on="person_id", how="semi").select(
                pl.lit(run.pk, dtype=I64).alias("run_id"),
                pl.lit(basis, dtype=I64).alias("basis"),
                "person_id",
                pl.col("line_id").alias("order_line_id"),
                "date",
                "value",
            ),
        )
    return stored


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
        cursor.execute("DELETE FROM reward_tracerow WHERE run_id = %s", [run.pk])
        cursor.execute("DELETE FROM reward_tracereach WHERE run_id = %s", [run.pk])
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
