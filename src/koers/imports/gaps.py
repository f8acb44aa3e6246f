"""What real exports lack, filled in so the first import goes through, and flagged so an
administrator fixes it: a person without a unit goes into the "unassigned" unit, a person
without a start date starts on the import's date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.imports.parse import Parsed

UNASSIGNED = "UNASSIGNED"


@dataclass(frozen=True)
class Gap:
    field: str
    reason: str
    keys: list[str]  # the external ids of the rows it applies to


def fill_people(parsed: Parsed, today: dt.date) -> list[Gap]:
    """Fill the people file's empty unit and start date; returns what was filled."""
    frame = parsed.frame
    gaps = []
    if "unit_id" in frame.columns:
        empty = frame["unit_id"].is_null() | (frame["unit_id"] == "")
        if empty.any():
            ensure_unassigned_unit()
            gaps.append(
                Gap(
                    "unit",
                    _("No unit in the import: placed in “Unassigned”."),
                    frame.filter(empty)["external_id"].to_list(),
                )
            )
            frame = frame.with_columns(
                pl.when(empty)
                .then(pl.lit(UNASSIGNED))
                .otherwise(pl.col("unit_id"))
                .alias("unit_id")
            )
    if "start_date" in frame.columns:
        empty = frame["start_date"].is_null()
        if empty.any():
            gaps.append(
                Gap(
                    "start_date",
                    _("No start date in the import: the import's date was used."),
                    frame.filter(empty)["external_id"].to_list(),
                )
            )
            frame = frame.with_columns(pl.col("start_date").fill_null(today))
    parsed.frame = frame
    return gaps


def ensure_unassigned_unit() -> None:
    """The unit for people whose unit is not known yet, under the top unit."""
    from koers.org.models import OrgUnit
    from koers.org.services import unit_save

    if OrgUnit.objects.filter(code=UNASSIGNED).exists():
        return
    top = OrgUnit.objects.filter(parent=None).order_by("pk").first()
    unit_save(
        unit=OrgUnit(code=UNASSIGNED, name=_("Unassigned"), kind=OrgUnit.Kind.TEAM, parent=top),
        by=None,
    )


def flag(table: str, gaps: list[Gap], run: Any) -> int:
    """Record the gaps of the written rows for the data-quality list."""
    from koers.imports.models import DataQualityFlag
    from koers.org.models import Person

    if table != "org_person":
        return 0
    keys = {k for g in gaps for k in g.keys}
    people = Person.objects.filter(external_id__in=keys).select_related("unit")
    # only what the import really filled: an existing person keeps their unit and date
    still = {
        "unit": {p.external_id: p.pk for p in people if p.unit.code == UNASSIGNED},
        "start_date": {
            p.external_id: p.pk
            for p in people
            if p.start_date == timezone.localdate(run.started_at)
        },
    }
    flags = [
        DataQualityFlag(
            table=table, record_id=still[g.field][k], field=g.field, reason=g.reason, run=run
        )
        for g in gaps
        for k in g.keys
        if k in still[g.field]
    ]
    DataQualityFlag.objects.bulk_create(flags)
    return len(flags)
