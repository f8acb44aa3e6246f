"""The target round: top-down proposal → bottom-up numbers → agreement → approval.

Who does what (the method's division of roles):

* the director (or an administrator) proposes a year's target for a unit, divided top-down
  by a method of ``koers.engine.allocation``, opens the round for bottom-up numbers,
  approves it and, after approval, starts a new version with its reason;
* each salesperson or manager in the round submits their own bottom-up number with its
  substantiation while the round is open;
* a manager agrees a number for the people in her unit and below, never for herself; the
  director agrees for anyone but himself.

Approval writes each person's monthly targets of the year for the KPI (spread by the
organisation's seasonality of last year, new hires ramping up), replacing what was there,
in one transaction; every step is audited. The targets are then what the KPI pages show
and what the Reward plans read as quotas.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.audit import audit
from koers.engine import allocation, sizing
from koers.engine.periods import add_months
from koers.measure.catalogue import definition
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person, Role
from koers.org.setup import fiscal_start_month
from koers.plan.models import Target, TargetProposal, TargetRound

PLANNERS = {Role.DIRECTOR, Role.ADMIN}
SELLERS_IN_ROUNDS = {Role.SALESPERSON, Role.MANAGER}


def year_start(year: int) -> dt.date:
    """The first day of the (fiscal) year ``year``: it starts in that calendar year."""

    return dt.date(year, fiscal_start_month(), 1)


def _require_planner(by: Any) -> None:
    if by is not None and vis.role_of(by) not in PLANNERS:
        raise PermissionDenied(_("Only a director or an administrator plans targets."))


def _units(value: Decimal, kpi: str) -> int:
    """A target as integer units: cents for money, thousandths otherwise."""
    return int((Decimal(value) * (100 if definition(kpi).unit == "money" else 1000)).quantize(1))


def _value(units: int, kpi: str) -> Decimal:
    return Decimal(units) / (100 if definition(kpi).unit == "money" else 1000)


def round_people(unit: OrgUnit) -> list[Person]:
    """Who carries a target in a round: the salespeople and managers in the unit and
    below who are employed in the year."""
    return list(
        Person.objects.filter(
            unit__in=OrgUnit.objects.subtree_of(unit), role__in=SELLERS_IN_ROUNDS
        ).order_by("last_name", "first_name", "pk")
    )


def _children(
    people: list[Person], kpi: str, first: dt.date, product_group: Any = None
) -> list[allocation.Child]:
    """What each method weighs, per person: last year's result on the KPI, their accounts'
    potential, FTE, workload hours and the month they start in (new hires)."""
    from koers.measure import selectors as msel
    from koers.sales.models import Account

    ids = [p.pk for p in people]
    last_year = msel.kpi_values_by_person(
        Person.objects.filter(pk__in=ids), add_months(first, -12), first - dt.timedelta(days=1)
    )
    accounts = Account.objects.filter(owner__in=ids)
    potential = dict(
        accounts.values("owner").annotate(p=Sum("potential")).values_list("owner", "p")
    )
    classes: dict[int, dict[str, int]] = {}
    for row in accounts.values("owner", "size_class").annotate(n=Count("pk")).order_by():
        classes.setdefault(row["owner"], {})[row["size_class"] or ""] = row["n"]
    children = []
    if product_group is not None:  # last year's sales of the group, per person (cents)
        from koers.measure.models import GroupSalesFact

        group_sales = dict(
            GroupSalesFact.objects.filter(
                person__in=ids,
                product_group=product_group,
                month__gte=add_months(first, -12),
                month__lt=first,
            )
            .values("person")
            .annotate(c=Sum("revenue_cents" if kpi == "revenue" else "quantity"))
            .values_list("person", "c")
        )
    for person in people:
        history = last_year.get(person.pk, {}).get(kpi)
        if product_group is not None:
            cents = group_sales.get(person.pk) or 0
            history = cents / (100 if kpi == "revenue" else 1000) if cents else None
        start = person.start_date
        starts = None
        if start and start >= first:
            starts = (start.year - first.year) * 12 + start.month - first.month
        children.append(
            allocation.Child(
                key=person.pk,
                history=_units(Decimal(str(history)), kpi) if history else 0,
                potential=_units(potential.get(person.pk) or Decimal(0), "revenue"),
                fte=person.fte,
                workload=int(sizing.workload_hours(classes.get(person.pk, {}))),
                starts=starts if starts is None or starts < 12 else 12,
            )
        )
    return children


def season_of(kpi: str, first: dt.date, today: dt.date | None = None) -> list[int]:
    """The organisation's seasonality of the KPI: each month's share of the last twelve
    full months before the year starting ``first`` (before this month, when the year is
    planned before the last one has ended: a December of four days is no season)."""
    from koers.engine.periods import month_start
    from koers.measure.models import KpiFact

    end = min(first, month_start(today or timezone.localdate()))
    rows = (
        KpiFact.objects.filter(kpi=kpi, month__gte=add_months(end, -12), month__lt=end)
        .values("month")
        .annotate(n=Sum("numerator"))
    )
    history = {(row["month"].month - first.month) % 12: int(row["n"] or 0) for row in rows}
    return allocation.seasonality(history)


@transaction.atomic
def round_propose(
    *,
    year: int,
    kpi: str,
    unit: OrgUnit,
    total: Decimal,
    method: str,
    by: Any,
    hand: dict[int, Decimal] | None = None,
    product_group: Any = None,
) -> TargetRound:
    """A new round (version 1, or the next version after an approved one) with each
    person's top-down share of ``total``; of one product group's target when given (last
    year's share is then each person's sales of that group)."""
    _require_planner(by)
    if Decimal(total) < 0:
        raise ValidationError({"total": _("A target cannot be negative.")})
    previous = TargetRound.objects.filter(
        year=year, kpi=kpi, unit=unit, product_group=product_group
    ).order_by("-version")
    latest = previous.first()
    if latest is not None and latest.status != TargetRound.Status.APPROVED:
        raise ValidationError(
            _("This year's round for this KPI and unit is still open: finish it first.")
        )
    people = round_people(unit)
    if not people:
        raise ValidationError(_("Nobody in this unit carries a target."))
    first = year_start(year)
    children = _children(people, kpi, first, product_group)
    if method == "hand":
        hand = hand or {}
        children = [
            allocation.Child(
                c.key,
                hand=_units(hand[c.key], kpi) if c.key in hand else None,
                starts=c.starts,
            )
            for c in children
        ]
    try:
        shares = allocation.allocate(_units(total, kpi), children, method)
    except allocation.AllocationError as error:
        from koers.plan.words import allocation_message

        names = {p.pk: str(p) for p in people}
        raise ValidationError(allocation_message(error, kpi, names)) from error
    made = TargetRound.objects.create(
        year=year,
        kpi=kpi,
        unit=unit,
        product_group=product_group,
        total=total,
        method=method,
        version=(latest.version + 1) if latest else 1,
    )
    TargetProposal.objects.bulk_create(
        TargetProposal(round=made, person_id=key, top_down=_value(units, kpi))
        for key, units in shares.items()
    )
    audit(actor=by, action="create", obj=made, before=None)
    return made


def _step(target_round: TargetRound, expected: str) -> None:
    if target_round.status != expected:
        raise ValidationError(
            _("This round is %(status)s; that step is not possible now.")
            % {"status": target_round.get_status_display().lower()}
        )


@transaction.atomic
def round_open(target_round: TargetRound, *, by: Any) -> TargetRound:
    """Publish the top-down proposal: everyone in it may now submit their own number."""
    _require_planner(by)
    target_round = TargetRound.objects.select_for_update().get(pk=target_round.pk)
    _step(target_round, TargetRound.Status.DRAFT)
    before = {"status": target_round.status}
    target_round.status = TargetRound.Status.OPEN
    target_round.save(update_fields=["status"])
    audit(actor=by, action="update", obj=target_round, before=before)
    return target_round


def _write_number(
    proposal: TargetProposal, number: str, note: str, value: Decimal, text: str, by: Any
) -> TargetProposal:
    """Set a proposal's ``number`` field (and its ``note``) while the round is open,
    audited: the one write path of bottom-up and agreed numbers."""
    proposal = (
        TargetProposal.objects.select_for_update().select_related("round").get(pk=proposal.pk)
    )
    _step(proposal.round, TargetRound.Status.OPEN)
    if Decimal(value) < 0:
        raise ValidationError({number: _("A target cannot be negative.")})
    before = {number: str(getattr(proposal, number)), note: getattr(proposal, note)}
    setattr(proposal, number, Decimal(value))
    setattr(proposal, note, text.strip())
    proposal.save(update_fields=[number, note])
    audit(actor=by, action="update", obj=proposal, before=before)
    return proposal


@transaction.atomic
def proposal_submit(
    proposal: TargetProposal, *, value: Decimal, substantiation: str, by: Any
) -> TargetProposal:
    """A person's own bottom-up number, while the round is open."""
    me = vis.person_of(by)
    if me is None or me.pk != proposal.person_id:
        raise PermissionDenied(_("Only the person themselves submits their own number."))
    return _write_number(proposal, "bottom_up", "substantiation", value, substantiation, by)


