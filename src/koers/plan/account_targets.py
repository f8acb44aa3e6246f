"""A person's year target divided over their accounts: the account targets that account
plans and the customers page compare with.

The person's approved monthly targets on revenue or gross margin are the whole; each
account weighs what it bought last year, its potential, the same as every other, or an
amount typed by hand (which must add up to the year). ``koers.engine.allocation.
divide_months`` makes every month's account targets add up exactly to the person's target
of that month, and every account's months to its year. Writing replaces the person's
earlier account targets of that KPI and year, in one transaction, audited. A director or
an administrator divides (the same people who approve targets); anyone who may see the
person may look at the division.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from koers.core.audit import audit_change
from koers.engine import allocation
from koers.engine.periods import add_months
from koers.measure.catalogue import kpi_name
from koers.measure.models import AccountMonthFact
from koers.org import visibility as vis
from koers.org.models import Person
from koers.plan.models import Target
from koers.plan.services import PLANNERS, _units, _value, year_start

KPIS = ("revenue", "gross_margin")  # what an account's own facts hold
METHODS = ("history", "potential", "equal", "hand")


@dataclass
class Row:
    account: Any
    last_year: Decimal
    potential: Decimal
    year: Decimal = Decimal(0)
    months: list[Decimal] = field(default_factory=list)
    current: Decimal | None = None  # the account's target of the year as it stands


@dataclass
class Division:
    person: Person
    kpi: str
    year: int
    method: str
    months: list[dt.date]
    person_months: list[Decimal]
    rows: list[Row]

    @property
    def total(self) -> Decimal:
        return sum(self.person_months, Decimal(0))

    @property
    def written(self) -> bool:
        return any(r.current is not None for r in self.rows)


def may_divide(user: Any, person: Person) -> bool:
    """A director or administrator, for anyone but themselves (None: the system, as the
    demo loader)."""
    if user is None:
        return True
    me = vis.person_of(user)
    return vis.role_of(user) in PLANNERS and (me is None or me.pk != person.pk)


def divide(
    person: Person,
    *,
    year: int,
    kpi: str,
    method: str,
    hand: dict[int, Decimal] | None = None,
) -> Division:
    """The proposed division (nothing is written): ValidationError naming what is missing
    when the person has no target that year, no accounts, or the hand amounts do not add
    up."""
    if kpi not in KPIS:
        raise ValidationError(_("Account targets are set on revenue or gross margin."))
    if method not in METHODS:
        raise ValidationError(_("Choose how to divide the target."))
    first = year_start(year)
    months = [add_months(first, i) for i in range(12)]
    targets = dict(
        Target.objects.overall()
        .filter(person=person, kpi=kpi, month__gte=months[0], month__lte=months[-1])
        .values_list("month", "value")
    )
    if not targets:
        raise ValidationError(
            _("%(person)s has no %(kpi)s target for %(year)s yet: approve a round first.")
            % {"person": person, "kpi": kpi_name(kpi).lower(), "year": year}
        )
    accounts = list(person.accounts.order_by("name", "pk"))
    if not accounts:
        raise ValidationError(_("%(person)s owns no accounts.") % {"person": person})
    ids = [a.pk for a in accounts]
    column = "revenue_cents" if kpi == "revenue" else "margin_cents"
    history = dict(
        AccountMonthFact.objects.filter(
            account__in=ids, month__gte=add_months(first, -12), month__lt=first
        )
        .values("account")
        .annotate(c=Sum(column))
        .values_list("account", "c")
    )
    current = dict(
        Target.objects.filter(
            person=person, kpi=kpi, account__in=ids, month__gte=months[0], month__lte=months[-1]
        )
        .values("account")
        .annotate(v=Sum("value"))
        .values_list("account", "v")
    )
    rows = [
        Row(
            account=a,
            last_year=_value(history.get(a.pk) or 0, "revenue"),
            potential=a.potential or Decimal(0),
            current=current.get(a.pk),
        )
        for a in accounts
    ]
    person_months = [targets.get(m, Decimal(0)) for m in months]
    weights = _weights(rows, method, hand or {}, sum(_units(v, "revenue") for v in person_months))
    try:
        table = allocation.divide_months([_units(v, "revenue") for v in person_months], weights)
    except allocation.AllocationError as error:
        from koers.plan.words import allocation_message

        raise ValidationError(allocation_message(error, kpi)) from error
    for row in rows:
        row.months = [_value(c, "revenue") for c in table[row.account.pk]]
        row.year = sum(row.months, Decimal(0))
    return Division(person, kpi, year, method, months, person_months, rows)


def _weights(rows: list[Row], method: str, hand: dict[int, Decimal], total: int) -> dict[int, int]:
    if method == "history":
        weights = {r.account.pk: max(_units(r.last_year, "revenue"), 0) for r in rows}
        if not any(weights.values()):
            raise ValidationError(
                _("None of these accounts bought anything last year: choose another method.")
            )
        return weights
    if method == "potential":
        weights = {r.account.pk: max(_units(r.potential, "revenue"), 0) for r in rows}
        if not any(weights.values()):
            raise ValidationError(
                _("None of these accounts has a potential: choose another method.")
            )
        return weights
    if method == "equal":
        return {r.account.pk: 1 for r in rows}
    typed = {r.account.pk: _units(hand.get(r.account.pk) or Decimal(0), "revenue") for r in rows}
    if any(v < 0 for v in typed.values()):
        raise ValidationError(_("A target cannot be negative."))
    given = sum(typed.values())
    if given != total:
        raise ValidationError(
            _("The amounts typed add up to %(given)s, not to the year's target %(total)s.")
            % {
                "given": f"{_value(given, 'revenue'):.2f}",
                "total": f"{_value(total, 'revenue'):.2f}",
            }
        )
    return typed


@transaction.atomic
def write(division: Division, *, by: Any) -> int:
    """Replace the person's account targets of the KPI and year with ``division``; returns
    the number of targets written (months of zero are not written)."""
    if not may_divide(by, division.person):
        raise PermissionDenied(_("Only a director or an administrator divides targets."))
    person, months = division.person, division.months
    earlier = Target.objects.filter(
        person=person,
        kpi=division.kpi,
        account__isnull=False,
        month__gte=months[0],
        month__lte=months[-1],
    )
    before = {
        str(row["account__name"]): str(row["v"])
        for row in earlier.values("account__name").annotate(v=Sum("value")).order_by()
    }
    earlier.delete()
    written = [
        Target(kpi=division.kpi, person=person, account=row.account, month=month, value=value)
        for row in division.rows
        for month, value in zip(months, row.months, strict=True)
        if value
    ]
    Target.objects.bulk_create(written)
    label = f"account targets {division.kpi} {division.year}"
    audit_change(
        actor=by,
        action="update",
        obj=person,
        before={label: before} if before else None,
        after={label: {str(r.account.name): str(r.year) for r in division.rows if r.year}},
    )
    return len(written)
