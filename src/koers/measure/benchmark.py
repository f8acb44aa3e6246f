"""The internal benchmark: units side by side on the same KPIs, best and worst marked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from koers.engine import kpi
from koers.measure import selectors as sel
from koers.org.models import OrgUnit, Person

COLUMNS = ("revenue", "margin_pct", "dso", "win_rate", "nps")


def benchmark(units: list[OrgUnit], start: dt.date, end: dt.date) -> dict[str, Any]:
    """One row per unit (its whole subtree): the KPIs of ``COLUMNS`` and revenue per FTE,
    with the best and worst unit marked in each column (lower is better for DSO)."""
    rows = []
    for unit in units:
        people = Person.objects.filter(unit__path__startswith=unit.path)
        values = sel.kpi_values(people, start, end)
        fte = people.aggregate(total=Sum("fte"))["total"] or Decimal("0")
        per_fte = values["revenue"] / float(fte) if values["revenue"] is not None and fte else None
        rows.append({"unit": unit, "values": [values[c] for c in COLUMNS] + [per_fte], "fte": fte})
    codes = [*COLUMNS, "revenue"]  # revenue per FTE: higher is better, like revenue
    for index, code in enumerate(codes):
        column = [r["values"][index] for r in rows if r["values"][index] is not None]
        if len(column) < 2:
            continue
        high, low = max(column), min(column)
        best, worst = (high, low) if kpi.CATALOGUE[code].higher_is_better else (low, high)
        for row in rows:
            marks = row.setdefault("marks", [""] * len(codes))
            marks[index] = (
                "best"
                if row["values"][index] == best
                else "worst"
                if row["values"][index] == worst
                else ""
            )
    return {
        "codes": list(COLUMNS),
        "rows": rows,
        "units": [kpi.CATALOGUE[c].unit for c in COLUMNS] + ["money"],
    }


def benchmark_units(user_unit: OrgUnit | None, sees_all: bool) -> list[OrgUnit]:
    """The units a viewer compares: countries and regions for the organisation, the
    sub-units of a manager's own unit."""
    if sees_all:
        return list(OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.COUNTRY, OrgUnit.Kind.REGION]))
    if user_unit is not None:
        return list(OrgUnit.objects.filter(parent=user_unit))
    return []
