"""The internal benchmark: units side by side on the same KPIs, best and worst marked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from koers.measure import selectors as sel
from koers.measure.catalogue import definition
from koers.measure.drill import records_url
from koers.measure.models import OperatingCost
from koers.org.models import OrgUnit, Person

COLUMNS = ("revenue", "margin_pct", "dso", "win_rate", "nps")


def benchmark(units: list[OrgUnit], start: dt.date, end: dt.date) -> dict[str, Any]:
    """One row per unit (its whole subtree): the KPIs of ``COLUMNS`` and revenue per FTE,
    with the best and worst unit marked in each column (lower is better for DSO)."""
    period_costs = OperatingCost.objects.filter(month__gte=start.replace(day=1), month__lte=end)
    with_costs = period_costs.exists()
    rows = []
    for unit in units:
        people = Person.objects.filter(unit__path__startswith=unit.path)
        values = sel.kpi_values(people, start, end)
        fte = people.aggregate(total=Sum("fte"))["total"] or Decimal("0")
        per_fte = values["revenue"] / float(fte) if values["revenue"] is not None and fte else None
        urls = [records_url(c, start, end, unit_id=unit.pk) for c in (*COLUMNS, "revenue")]
        row = {
            "unit": unit,
            "values": [values[c] for c in COLUMNS] + [per_fte],
            "urls": urls,
            "fte": fte,
        }
        if with_costs:
            row["values"].append(ebit_pct(unit, start, end, values))
            row["urls"].append(urls[0])
        rows.append(row)
    codes = [*COLUMNS, "revenue"]  # revenue per FTE: higher is better, like revenue
    if with_costs:
        codes.append("margin_pct")  # EBIT %: higher is better, like margin %
    for index, code in enumerate(codes):
        column = [r["values"][index] for r in rows if r["values"][index] is not None]
        if len(column) < 2:
            continue
        high, low = max(column), min(column)
        best, worst = (high, low) if definition(code).higher_is_better else (low, high)
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
        "units": [definition(c).unit for c in COLUMNS] + ["money"] + ["percent"] * with_costs,
        "ebit": with_costs,
    }


def ebit_pct(unit: OrgUnit, start: dt.date, end: dt.date, values: dict) -> float | None:
    """EBIT % of a unit's subtree: (gross margin - operating costs) ÷ revenue of the lines
    with a known cost (the revenue behind the gross margin). None without costs."""
    costs = OperatingCost.objects.filter(
        unit__path__startswith=unit.path, month__gte=start.replace(day=1), month__lte=end
    ).aggregate(total=Sum("amount"))["total"]
    margin, pct = values.get("gross_margin"), values.get("margin_pct")
    if costs is None or not margin or not pct:
        return None
    costed_revenue = margin / (pct / 100)
    return (margin - float(costs)) / costed_revenue * 100


def benchmark_units(user_unit: OrgUnit | None, sees_all: bool) -> list[OrgUnit]:
    """The units a viewer compares: countries and regions for the organisation, the
    sub-units of a manager's own unit."""
    if sees_all:
        return list(OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.COUNTRY, OrgUnit.Kind.REGION]))
    if user_unit is not None:
        return list(OrgUnit.objects.filter(parent=user_unit))
    return []