def may_agree(user: Any, proposal: TargetProposal) -> bool:
    """A manager agrees for the people in her unit and below, a director or administrator
    for anyone; nobody for themselves."""
    role, me = vis.role_of(user), vis.person_of(user)
    if me is not None and me.pk == proposal.person_id:
        return False
    if role in PLANNERS:
        return True
    if role == Role.MANAGER and me is not None:
        return vis.visible_people(user).filter(pk=proposal.person_id).exists()
    return False


@transaction.atomic
def proposal_agree(
    proposal: TargetProposal, *, value: Decimal, comment: str, by: Any
) -> TargetProposal:
    """The number a manager (or the director) agrees with the person."""
    if by is not None and not may_agree(by, proposal):
        raise PermissionDenied(_("You may not agree this person's target."))
    return _write_number(proposal, "agreed", "comment", value, comment, by)


@transaction.atomic
def round_approve(target_round: TargetRound, *, by: Any) -> int:
    """Lock the round and write each person's monthly targets of the year for its KPI
    (their agreed number, else the top-down one), replacing the year's earlier targets of
    those people on that KPI. Returns the number of targets written."""
    _require_planner(by)
    target_round = TargetRound.objects.select_for_update().get(pk=target_round.pk)
    _step(target_round, TargetRound.Status.OPEN)
    me = vis.person_of(by) if by is not None else None
    proposals = list(target_round.proposals.select_related("person"))
    if me is not None and any(p.person_id == me.pk and p.agreed is None for p in proposals):
        raise ValidationError(_("Your own target needs someone else's agreement first."))
    first = year_start(target_round.year)
    season = season_of(target_round.kpi, first)
    by_person = {
        c.key: c
        for c in _children(
            [p.person for p in proposals], target_round.kpi, first, target_round.product_group
        )
    }
    months = [add_months(first, i) for i in range(12)]
    group = target_round.product_group
    earlier = (
        Target.objects.filter(product_group=group, account__isnull=True)
        if group is not None
        else Target.objects.overall()
    )
    earlier.filter(
        kpi=target_round.kpi,
        person__in=[p.person_id for p in proposals],
        month__gte=months[0],
        month__lte=months[-1],
    ).delete()
    written = []
    for proposal in proposals:
        units = _units(proposal.final, target_round.kpi)
        factors = allocation.month_factors(by_person[proposal.person_id])
        parts = allocation.spread(units, season, factors) if units and any(factors) else [0] * 12
        written += [
            Target(
                kpi=target_round.kpi,
                person_id=proposal.person_id,
                product_group=group,
                month=month,
                value=_value(part, target_round.kpi),
            )
            for month, part, factor in zip(months, parts, factors, strict=True)
            if factor  # no target in the months before a new hire starts
        ]
    Target.objects.bulk_create(written)
    before = {"status": target_round.status}
    target_round.status, target_round.approved_at = TargetRound.Status.APPROVED, timezone.now()
    target_round.save(update_fields=["status", "approved_at"])
    audit(actor=by, action="update", obj=target_round, before=before)
    return len(written)


