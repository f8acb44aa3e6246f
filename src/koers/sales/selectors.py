"""Read queries for pages and the API. Each takes querysets that have already been
narrowed by the visibility module, and aggregates in the database (no row loops)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, QuerySet, Sum
from django.db.models.functions import Coalesce

from koers.engine.money import quantize_money
from koers.org.models import Person
from koers.sales.models import Activity, Opportunity, Stage

MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal("0")
WEIGHTED = ExpressionWrapper(
    F("reporting_amount") * F("stage__probability") / 100, output_field=MONEY
)


def _money(value: Any) -> Decimal:
    return quantize_money(Decimal(str(value or 0)))


def _revenue_facts(people: QuerySet[Any], start: dt.date, end: dt.date) -> QuerySet[Any]:
    """The revenue KPI facts (credited cents, split by the engine's one rule, in the
    reporting currency) of ``people`` for the months of ``start``..``end``: the same
    figures as the KPI page, the benchmark and the API."""
    from koers.measure.models import KpiFact

    return KpiFact.objects.filter(
        kpi="revenue",
        person__in=people.values("pk"),
        month__gte=start.replace(day=1),
        month__lte=end,
    )


def revenue_by_month(
    people: QuerySet[Any], start: dt.date, end: dt.date
) -> list[tuple[dt.date, Decimal]]:
    rows = (
        _revenue_facts(people, start, end)
        .values("month")
        .annotate(v=Sum("numerator"))
        .order_by("month")
    )
    return [(r["month"], Decimal(int(r["v"] or 0)) / 100) for r in rows]


@dataclass
class PersonFigures:
    revenue: Decimal = ZERO
    open_pipeline: Decimal = ZERO
    activities: int = 0


def figures_by_person(
    people: QuerySet[Any], start: dt.date, end: dt.date
) -> dict[int, PersonFigures]:
    """Revenue in the period, open pipeline now and activities in the period, per person:
    three grouped queries, whatever the number of people."""
    figures: dict[int, PersonFigures] = defaultdict(PersonFigures)
    ids = people.values("pk")
    revenue = _revenue_facts(people, start, end).values("person").annotate(v=Sum("numerator"))
    for r in revenue.order_by():
        figures[r["person"]].revenue = Decimal(int(r["v"] or 0)) / 100
    pipeline = (
        Opportunity.objects.filter(owner__in=ids, stage__kind=Stage.Kind.OPEN)
        .values("owner")
        .annotate(v=Coalesce(Sum("reporting_amount"), ZERO, output_field=MONEY))
    )
    for r in pipeline:
        figures[r["owner"]].open_pipeline = _money(r["v"])
    acts = Activity.objects.filter(owner__in=ids, date__gte=start, date__lte=end)
    for r in acts.values("owner").annotate(n=Count("pk")).order_by():
        figures[r["owner"]].activities = r["n"]
    return figures


def creditable_people(user: Any) -> QuerySet[Person]:
    """Whom ``user`` may give a share of a deal's credit (a split moves pay): anyone for
    the organisation-wide roles, the units she leads for a manager, one's own team for a
    salesperson."""
    from koers.org import visibility as vis

    role, me = vis.role_of(user), vis.person_of(user)
    if role in vis.ALL_SEEING:
        return Person.objects.all()
    if role == vis.Role.SALESPERSON and me is not None:
        return Person.objects.filter(unit_id=me.unit_id)
    return vis.visible_people(user)
