"""The sales-force composite: each salesperson's (and manager's) call of a month's
revenue, managers' adjustments with a reason, and the roll-up through the units with the
system forecast, the target and the gap beside each level.

Who does what:

* everyone who sells calls their own months, from this month on (a month that has
  closed is history, not a forecast); commit ≤ best case ≤ pipeline;
* a manager adjusts the calls of the people in her unit and below, never her own; a
  director or an administrator adjusts anyone's but their own; an adjustment needs a
  reason; every call and adjustment is audited.

What a call suggests: the revenue already booked this month plus the open opportunities
the person owns that are expected to close in the month, by their forecast category
(commit; commit and best case; all of them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.audit import audit, snapshot
from koers.engine.periods import add_months, month_start
from koers.forecast.models import ForecastCall
from koers.org import visibility as vis
from koers.org.models import Person, Role

PARTS = ("commit", "best_case", "pipeline")
ADJUSTERS = {Role.MANAGER, Role.DIRECTOR, Role.ADMIN}
CALLERS = {Role.SALESPERSON, Role.MANAGER, Role.DIRECTOR}


def _check_parts(values: dict[str, Decimal]) -> dict[str, Decimal]:
    """The three figures to the cent, or a ValidationError naming what is wrong."""
    if any(values.get(p) is None or values[p] < 0 for p in PARTS):
        raise ValidationError(_("A call cannot be negative."))
    if not values["commit"] <= values["best_case"] <= values["pipeline"]:
        raise ValidationError(
            _("Commit, best case and pipeline build up: commit ≤ best case ≤ pipeline.")
        )
    return {p: Decimal(values[p]).quantize(Decimal("0.01")) for p in PARTS}


@transaction.atomic
def submit(
    *, person: Person, month: dt.date, values: dict[str, Decimal], note: str = "", by: Any
) -> ForecastCall:
    """The person's own call of ``month`` (a new one, or a change of it)."""
    me = vis.person_of(by)
    if me is None or me.pk != person.pk or person.role not in CALLERS:
        raise PermissionDenied(_("Everyone calls their own forecast, and only their own."))
    month = month_start(month)
    if month < month_start(timezone.localdate()):
        raise ValidationError(_("That month has closed: its revenue is history, not a forecast."))
    values = _check_parts(values)
    call = ForecastCall.objects.select_for_update().filter(person=person, month=month).first()
    before = snapshot(call) if call else None
    if call is None:
        call = ForecastCall(person=person, month=month)
    for part in PARTS:
        setattr(call, part, values[part])
    call.note, call.submitted_at = note, timezone.now()
    call.save()
    audit(actor=by, action="update" if before else "create", obj=call, before=before)
    return call


def adjustable(user: Any) -> set[int]:
    """The people whose calls ``user`` may adjust (one query, for a page of calls): the
    people they see, never themselves; nobody for a role that does not adjust."""
    if vis.role_of(user) not in ADJUSTERS:
        return set()
    me = vis.person_of(user)
    return set(vis.visible_people(user).values_list("pk", flat=True)) - {me.pk if me else None}


def may_adjust(user: Any, call: ForecastCall) -> bool:
    me = vis.person_of(user)
    if vis.role_of(user) not in ADJUSTERS or (me is not None and me.pk == call.person_id):
        return False
    return vis.visible_people(user).filter(pk=call.person_id).exists()


