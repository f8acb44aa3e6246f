"""Closing a month as a finance team expects: four eyes on every adjustment, a confirmation
before approving a month that has not ended or that pays a windfall, and before locking.

* An adjustment is approved by someone other than its author; a month with an adjustment
  that awaits approval cannot be approved (``adjustment_approve``).
* Approving asks to confirm when the month has not ended yet (a sale booked in its last
  days would come as a correction) or when someone's month looks like a windfall: a
  payable line at or above ``KOERS_WINDFALL_ATTAINMENT`` % of quota (200 unless set), or
  earnings above ``KOERS_WINDFALL_MULTIPLE`` times a month's share of the yearly target
  incentive (3 unless set).
* Locking (paid) always asks to confirm: the month's figures never change again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.audit import audit
from koers.engine.money import shown
from koers.engine.periods import month_end
from koers.reward.models import Adjustment, CalcRun, PlanAssignment


class RunMoved(Exception):
    """The run is no longer in the state the step started from (someone else, or a second
    click, moved it first): nothing was changed."""


class NeedsConfirmation(ValidationError):
    """The step is allowed but asks to be confirmed first; the messages say why."""


@dataclass(frozen=True)
class Windfall:
    person_id: int
    person: str
    earned: Decimal
    attainment_ppm: int | None
    reason: str


def windfall_attainment_ppm() -> int:
    return int(Decimal(str(getattr(settings, "KOERS_WINDFALL_ATTAINMENT", 200))) * 10_000)


def windfall_multiple() -> Decimal:
    return Decimal(str(getattr(settings, "KOERS_WINDFALL_MULTIPLE", 3)))


def windfalls(run: CalcRun) -> list[Windfall]:
    """The people whose month in ``run`` looks too good to pay unchecked."""
    from koers.org.models import Person

    lines = (
        run.lines.filter(payable=True)
        .values("person")
        .annotate(earned=Sum("earnings"), top=Max("attainment_ppm"))
        .order_by()
    )
    incentive = dict(
        PlanAssignment.objects.filter(valid_from__lte=month_end(run.month))
        .exclude(valid_to__lt=run.month)
        .values("person")
        .annotate(t=Sum("target_incentive"))
        .order_by()
        .values_list("person", "t")
    )
    high, multiple = windfall_attainment_ppm(), windfall_multiple()
    found: dict[int, tuple[Decimal, int | None, str]] = {}
    for row in lines:
        person, earned, top = row["person"], row["earned"] or Decimal(0), row["top"]
        monthly = (incentive.get(person) or Decimal(0)) / 12
        if top is not None and top >= high:
            found[person] = (earned, top, _("%(pct)s%% of quota") % {"pct": shown(top / 10_000)})
        elif monthly > 0 and earned > monthly * multiple:
            found[person] = (
                earned,
                top,
                _("%(n)s× a month's target incentive") % {"n": shown(earned / monthly)},
            )
    names = {p.pk: str(p) for p in Person.objects.filter(pk__in=list(found))}
    return [
        Windfall(p, names.get(p, str(p)), earned, top, reason)
        for p, (earned, top, reason) in sorted(found.items(), key=lambda kv: names.get(kv[0], ""))
    ]


def approval_warnings(run: CalcRun, today: dt.date) -> list[str]:
    """What to confirm before approving ``run``: an unfinished month, windfalls."""
    warnings = []
    if month_end(run.month) >= today:
        warnings.append(
            _(
                "%(month)s has not ended yet (it ends on %(end)s): a sale booked in its last "
                "days will come as a correction next month."
            )
            % {"month": f"{run.month:%m-%Y}", "end": f"{month_end(run.month):%d-%m-%Y}"}
        )
    found = windfalls(run)
    if found:
        shown = "; ".join(f"{w.person} ({w.reason})" for w in found[:10])
        more = len(found) - 10
        warnings.append(
            _("Check these before paying: %(list)s.") % {"list": shown}
            + (" " + _("And %(n)s more.") % {"n": more} if more > 0 else "")
        )
    return warnings


def pending_adjustments(month: dt.date) -> Any:
    return Adjustment.objects.filter(month=month, approved_by__isnull=True)


@transaction.atomic
def adjustment_approve(*, adjustment: Adjustment, by: Any) -> Adjustment:
    """Four eyes: someone other than its author approves an adjustment of an open month."""
    if not getattr(by, "pk", None):
        raise ValidationError(_("An adjustment is approved by a person who signs in."))
    if adjustment.created_by_id == by.pk:
        raise ValidationError(_("You added this adjustment: someone else approves it (four eyes)."))
    if adjustment.approved_by_id:
        raise ValidationError(_("This adjustment was approved already."))
    run = CalcRun.objects.filter(month=adjustment.month).first()
    if run is not None and run.status != CalcRun.Status.OPEN:
        raise ValidationError(_("This month is closed."))
    before = {"approved_by": None, "approved_at": None}
    adjustment.approved_by, adjustment.approved_at = by, timezone.now()
    adjustment.save(update_fields=["approved_by", "approved_at"])
    audit(actor=by, action="update", obj=adjustment, before=before)
    return adjustment


def approval_blockers(run: CalcRun) -> list[str]:
    """What stops ``run`` from being approved: adjustments awaiting four-eyes approval."""
    waiting = pending_adjustments(run.month).count()
    if not waiting:
        return []
    return [
        _(
            "%(n)s adjustment(s) of %(month)s await approval by someone other than "
            "their author: approve or remove them first."
        )
        % {"n": waiting, "month": f"{run.month:%m-%Y}"}
    ]


def _controls(run: CalcRun, following: str, confirmed: bool, today: dt.date) -> None:
    """Refuse, or ask to confirm, the step to ``following``."""
    if following == CalcRun.Status.APPROVED:
        blockers = approval_blockers(run)
        if blockers:
            raise ValidationError(blockers)
        warnings = approval_warnings(run, today)
        if warnings and not confirmed:
            raise NeedsConfirmation([*warnings, _("Confirm to approve anyway.")])
    elif not confirmed:
        raise NeedsConfirmation(
            _(
                "Locking records %(month)s as paid: its figures never change again, and any "
                "later change comes as a correction in the open month. Confirm to lock."
            )
            % {"month": f"{run.month:%m-%Y}"}
        )


def run_advance(
    run: CalcRun,
    *,
    by: Any,
    expected: str,
    confirmed: bool = False,
    today: dt.date | None = None,
) -> CalcRun:
    """One step, open → approved or approved → locked, from the ``expected`` state only;
    every step is audited and months close in order. Approving needs every adjustment
    approved by someone other than its author and, for an unfinished month or a windfall,
    ``confirmed``; locking always needs ``confirmed`` (:class:`NeedsConfirmation` says
    why). The step is a conditional update, so two requests at once (a double click) move
    the run once: the other gets RunMoved."""
    order = [CalcRun.Status.OPEN, CalcRun.Status.APPROVED, CalcRun.Status.LOCKED]
    if expected not in order[:2]:
        raise ValidationError(_("A step starts from an open or an approved month."))
    if run.status != expected:
        raise RunMoved(run.get_status_display())
    following = order[order.index(expected) + 1]
    earlier = CalcRun.objects.filter(month__lt=run.month).exclude(status=CalcRun.Status.LOCKED)
    if following == CalcRun.Status.APPROVED:
        earlier = earlier.filter(status=CalcRun.Status.OPEN)
    if earlier.exists():
        raise ValidationError(
            _("An earlier month (%(month)s) must be closed first.")
            % {"month": f"{earlier.order_by('month')[0].month:%m-%Y}"}
        )
    _controls(run, following, confirmed, today or timezone.localdate())
    changes: dict[str, Any] = {"status": following}
    if following == CalcRun.Status.APPROVED:
        changes["approved_by"] = by if getattr(by, "pk", None) else None
    if not CalcRun.objects.filter(pk=run.pk, status=expected).update(**changes):
        run.refresh_from_db()
        raise RunMoved(run.get_status_display())
    run.refresh_from_db()
    audit(actor=by, action="update", obj=run, before={"status": expected})
    return run
