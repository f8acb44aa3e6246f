"""Reference data from repeated values: a CRM's sales-teams file names each office and
manager on every agent's row and has no units or managers table of its own. A people
mapping can say which columns hold them:

    distinct:
      regional_office: units      # each distinct office is a unit (its code and name)
      manager: managers           # each distinct manager is a person with the manager role

Before the people are written, every distinct value that Koers does not know yet becomes a
unit under the company, or a manager (named by the value, in the unit most of their people
are in); the rows then refer to them as to any unit or manager. Inside the import's
transaction: a refused or trial import leaves none of them behind.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import polars as pl
from django.utils import timezone

WHAT = ("units", "managers")


def _values(table: pl.DataFrame, header: str) -> list[str]:
    if header not in table.columns:
        return []
    column = table[header].fill_null("").str.strip_chars()
    return sorted(v for v in column.unique().to_list() if v)


def make_references(distinct: dict[str, str], table: pl.DataFrame, by: Any) -> dict[str, int]:
    """Create the units and managers the file's repeated values name; returns how many of
    each were made."""
    made: dict[str, int] = {}
    units = next((h for h, what in distinct.items() if what == "units"), None)
    if units:
        made["units"] = _units(_values(table, units))
    for header, what in distinct.items():
        if what == "managers":
            made["managers"] = _managers(table, header, units)
    return made


def _units(values: list[str]) -> int:
    from koers.imports.gaps import company_unit
    from koers.org.models import OrgUnit
    from koers.org.services import unit_save

    known = set(OrgUnit.objects.filter(code__in=values).values_list("code", flat=True))
    top = company_unit()
    fresh = [v for v in values if v not in known]
    for value in fresh:
        unit_save(
            unit=OrgUnit(code=value[:40], name=value[:120], kind=OrgUnit.Kind.REGION, parent=top),
            by=None,
        )
    return len(fresh)


def _managers(table: pl.DataFrame, header: str, units: str | None) -> int:
    from koers.imports.gaps import UNASSIGNED, ensure_unassigned_unit
    from koers.org.models import OrgUnit, Person, Role
    from koers.org.services import person_save

    values = _values(table, header)
    known = set(Person.objects.filter(external_id__in=values).values_list("external_id", flat=True))
    fresh = [v for v in values if v not in known]
    if not fresh:
        return 0
    where: dict[str, str] = {}
    if units and units in table.columns:
        pairs = table.select(
            pl.col(header).fill_null("").str.strip_chars(),
            pl.col(units).fill_null("").str.strip_chars(),
        ).iter_rows()
        counted: dict[str, Counter[str]] = {}
        for manager, unit in pairs:
            if manager and unit:
                counted.setdefault(manager, Counter())[unit] += 1
        where = {m: c.most_common(1)[0][0] for m, c in counted.items()}
    ensure_unassigned_unit()
    by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=[*where.values(), UNASSIGNED])}
    for value in fresh:
        first, _space, last = value.partition(" ")
        person_save(
            person=Person(
                external_id=value[:60],
                first_name=first[:80],
                last_name=(last or first)[:80],
                role=Role.MANAGER,
                unit=by_code.get(where.get(value, ""), by_code[UNASSIGNED]),
                start_date=timezone.localdate(),
            ),
            by=None,
        )
    return len(fresh)
