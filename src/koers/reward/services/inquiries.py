"""Inquiries on statement lines: raised by the person (or their manager), answered by the
compensation administrator with an explanation or an adjustment, within a service level
of business days. Every step is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.audit import audit, snapshot
from koers.reward.models import CalcRun, Inquiry, PayoutLine
from koers.reward.services.payouts import add_adjustment


def sla_days() -> int:
    """Business days to answer an inquiry (setting KOERS_INQUIRY_SLA_DAYS, 5 unless set)."""
    return int(getattr(settings, "KOERS_INQUIRY_SLA_DAYS", 5))


def add_business_days(day: dt.date, days: int) -> dt.date:
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


@transaction.atomic
def inquiry_open(
    *, line: PayoutLine, reason: str, message: str, by, today: dt.date | None = None
) -> Inquiry:  # type: ignore[no-untyped-def]
    if reason not in Inquiry.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    if not message.strip():
        raise ValidationError({"message": _("Say what looks wrong.")})
    today = today or timezone.localdate()
    if Inquiry.objects.filter(line=line, status=Inquiry.Status.OPEN).exists():
        raise ValidationError(_("This line already has an open inquiry."))
    inquiry = Inquiry.objects.create(
        person_id=line.person_id,
        month=line.run.month,
        component=line.component,
        period_start=line.period_start,
        line=line,
        reason=reason,
        message=message.strip(),
        opened_by=by if getattr(by, "pk", None) else None,
        due_on=add_business_days(today, sla_days()),
    )
    audit(actor=by, action="create", obj=inquiry, before=None)
    return inquiry


@transaction.atomic
def inquiry_resolve(inquiry: Inquiry, *, answer: str, amount: Decimal | None = None, by) -> Inquiry:  # type: ignore[no-untyped-def]
    """Answer an inquiry; an amount becomes an adjustment in the open month."""
    if inquiry.status == Inquiry.Status.RESOLVED:
        raise ValidationError(_("This inquiry was resolved already."))
    if not answer.strip():
        raise ValidationError({"answer": _("An answer explains the outcome.")})
    before = snapshot(inquiry)
    if amount:
        run = CalcRun.objects.filter(status=CalcRun.Status.OPEN).order_by("month").first()
        if run is None:
            raise ValidationError(_("No month is open for an adjustment; calculate one first."))
        inquiry.adjustment = add_adjustment(
            person=inquiry.person,
            month=run.month,
            amount=amount,
            reason=(_("Inquiry #%(n)s: %(answer)s") % {"n": inquiry.pk, "answer": answer.strip()})[
                :300
            ],
            component=inquiry.component,
            by=by,
        )
    inquiry.status = Inquiry.Status.RESOLVED
    inquiry.resolution = answer.strip()
    inquiry.resolved_at = timezone.now()
    inquiry.resolved_by = by if getattr(by, "pk", None) else None
    inquiry.save()
    audit(actor=by, action="update", obj=inquiry, before=before)
    return inquiry
