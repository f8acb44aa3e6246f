"""A month's calculation run, its steps in order: the inputs (``inputs``), the engine per
plan component (``components``), the corrections of closed months (``corrections``), the
payout lines and their trace stored, and each person's payout settled (``settlement``).
Re-running an open month replaces it; a change that reaches a closed month becomes a
correction in the open month."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.audit import audit
from koers.core.progress import report
from koers.engine.periods import add_months, fiscal_year_start, month_end, month_start
from koers.org.setup import fiscal_start_month
from koers.reward.models import CalcRun
from koers.reward.services.components import missing_quota_message
from koers.reward.services.corrections import _closed_months
from koers.reward.services.inputs import Context, shared_context
from koers.reward.services.parts import Part, compute_part, write_parts
from koers.reward.services.settlement import settle_month
from koers.sales.currency import check_currency_basis, reporting_currency


@transaction.atomic
def run_month(month: dt.date, *, by, today: dt.date | None = None) -> CalcRun:  # type: ignore[no-untyped-def]
    """Calculate (or recalculate) every plan component for ``month``, all or nothing, then
    the corrections of closed months and each person's payout; later open months follow,
    since their balances start from this one. An approved or locked month is never
    rewritten; two runs of one month wait in turn. A month that has not started yet, or
    one that would leave an earlier month uncalculated, is refused."""
    run = prepare_month(month, today=today)
    report(0.2, _("Reading the credited sales"))
    closed, context = month_inputs(run)
    report(0.35, _("Calculating each plan component"))
    part = compute_part(run, closed, context)
    return write_month(run, [part], by=by)


def prepare_month(month: dt.date, *, today: dt.date | None = None) -> CalcRun:
    """The open run of ``month``, locked, once the month may be calculated and the KPI
    figures it reads are fresh (gates, multipliers and quotas read them: the months whose
    data changed since a form or API edit are refreshed first)."""
    month = month_start(month)
    check_currency_basis()
    _check_month_order(month, month_start(today or timezone.localdate()))
    CalcRun.objects.get_or_create(month=month)
    run = _locked_open_run(month)
    from koers.measure.services import refresh_stale

    report(0.05, _("Refreshing the figures that changed"))
    refresh_stale(first_input_day(month, _closed_months(month)), month_end(month))
    return run


def _locked_open_run(month: dt.date) -> CalcRun:
    run = CalcRun.objects.select_for_update().get(month=month)
    if run.status != CalcRun.Status.OPEN:
        raise ValidationError(
            _("%(month)s is %(status)s; its figures are not recalculated.")
            % {"month": f"{month:%m-%Y}", "status": run.get_status_display().lower()}
        )
    return run


def month_inputs(run: CalcRun) -> tuple[list[CalcRun], Context]:
    """The closed months checked for corrections and the credits and reporting lines that
    serve them and ``run``'s month (a part of the month reads the same)."""
    closed = _closed_months(run.month)
    return closed, shared_context(first_input_day(run.month, closed), month_end(run.month))


def first_input_day(month: dt.date, closed: list[CalcRun]) -> dt.date:
    """One load of credits serves the month and the closed months checked for
    corrections: from the start of the earliest fiscal year any of their periods reach."""
    return fiscal_year_start(closed[0].month if closed else month, fiscal_start_month())


def write_month(run: CalcRun, parts: list[Part], *, by) -> CalcRun:  # type: ignore[no-untyped-def]
    """Replace the open ``run``'s lines and trace by those of ``parts`` and settle each
    person's payout, in the caller's transaction; a person without a quota in any part
    refuses the month."""
    missing = sorted(m for part in parts for m in part.missing)
    if missing:
        raise ValidationError(missing_quota_message(missing))
    run = _locked_open_run(run.month)
    run.currency = reporting_currency()
    report(0.7, _("Writing the payout lines and their trace"))
    _clear_lines(run)
    write_parts(run, parts)
    _relink_inquiries(run)
    run.calculated_at = timezone.now()
    run.save(update_fields=["calculated_at", "currency"])
    report(0.9, _("Settling each person's payout"))
    settle_month(run)
    audit(actor=by, action="calculate", obj=run, before=None)
    for later in CalcRun.objects.filter(month__gt=run.month, status=CalcRun.Status.OPEN).order_by(
        "month"
    ):
        settle_month(later)
    return run


def _clear_lines(run: CalcRun) -> None:
    """Remove an open run's lines and who counted under whom in set-based statements
    (Django's cascade would first read every row into memory); its credited rows stay
    until the new set replaces them (``trace.store``). Inquiries keep their place through
    their natural key and are linked again after the run."""
    from django.db import connection

    from koers.reward.models import Inquiry

    Inquiry.objects.filter(line__run=run).update(line=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reward_payoutcredit WHERE line_id IN "
            "(SELECT id FROM reward_payoutline WHERE run_id = %s)",
            [run.pk],
        )
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