@transaction.atomic
def round_revise(target_round: TargetRound, *, reason: str, by: Any) -> TargetRound:
    """A change after approval: a new version, open again, with everyone's numbers copied
    and the reason recorded."""
    _require_planner(by)
    target_round = TargetRound.objects.select_for_update().get(pk=target_round.pk)
    _step(target_round, TargetRound.Status.APPROVED)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the approved targets change.")})
    if TargetRound.objects.filter(
        year=target_round.year,
        kpi=target_round.kpi,
        unit=target_round.unit,
        product_group=target_round.product_group,
        version__gt=target_round.version,
    ).exists():
        raise ValidationError(_("A newer version of this round exists already."))
    made = TargetRound.objects.create(
        year=target_round.year,
        kpi=target_round.kpi,
        unit=target_round.unit,
        product_group=target_round.product_group,
        total=target_round.total,
        method=target_round.method,
        version=target_round.version + 1,
        reason=reason.strip(),
        status=TargetRound.Status.OPEN,
    )
    TargetProposal.objects.bulk_create(
        TargetProposal(
            round=made,
            person_id=p.person_id,
            top_down=p.top_down,
            bottom_up=p.bottom_up,
            substantiation=p.substantiation,
            agreed=p.agreed,
            comment=p.comment,
        )
        for p in target_round.proposals.all()
    )
    audit(actor=by, action="create", obj=made, before=None)
    return made