@transaction.atomic
def adjust(*, call: ForecastCall, values: dict[str, Decimal], reason: str, by: Any) -> ForecastCall:
    """A manager's adjustment of someone's call, with the reason."""
    call = ForecastCall.objects.select_for_update().get(pk=call.pk)
    if not may_adjust(by, call):
        raise PermissionDenied(
            _("A manager adjusts the calls of her people; nobody adjusts their own.")
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the call is adjusted.")})
    values = _check_parts(values)
    before = snapshot(call)
    for part in PARTS:
        setattr(call, f"adjusted_{part}", values[part])
    call.adjusted_by, call.reason, call.adjusted_at = vis.person_of(by), reason, timezone.now()
    call.save()
    audit(actor=by, action="update", obj=call, before=before)
    return call


def suggestion(person: Person, month: dt.date, today: dt.date) -> dict[str, Decimal]:
    """Booked revenue of the month so far plus the person's open opportunities expected to
    close in it, by forecast category."""
    from koers.measure.models import KpiFact
    from koers.sales.models import Opportunity, Stage

    month = month_start(month)
    booked_cents = (
        KpiFact.objects.filter(kpi="revenue", person=person, month=month).aggregate(
            n=Sum("numerator")
        )["n"]
        or 0
    )
    booked = Decimal(booked_cents) / 100 if month <= today else Decimal(0)
    rows = dict(
        Opportunity.objects.filter(
            owner=person,
            stage__kind=Stage.Kind.OPEN,
            expected_close_date__gte=month,
            expected_close_date__lt=add_months(month, 1),
        )
        .values("forecast_category")
        .annotate(v=Sum("reporting_amount"))
        .values_list("forecast_category", "v")
    )
    commit = booked + (rows.get("commit") or 0)
    best = commit + (rows.get("best_case") or 0)
    return {
        "commit": commit.quantize(Decimal("0.01")),
        "best_case": best.quantize(Decimal("0.01")),
        "pipeline": (best + (rows.get("pipeline") or 0)).quantize(Decimal("0.01")),
    }


@dataclass
class Level:
    """One person or unit in the roll-up: the call (adjusted where adjusted), the person's
    own call where it differs, the system forecast, the target and the gap."""

    key: str
    name: str
    kind: str
    call: ForecastCall | None = None
    commit: Decimal = Decimal(0)
    best_case: Decimal = Decimal(0)
    pipeline: Decimal = Decimal(0)
    own_commit: Decimal = Decimal(0)
    called: int = 0
    months_called: int = 0
    people: int = 0
    system: float | None = None
    target: float | None = None
    depth: int = 0
    children: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        """What the commit falls short of the target (negative: above it)."""
        return None if self.target is None else self.target - float(self.commit)


def _sold_by_unit(first: dt.date, last: dt.date) -> dict[str, float]:
    """Every unit's revenue sold from ``first`` to today (within ``last``), read once for
    all of them: the part of a period that is gone."""
    import polars as pl
    from django.utils import timezone

    from koers.forecast.series import history

    today = timezone.localdate()
    if first > today:
        return {}
    upto = add_months(month_start(min(today, last)), 1)
    frame = history("revenue", first, upto, ("unit",))
    sums = frame.group_by("series").agg(pl.col("value").sum())
    return dict(zip(sums["series"].to_list(), sums["value"].to_list(), strict=True))


def _sold_and_forecast(
    key: str, first: dt.date, last: dt.date, sold: dict[str, float]
) -> float | None:
    """Where the period ``first``..``last`` of the series ``key`` ends: sold to today
    (``sold``, from :func:`_sold_by_unit`) plus the combined forecast of the rest
    (``selectors.to_period_end``), as the forecast page says it; a month gone counts as
    sold, never as its old forecast."""
    from django.utils import timezone

    from koers.forecast.selectors import combined_between, to_period_end

    today = timezone.localdate()
    if first > today:
        return combined_between(key, "revenue", first, month_start(last))
    return to_period_end(key, "revenue", first, last, today, float(sold.get(key, 0.0)))


def rollup(
    user: Any, month: dt.date, *, months: int = 1, with_people: bool = True
) -> tuple[list[Level], list[Level]]:
    """The people the user sees who call (unless ``with_people`` is false), and the units
    the user sees, for ``month``: each with its call, the system forecast, the target and
    the gap. With ``months`` > 1 the units' figures are summed over that many months from
    ``month`` (a quarter); people are then left out."""
    from koers.forecast.selectors import combined_for

    month = month_start(month)
    last_month = add_months(month, months - 1)
    last = add_months(month, months) - dt.timedelta(days=1)
    with_people = with_people and months == 1
    people = (
        list(
            vis.visible_people(user)
            .filter(role__in=CALLERS)
            .select_related("unit")
            .order_by("last_name", "first_name", "pk")
        )
        if with_people
        else []
    )
    calls = {
        c.person_id: c
        for c in ForecastCall.objects.filter(month=month, person__in=[p.pk for p in people])
    }
    from koers.plan.models import Target

    targets = dict(
        Target.objects.overall()
        .filter(kpi="revenue", person__in=[p.pk for p in people], month=month)
        .values_list("person", "value")
    )
    units_seen = list(vis.visible_units(user).order_by("path"))
    system = combined_for(
        [f"person:{p.pk}" for p in people] + [f"unit:{u.pk}" for u in units_seen],
        "revenue",
        month,
        last_month,
    )
    rows = []
    for person in people:
        call = calls.get(person.pk)
        level = Level(f"person:{person.pk}", str(person), "person", call=call, people=1)
        if call is not None:
            level.commit, level.best_case, level.pipeline = (call.final(p) for p in PARTS)
            level.own_commit, level.called = call.commit, 1
        level.system = system.get(level.key)
        target = targets.get(person.pk)
        level.target = float(target) if target is not None else None
        rows.append(level)
    units = []
    sold = _sold_by_unit(month, last) if months > 1 and units_seen else {}
    # every unit's callers, calls and target read once for all units, summed by subtree
    from koers.plan.selectors import unit_targets

    callers = Counter(
        Person.objects.filter(role__in=CALLERS, unit__isnull=False).values_list(
            "unit__path", flat=True
        )
    )
    # the calls summed per unit the callers sit in, then per subtree below
    per_path: dict[str, Level] = {}
    months_by_path: dict[str, set[dt.date]] = {}
    for call in ForecastCall.objects.filter(
        month__gte=month, month__lte=last_month, person__unit__isnull=False
    ).annotate(path=F("person__unit__path")):
        held = per_path.setdefault(call.path, Level(call.path, "", "unit"))
        held.commit += call.final("commit")
        held.best_case += call.final("best_case")
        held.pipeline += call.final("pipeline")
        held.own_commit += call.commit
        held.called += 1
        months_by_path.setdefault(call.path, set()).add(call.month)
    targets = unit_targets(units_seen, month, last, "revenue")
    for unit in units_seen:
        # a unit's total counts everyone in it (a salesperson sees her team's total, not
        # her colleagues' calls)
        level = Level(f"unit:{unit.pk}", str(unit), "unit", depth=unit.depth)
        level.people = sum(n for path, n in callers.items() if path.startswith(unit.path))
        called_in: set[dt.date] = set()
        for path, held in per_path.items():
            if not path.startswith(unit.path):
                continue
            called_in |= months_by_path[path]
            level.commit += held.commit
            level.best_case += held.best_case
            level.pipeline += held.pipeline
            level.own_commit += held.own_commit
            level.called += held.called
        level.months_called = len(called_in)
        level.system = system.get(level.key)
        if months > 1:  # a quarter: what was sold in its months gone, plus the forecast
            level.system = _sold_and_forecast(level.key, month, last, sold)
        target = targets.get(unit.pk)
        level.target = float(target) if target is not None else None
        units.append(level)
    return rows, units
