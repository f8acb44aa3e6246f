"""Changes to payouts outside the calculation: manual adjustments with a reason, holds and
their release, and the payroll export of a closed month."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from koers.core.audit import audit
from koers.core.cells import safe_row
from koers.engine.periods import month_start
from koers.org.models import Person
from koers.reward.models import Adjustment, CalcRun, Hold, PayoutLine
from koers.reward.services.settlement import settle_month


def _open_run(month: dt.date) -> CalcRun:
    run = CalcRun.objects.select_for_update().filter(month=month_start(month)).first()
    if run is None:
        raise ValidationError(_("This month has not been calculated yet."))
    if run.status != CalcRun.Status.OPEN:
        raise ValidationError(
            _("%(month)s is closed; adjust in the open month instead.")
            % {"month": f"{run.month:%m-%Y}"}
        )
    return run


def _resettle_from(run: CalcRun) -> None:
    settle_month(run)
    for later in CalcRun.objects.filter(month__gt=run.month, status=CalcRun.Status.OPEN).order_by(
        "month"
    ):
        settle_month(later)


@transaction.atomic
def add_adjustment(
    *,
    person: Person,
    month: dt.date,
    amount: Decimal,
    reason: str,
    component: str = "",
    by,  # type: ignore[no-untyped-def]
) -> Adjustment:
    """A manual correction in an open month; the reason is required and audited."""
    if not reason.strip():
        raise ValidationError({"reason": _("An adjustment needs a reason.")})
    if amount == 0:
        raise ValidationError({"amount": _("An adjustment of zero changes nothing.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("An amount has at most two decimals.")})
    run = _open_run(month)
    adjustment = Adjustment.objects.create(
        person=person,
        month=run.month,
        amount=amount,
        reason=reason.strip(),
        component=component,
        created_by=by if getattr(by, "pk", None) else None,
    )
    audit(actor=by, action="create", obj=adjustment, before=None)
    _resettle_from(run)
    return adjustment


@transaction.atomic
def place_hold(*, person: Person, month: dt.date, reason: str, by) -> Hold:  # type: ignore[no-untyped-def]
    if not reason.strip():
        raise ValidationError({"reason": _("A hold needs a reason.")})
    if Hold.objects.filter(person=person, released_on__isnull=True).exists():
        raise ValidationError(_("This person's payouts are already held."))
    run = _open_run(month)
    hold = Hold.objects.create(
        person=person,
        from_month=run.month,
        reason=reason.strip(),
        created_by=by if getattr(by, "pk", None) else None,
    )
    audit(actor=by, action="create", obj=hold, before=None)
    _resettle_from(run)
    return hold


@transaction.atomic
def release_hold(hold: Hold, *, on: dt.date, by) -> Hold:  # type: ignore[no-untyped-def]
    """Released holds pay everything held in the first open month after ``on``."""
    if hold.released_on:
        raise ValidationError(_("This hold was released already."))
    before = {"released_on": None}
    hold.released_on = on
    hold.save(update_fields=["released_on"])
    audit(actor=by, action="update", obj=hold, before=before)
    run = CalcRun.objects.filter(status=CalcRun.Status.OPEN).order_by("month").first()
    if run is not None:
        _resettle_from(run)
    return hold


PAYROLL_HEADER = (
    "month",
    "person_id",  # the external id where there is one
    "person",
    "component",
    "period_start",
    "period_end",
    "amount",
    "currency",
    "description",  # the component's name in the file's language
)
PAYROLL_HEADER_NL = (
    "maand",
    "persoonsnummer",
    "persoon",
    "component",
    "periode_van",
    "periode_tot",
    "bedrag",
    "valuta",
    "omschrijving",
)


def payroll_rows(run: CalcRun) -> Iterator[tuple[str, ...]]:
    """What payroll pays for a closed month: one row per person and component (earnings,
    corrections per month), plus adjustments, draw top-ups, recoveries, holds and releases.
    The rows of a person add up to their payout."""
    if run.status == CalcRun.Status.OPEN:
        raise ValidationError(_("Only an approved or locked month goes to payroll."))
    month = f"{run.month:%Y-%m}"
    payouts = {
        p.person_id: p for p in run.payouts.select_related("person").order_by("person__last_name")
    }
    lines: dict[int, list[PayoutLine]] = {}
    for line in run.lines.filter(payable=True).order_by("component", "period_start"):
        lines.setdefault(line.person_id, []).append(line)
    adjustments: dict[int, list[Adjustment]] = {}
    for adjustment in Adjustment.objects.filter(month=run.month):
        adjustments.setdefault(adjustment.person_id, []).append(adjustment)

    reporting = run.currency  # the currency the month was calculated in

    names = _component_names(list(run.lines.filter(payable=True).select_related("plan")))

    def row(
        payout,
        component: str,
        start: str,
        end: str,
        amount: Decimal,
        currency: str = reporting,
        description: str = "",
    ) -> tuple[str, ...]:
        person = payout.person
        return (
            month,
            person.external_id or str(person.pk),
            str(person),
            component,
            start,
            end,
            f"{amount:.2f}",
            currency,
            description or component,
        )

    for person_id, payout in payouts.items():
        if payout.held:
            # nothing of this month goes out; it is paid on release
            yield row(payout, "held", "", "", Decimal(0))
            continue
        for line in lines.get(person_id, []):
            if not line.earnings:
                continue  # nothing to pay: payroll gets no € 0.00 lines
            name = (
                f"{line.component} (correction {line.correction_of:%Y-%m})"
                if line.correction_of
                else line.component
            )
            described = names.get((line.plan_id, line.component), line.component)
            if line.correction_of:
                described = _("%(name)s (correction of %(month)s)") % {
                    "name": described,
                    "month": f"{line.correction_of:%m-%Y}",
                }
            yield row(
                payout,
                name,
                f"{line.period_start}",
                f"{line.period_end}",
                line.earnings,
                description=described,
            )
        for adjustment in adjustments.get(person_id, []):
            yield row(
                payout,
                f"adjustment: {adjustment.reason}",
                "",
                "",
                adjustment.amount,
                description=_("Adjustment: %(reason)s") % {"reason": adjustment.reason},
            )
        carried = payout.earned + payout.adjustments
        if carried < 0:
            yield row(payout, "carried to balance", "", "", -carried)
        for name, amount in (
            ("draw top-up", payout.draw_topup),
            ("recovery", -payout.recovered),
            ("released", payout.released),
        ):
            if amount:
                yield row(payout, name, "", "", amount)
        if payout.converted:
            taken = []
            if payout.half_days_off:
                taken.append(f"{Decimal(payout.half_days_off) / 2} days off")
            if payout.training_budget:
                taken.append(f"training budget {payout.training_budget:.2f}")
            yield row(payout, "taken as " + " and ".join(taken), "", "", -payout.converted)
        if payout.paid_in_currency is not None:
            # the rows above, in the reporting currency, add up to the payout; payroll pays
            # it in the payee's currency at the month's rate
            yield row(
                payout,
                f"to payroll in {payout.currency} at {payout.exchange_rate.normalize():f} "
                f"{reporting} per {payout.currency}",
                "",
                "",
                payout.paid_in_currency,
                payout.currency,
            )


def _component_names(lines: list[PayoutLine]) -> dict[tuple[int, str], str]:
    """(plan, component) → the component's name in the active language."""
    from django.utils.translation import get_language

    from koers.reward.selectors import component_specs

    nl = (get_language() or "en").startswith("nl")
    return {
        key: spec.name_nl if nl else spec.name_en for key, spec in component_specs(lines).items()
    }


def payroll_csv(run: CalcRun, *, dutch: bool = False) -> str:
    """The payroll file: CSV, UTF-8 with BOM (for Excel), one row per person and
    component with an amount. In Dutch (``dutch``) as Dutch Excel and payroll software
    read it: Dutch headers, a semicolon between fields and a decimal comma."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if dutch else ",")
    writer.writerow(PAYROLL_HEADER_NL if dutch else PAYROLL_HEADER)
    for row in payroll_rows(run):
        cells = list(row)
        if dutch:
            cells[6] = cells[6].replace(".", ",")  # amounts have no thousands separator
        writer.writerow(safe_row(cells))
    return out.getvalue()