def gaps_by_unit(target_round: TargetRound) -> list[dict[str, Any]]:
    """Per unit in the round: top-down, bottom-up (of those who submitted) and agreed
    totals and the gap."""
    rows = (
        target_round.proposals.values("person__unit", "person__unit__name")
        .annotate(
            top=Sum("top_down"),
            bottom=Sum("bottom_up"),
            submitted=Count("pk", filter=Q(bottom_up__isnull=False)),
            people=Count("pk"),
            agreed=Sum("agreed"),
        )
        .order_by("person__unit__name")
    )
    return [
        {
            "unit": r["person__unit__name"],
            "top_down": r["top"],
            "bottom_up": r["bottom"],
            "submitted": r["submitted"],
            "people": r["people"],
            "agreed": r["agreed"],
        }
        for r in rows
    ]


ACTIVITY_KPIS = ("visits", "quotes")


@transaction.atomic
def adopt_activity_targets(
    *, unit: OrgUnit, months: list[dt.date], needs: dict[str, list[float]], by: Any
) -> int:
    """Make the driver model's activity needs the monthly targets of the salespeople in
    ``unit`` and below: each month's visits and quotes divided over them by FTE (the one
    split rule, whole activities), replacing their targets of those months on those KPIs.
    A director's or administrator's step, audited on the unit. Returns targets written."""
    from django.db.models import Q

    from koers.core.audit import audit_change
    from koers.engine.split import split_by_weights

    _require_planner(by)
    people = list(
        Person.objects.filter(
            unit__in=OrgUnit.objects.subtree_of(unit), role=Role.SALESPERSON
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=months[0]))
    )
    if not people:
        raise ValidationError(_("Nobody in this unit carries a target."))
    weights = {p.pk: int(p.fte * 1000) for p in people}
    Target.objects.overall().filter(
        kpi__in=list(needs), person__in=list(weights), month__in=months
    ).delete()
    written = []
    for kpi, per_month in needs.items():
        for month, amount in zip(months, per_month, strict=True):
            parts = split_by_weights(int(amount), weights)
            written += [
                Target(kpi=kpi, person_id=pk, month=month, value=Decimal(part))
                for pk, part in parts.items()
            ]
    Target.objects.bulk_create(written)
    audit_change(
        actor=by,
        action="update",
        obj=unit,
        before=None,
        after={
            "activity targets": {k: [int(v) for v in vals] for k, vals in needs.items()},
            "from": months[0].isoformat(),
        },
    )
    return len(written)
