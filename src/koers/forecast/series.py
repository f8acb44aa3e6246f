"""The monthly history of every series a forecast covers, read from the KPI facts (the
same facts every KPI page adds up, so a unit's history here is the unit's figure there).

* ``unit:<id>``: everyone whose unit is that unit or below it (as the KPI page's unit);
* ``person:<id>``: a salesperson's or manager's own facts;
* ``group:<id>``: a product group's sales, organisation-wide.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import Sum

from koers.measure.catalogue import definition
from koers.measure.models import GroupSalesFact, KpiFact
from koers.org.models import OrgUnit, Person, Role

KPIS = ("revenue", "volume")
SERIES_ROLES = (Role.SALESPERSON, Role.MANAGER)
SCHEMA = {"series": pl.String, "period": pl.Date, "value": pl.Float64}


def _scale(kpi: str) -> float:
    spec = definition(kpi)
    return 100.0 if spec.unit == "money" else float(spec.divisor or 1)


def history(
    kpi: str, first: dt.date, before: dt.date, scopes: tuple[str, ...] = ("unit", "person", "group")
) -> pl.DataFrame:
    """``series``, ``period``, ``value`` of every series of ``kpi`` in the months from
    ``first`` up to (not including) ``before``."""
    if kpi not in KPIS:
        raise ValueError(f"no forecast for {kpi!r}")
    scale = _scale(kpi)
    facts = pl.DataFrame(
        list(
            KpiFact.objects.filter(kpi=kpi, month__gte=first, month__lt=before).values_list(
                "person_id", "month", "numerator"
            )
        ),
        schema={"person_id": pl.Int64, "period": pl.Date, "n": pl.Int64},
        orient="row",
    )
    parts = []
    if "person" in scopes:
        sellers = list(Person.objects.filter(role__in=SERIES_ROLES).values_list("pk", flat=True))
        parts.append(
            facts.filter(pl.col("person_id").is_in(sellers))
            .group_by("person_id", "period")
            .agg(pl.col("n").sum())
            .select(
                pl.format("person:{}", pl.col("person_id")).alias("series"),
                "period",
                (pl.col("n") / scale).alias("value"),
            )
        )
    if "unit" in scopes:
        paths = dict(OrgUnit.objects.values_list("pk", "path"))
        by_path = {path: pk for pk, path in paths.items()}
        people = pl.DataFrame(
            [
                (person, ancestor)
                for person, unit in Person.objects.exclude(unit=None).values_list("pk", "unit")
                for ancestor in _ancestors(paths.get(unit, ""), by_path)
            ],
            schema={"person_id": pl.Int64, "unit_id": pl.Int64},
            orient="row",
        )
        parts.append(
            facts.join(people, on="person_id")
            .group_by("unit_id", "period")
            .agg(pl.col("n").sum())
            .select(
                pl.format("unit:{}", pl.col("unit_id")).alias("series"),
                "period",
                (pl.col("n") / scale).alias("value"),
            )
        )
    if "group" in scopes:
        parts.append(
            pl.DataFrame(
                [(f"group:{g}", m, v) for g, m, v in _group_sales(kpi, first, before)],
                schema=SCHEMA,
                orient="row",
            )
        )
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat([p.cast(SCHEMA) for p in parts]).sort("series", "period")  # type: ignore[arg-type]


def series_history(key: str, kpi: str, first: dt.date, before: dt.date) -> pl.DataFrame:
    """What :func:`history` gives for the one series ``key``, summed by the database for
    that series alone (a page about one series reads its facts, not every series')."""
    if kpi not in KPIS:
        raise ValueError(f"no forecast for {kpi!r}")
    kind, _sep, ident = key.partition(":")
    months: list[tuple[dt.date, float]] = []
    if ident.isdigit():
        scale = _scale(kpi)
        facts = KpiFact.objects.filter(kpi=kpi, month__gte=first, month__lt=before)
        if kind == "person":
            on_roles = Person.objects.filter(pk=int(ident), role__in=SERIES_ROLES).exists()
            facts = facts.filter(person_id=int(ident)) if on_roles else facts.none()
        elif kind == "unit":
            path = OrgUnit.objects.filter(pk=int(ident)).values_list("path", flat=True).first()
            facts = facts.filter(person__unit__path__startswith=path) if path else facts.none()
        if kind in ("person", "unit"):
            rows = facts.values("month").annotate(n=Sum("numerator")).values_list("month", "n")
            months = [(month, (n or 0) / scale) for month, n in rows]
        elif kind == "group":
            months = [(m, v) for _g, m, v in _group_sales(kpi, first, before, int(ident))]
    return pl.DataFrame(
        [(key, month, value) for month, value in months], schema=SCHEMA, orient="row"
    ).sort("period")


def _group_sales(
    kpi: str, first: dt.date, before: dt.date, group: int | None = None
) -> list[tuple[int, dt.date, float]]:
    """(product group, month, value) of every product group's sales, or of ``group``'s."""
    column = "revenue_cents" if kpi == "revenue" else "quantity"
    divisor = 100.0 if kpi == "revenue" else 1000.0
    facts = GroupSalesFact.objects.filter(month__gte=first, month__lt=before)
    if group is not None:
        facts = facts.filter(product_group=group)
    rows = (
        facts.values("product_group", "month")
        .annotate(n=Sum(column))
        .values_list("product_group", "month", "n")
    )
    return [(g, m, (n or 0) / divisor) for g, m, n in rows]


def _ancestors(path: str, by_path: dict[str, int]) -> list[int]:
    """The unit of ``path`` and every unit above it (paths like ``0001.0003.``)."""
    found = []
    for end in range(len(path)):
        if path[end] == ".":
            unit = by_path.get(path[: end + 1])
            if unit is not None:
                found.append(unit)
    return found
