"""The KPI catalogue and KPI values through the API, computed by the same selectors as
the KPI page, within what the caller may see."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from koers.api.schemas import MAX_ID, ErrorOut
from koers.engine.periods import PERIOD_MONTHS, add_months, period_of
from koers.measure import selectors as sel
from koers.measure.catalogue import definitions
from koers.org import visibility as vis
from koers.org.models import Person
from koers.org.setup import fiscal_start_month

router = Router(tags=["kpis"])
MAX_PERIODS = 120  # ten years of months in one answer
FROM = Query(..., alias="from", description="the first day")
TO = Query(..., alias="to", description="the last day")


class KpiOut(Schema):
    code: str
    name_en: str
    name_nl: str
    timing: str
    level: str
    unit: str
    higher_is_better: bool
    ratio: bool
    description_en: str
    description_nl: str
    custom: bool


class ValueOut(Schema):
    period_start: dt.date
    period_end: dt.date
    value: float | None
    target: float | None
    attainment: float | None


class ValuesOut(Schema):
    kpi: str
    scope: str
    grain: str
    values: list[ValueOut]


@router.get("", response=list[KpiOut], operation_id="list_kpis")
def list_kpis(request: HttpRequest):
    """Every KPI of the catalogue, built in and custom, with both names."""
    return [KpiOut(**spec.__dict__) for spec in definitions().values()]


def _scope(request: HttpRequest, person: int | None, unit: int | None):
    """The people whose figures count: one person, a unit's subtree, or everyone the caller
    may see who sells; 404 for a person or unit outside what the caller may see."""
    sellers = vis.visible_sellers(request.user)
    if person is not None:
        chosen = vis.visible_people(request.user).filter(pk=person)
        if not chosen.exists():
            raise Http404(_("No such person."))
        return chosen, str(chosen.get()), None
    if unit is not None:
        found = vis.visible_units(request.user).filter(pk=unit).first()
        if found is None:
            raise Http404(_("No such unit."))
        everyone = Person.objects.in_subtree(found).filter(role__in=vis.SELLING_ROLES)
        members = sellers.filter(pk__in=everyone.values("pk"))
        if everyone.exclude(pk__in=members.values("pk")).exists():
            # a part of a unit against the whole unit's target would be a figure of nobody's
            raise PermissionDenied(
                _(
                    "You may see only part of %(unit)s, so it has no figure for you: ask for "
                    "a person, or for everyone you may see."
                )
                % {"unit": found},
            )
        return members, str(found), found
    return sellers, _("everyone you may see"), sel.scope_unit(request.user)


def _periods(start: dt.date, end: dt.date, grain: str) -> list[tuple[dt.date, dt.date]]:
    months = PERIOD_MONTHS[grain]
    first = period_of(grain, start, fiscal_start_month())[0]
    periods = []
    while first <= end and len(periods) < MAX_PERIODS:
        last = add_months(first, months) - dt.timedelta(days=1)
        periods.append((max(first, start), min(last, end)))
        first = add_months(first, months)
    return periods


MAX_PERIODS = 1200  # a hundred years of months


@router.get(
    "/values",
    response={200: ValuesOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="kpi_values",
)
def kpi_values(
    request: HttpRequest,
    kpi: str,
    date_from: dt.date = FROM,
    date_to: dt.date = TO,
    grain: Literal["month", "quarter", "year"] = "month",
    person: int | None = Query(None, ge=1, le=MAX_ID),
    unit: int | None = Query(None, ge=1, le=MAX_ID),
):
    """A KPI's value, target and attainment per month, quarter or year from ``from`` to
    ``to``, for a person, a unit or everyone the caller may see: the KPI page's figures.
    A period that starts or ends within a month counts exactly its days."""
    if kpi not in definitions():
        return Status(404, {"detail": _("“%(kpi)s” is not a KPI of the catalogue.") % {"kpi": kpi}})
    if date_to < date_from:
        return Status(422, {"detail": _("Choose “from” on or before “to”.")})
    months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
    per = {"month": 1, "quarter": 3, "year": 12}[grain]
    if months // per > MAX_PERIODS:
        # any date the data holds is fine (an ERP's 1996); only the answer's size is bound
        return Status(
            422,
            {
                "detail": _(
                    "That asks for %(n)s periods; at most %(max)s are answered at once. "
                    "Choose a shorter span or a coarser grain."
                )
                % {"n": f"{months // per:,}", "max": MAX_PERIODS}
            },
        )
    people, label, group = _scope(request, person, unit)
    values = []
    for first, last in _periods(date_from, date_to, grain):
        value = sel.kpi_values_between(people, first, last).get(kpi)
        target = sel.target_values(people, first, last, group).get(kpi)
        values.append(
            ValueOut(
                period_start=first,
                period_end=last,
                value=value,
                target=target,
                attainment=sel.attainment(kpi, value, target),
            )
        )
    return {"kpi": kpi, "scope": label, "grain": grain, "values": values}
