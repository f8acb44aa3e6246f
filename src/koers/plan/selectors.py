"""A group's target, read one way everywhere: the unit's own target for a month where one
is set, otherwise the sum over the distinct people in the group of their own targets (their
average for a ratio KPI). A unit target is never added to the members' targets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import QuerySet, Sum

from koers.measure.catalogue import definitions
from koers.org.models import OrgUnit
from koers.plan.models import Target


def monthly_group_targets(
    people: QuerySet[Any] | Iterable[int],
    unit: OrgUnit | None,
    start: dt.date,
    end: dt.date,
    kpis: Iterable[str] | None = None,
) -> dict[str, dict[dt.date, Decimal]]:
    """KPI → month → the group's target for the months ``start``..``end``. ``people`` are
    the group's members (a queryset or ids); ``unit`` is the unit the group is, when it is
    one, whose own targets then stand for the months they are set."""
    first = start.replace(day=1)
    defs = definitions()
    codes = set(kpis) if kpis is not None else set(defs)
    ids = people.values("pk") if isinstance(people, QuerySet) else list(people)
    own = (
        Target.objects.overall()
        .filter(person__in=ids, month__gte=first, month__lte=end, kpi__in=codes)
        .values("kpi", "month")
        .annotate(total=Sum("value"), n=models.Count("id"))
        .order_by()
    )
    table: dict[str, dict[dt.date, Decimal]] = defaultdict(dict)
    for row in own:
        if row["kpi"] in defs:
            # the mean in decimals here, alike on every database (SQLite averages in floats)
            total = Decimal(row["total"])
            table[row["kpi"]][row["month"]] = total / row["n"] if defs[row["kpi"]].ratio else total
    if unit is not None:
        for kpi, month, value in (
            Target.objects.overall()
            .filter(unit=unit, month__gte=first, month__lte=end, kpi__in=codes)
            .values_list("kpi", "month", "value")
        ):
            if kpi in defs:
                table[kpi][month] = value
    return dict(table)


def group_targets(
    people: QuerySet[Any] | Iterable[int],
    unit: OrgUnit | None,
    start: dt.date,
    end: dt.date,
    kpis: Iterable[str] | None = None,
) -> dict[str, Decimal]:
    """KPI → the group's target over the months ``start``..``end``: the months' sum for a
    count or amount, their average for a ratio."""
    defs = definitions()
    return {
        kpi: over_months(months, defs[kpi].ratio)
        for kpi, months in monthly_group_targets(people, unit, start, end, kpis).items()
    }


def over_months(months: dict[dt.date, Decimal], ratio: bool) -> Decimal:
    """A target over its months: their sum for a count or amount, their average for a
    ratio."""
    total = sum(months.values(), Decimal(0))
    return total / len(months) if ratio else total


def team_targets(
    leaders: Iterable[Any],
    start: dt.date,
    end: dt.date,
    kpi: str,
    table: UnitMonths | None = None,
) -> dict[int, Decimal]:
    """Leader id → the target of the group they lead over ``start``..``end`` (everyone in
    their unit and below, themselves included): what :func:`group_targets` gives for each
    leader's group and unit, read in two queries for all leaders at once (none with a
    ``table`` of the KPI's unit months that spans the months). Leaders without a unit, and
    groups without any target in the months, are left out."""
    leaders = [p for p in leaders if p.unit_id]
    by_unit = unit_targets([p.unit for p in leaders], start, end, kpi, table)
    return {p.pk: by_unit[p.unit_id] for p in leaders if p.unit_id in by_unit}


@dataclass(frozen=True)
class UnitMonths:
    """One KPI's monthly targets over ``first``..``end``, as every unit's target is made of:
    per unit path and month the members' own targets (their sum and number), and per unit
    and month the unit's own target. Read once, it serves every unit and every span of
    months within it (a month's run asks for each team quota of several periods)."""

    kpi: str
    first: dt.date
    end: dt.date
    members: dict[str, dict[dt.date, tuple[Decimal, int]]]
    own: dict[int, dict[dt.date, Decimal]]

    @classmethod
    def read(
        cls, kpi: str, start: dt.date, end: dt.date, units: list[int] | None = None
    ) -> UnitMonths:
        """The two queries; ``units``: only these units' own targets (all when None)."""
        first = start.replace(day=1)
        targets = Target.objects.overall().filter(kpi=kpi, month__gte=first, month__lte=end)
        members: dict[str, dict[dt.date, tuple[Decimal, int]]] = defaultdict(dict)
        for path, month, total, count in (
            targets.filter(person__unit__isnull=False)
            .values("person__unit__path", "month")
            .annotate(total=Sum("value"), n=models.Count("id"))
            .values_list("person__unit__path", "month", "total", "n")
            .order_by()
        ):
            members[path][month] = (Decimal(total), count)
        own_targets = targets.filter(unit__isnull=False)
        if units is not None:
            own_targets = own_targets.filter(unit__in=units)
        own: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
        for unit, month, value in own_targets.values_list("unit", "month", "value"):
            own[unit][month] = value
        return cls(kpi, first, end, dict(members), dict(own))

    def spans(self, start: dt.date, end: dt.date) -> bool:
        return self.first <= start.replace(day=1) and end <= self.end

    def targets(
        self, units: list[OrgUnit], start: dt.date, end: dt.date, ratio: bool
    ) -> dict[int, Decimal]:
        """Unit id → its target over ``start``..``end`` (within the months read)."""
        first = start.replace(day=1)
        wanted = {u.path: u for u in units}
        sums: dict[str, dict[dt.date, list[Any]]] = defaultdict(dict)
        for path, by_month in self.members.items():
            # every unit a member's unit lies in: the path's prefixes ("0001.", "0001.0004.")
            cut = 0
            while (cut := path.find(".", cut) + 1) > 0:
                above = path[:cut]
                if above not in wanted:
                    continue
                months = sums[above]
                for month, (total, count) in by_month.items():
                    if first <= month <= end:
                        held = months.setdefault(month, [Decimal(0), 0])
                        held[0] += total
                        held[1] += count
        out: dict[int, Decimal] = {}
        for unit in units:
            table = {m: (t / n if ratio else t) for m, (t, n) in sums.get(unit.path, {}).items()}
            table.update((m, v) for m, v in self.own.get(unit.pk, {}).items() if first <= m <= end)
            if table:
                out[unit.pk] = over_months(table, ratio)
        return out


def unit_targets(
    units: Iterable[OrgUnit],
    start: dt.date,
    end: dt.date,
    kpi: str,
    table: UnitMonths | None = None,
) -> dict[int, Decimal]:
    """Unit id → the target of everyone in the unit and below over ``start``..``end``:
    the unit's own target in a month where it has one, else its people's (summed, or
    averaged for a ratio), as :func:`group_targets` gives for each unit; read in two
    queries for all units at once, or from ``table`` when it holds the KPI's months.
    Units without any target in the months are left out."""
    defs = definitions()
    units = list({u.pk: u for u in units}.values())
    if kpi not in defs or not units:
        return {}
    if table is None or table.kpi != kpi or not table.spans(start, end):
        table = UnitMonths.read(kpi, start, end, [u.pk for u in units])
    return table.targets(units, start, end, defs[kpi].ratio)


def unit_led_by(person: Any) -> OrgUnit | None:
    """The unit a manager leads: their own unit (a manager sits in the unit they lead)."""
    return person.unit if person is not None and person.unit_id else None
