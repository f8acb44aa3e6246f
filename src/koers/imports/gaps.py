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


COMPANY = "COMPANY"


def company_unit() -> Any:
    """The top unit; on a first import into an empty Koers it is made first."""
    from koers.org.models import OrgUnit
    from koers.org.services import unit_save

    top = OrgUnit.objects.filter(parent=None).order_by("pk").first()
    if top is None:
        top = unit_save(
            unit=OrgUnit(code=COMPANY, name=_("Company"), kind=OrgUnit.Kind.COMPANY), by=None
        )
    return top


def ensure_unassigned_unit() -> None:
    """The unit for people whose unit is not known yet, under the top unit."""
    from koers.org.models import OrgUnit
    from koers.org.services import unit_save

    if OrgUnit.objects.filter(code=UNASSIGNED).exists():
        return
    top = company_unit()
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


# --- open opportunities without amount or dates (when the mapping's gaps allow it) ----

EXPECTED_AHEAD = dt.timedelta(days=90)


@dataclass(frozen=True)
class Filled:
    """Which rows (file line numbers) had which gap filled, and with what."""

    rows: dict[str, list[int]]

    def __bool__(self) -> bool:
        return any(self.rows.values())


def fill_opportunities(
    table: pl.DataFrame,
    mapping: dict[str, str],
    gaps: tuple[str, ...],
    dates: str | None,
    today: dt.date,
) -> tuple[pl.DataFrame, dict[str, str], Filled]:
    """Fill the allowed gaps of ``table`` (headers as in ``mapping``): no amount → 0, no
    creation date → today, no expected close date → 90 days on; the rows are remembered
    for ``closed_with_gaps`` and the data-quality list."""
    header_of = {column: header for header, column in mapping.items()}
    fill = {
        "account": NO_ACCOUNT,
        "amount": "0",
        "created_on": today.strftime(dates or "%Y-%m-%d"),
        "expected_close_date": (today + EXPECTED_AHEAD).strftime(dates or "%Y-%m-%d"),
    }
    rows: dict[str, list[int]] = {}
    mapping = dict(mapping)
    for column in gaps:
        stored = REF_COLUMNS.get(column, column)
        header = header_of.get(stored)
        if header is None:  # the file has no such column: every row lacks it
            header = _("%(column)s (not in the file)") % {"column": column}
            table = table.with_columns(pl.lit("").alias(header))
            mapping[header] = stored
        empty = table[header].fill_null("").str.strip_chars() == ""
        rows[column] = [i + 2 for i in empty.arg_true().to_list()]
        table = table.with_columns(
            pl.when(empty).then(pl.lit(fill[column])).otherwise(pl.col(header)).alias(header)
        )
    return table, mapping, Filled(rows)


def closed_with_gaps(parsed: Parsed, frame: pl.DataFrame, filled: Filled) -> None:
    """A won or lost deal keeps needing its amount and dates: those rows are problems."""
    from koers.sales.models import Stage

    closed = set(Stage.objects.exclude(kind=Stage.Kind.OPEN).values_list("pk", flat=True))
    for column, rows in filled.rows.items():
        bad = frame["_row"].is_in(rows) & frame["stage_id"].is_in(sorted(closed))
        header = parsed.headers.get(column, column)
        parsed.add_errors(
            bad, header, pl.Series([""] * frame.height), _("a won or lost deal needs this value")
        )


def flag_opportunities(frame: pl.DataFrame, filled: Filled, run: Any) -> list[int]:
    """Flag each filled gap of the written opportunities; returns the flags' ids."""
    from koers.imports.models import DataQualityFlag
    from koers.sales.models import Opportunity

    reasons = {
        "amount": _("No amount in the import: 0 until it is known."),
        "created_on": _(
            "No creation date in the import: the import's date was used, and the deal is "
            "not counted as a new opportunity until the date is known."
        ),
        "expected_close_date": _("No expected close date in the import: 90 days on."),
        "account": _("No account in the import: linked to “%(name)s” until it is known.")
        % {"name": NO_ACCOUNT_NAME},
    }
    keys = dict(zip(frame["_row"].to_list(), frame["external_id"].to_list(), strict=True))
    wanted = {keys[r] for rows in filled.rows.values() for r in rows if r in keys}
    ids = dict(Opportunity.objects.filter(external_id__in=wanted).values_list("external_id", "pk"))
    flags = [
        DataQualityFlag(
            table="sales_opportunity",
            record_id=ids[keys[r]],
            field=column,
            reason=reasons[column],
            run=run,
        )
        for column, rows in filled.rows.items()
        for r in rows
        if keys.get(r) in ids
    ]
    # a deal flagged already for the same field (an earlier import) is not flagged twice
    open_flags = set(
        DataQualityFlag.objects.filter(
            table="sales_opportunity", record_id__in=ids.values(), resolved_at=None
        ).values_list("record_id", "field")
    )
    flags = [f for f in flags if (f.record_id, f.field) not in open_flags]
    made = DataQualityFlag.objects.bulk_create(flags)
    return [f.pk for f in made if f.pk]


def link_flags(flag_ids: list[int], run: Any) -> None:
    """The flags made inside the import belong to its run, stored after it."""
    from koers.imports.models import DataQualityFlag

    if flag_ids and run.pk:
        DataQualityFlag.objects.filter(pk__in=flag_ids).update(run=run)


REF_COLUMNS = {"account": "account_id"}  # a gap's name: its stored column
NO_ACCOUNT = "NO-ACCOUNT"
NO_ACCOUNT_NAME = "No account (import)"


def no_account() -> str:
    """The external id of the account an open deal without one is linked to, made when
    first needed (no owner: nobody's customer, no new business)."""
    from koers.sales.models import Account

    Account.objects.get_or_create(
        external_id=NO_ACCOUNT,
        defaults={"name": NO_ACCOUNT_NAME, "lifecycle": Account.Lifecycle.LOYAL},
    )
    return NO_ACCOUNT
