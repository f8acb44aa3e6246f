"""A group's target, read one way everywhere: the unit's own target for a month where one
is set, otherwise the sum over the distinct people in the group of their own targets (their
average for a ratio KPI). A unit target is never added to the members' targets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Avg, QuerySet, Sum

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
        .annotate(total=Sum("value"), mean=Avg("value"))
        .order_by()
    )
    table: dict[str, dict[dt.date, Decimal]] = defaultdict(dict)
    for row in own:
        if row["kpi"] in defs:
            ratio = defs[row["kpi"]].ratio
            table[row["kpi"]][row["month"]] = Decimal(row["mean" if ratio else "total"])
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
    out = {}
    for kpi, months in monthly_group_targets(people, unit, start, end, kpis).items():
        total = sum(months.values(), Decimal(0))
        out[kpi] = total / len(months) if defs[kpi].ratio else total
    return out


def unit_led_by(person: Any) -> OrgUnit | None:
    """The unit a manager leads: their own unit (a manager sits in the unit they lead)."""
    return person.unit if person is not None and person.unit_id else None
