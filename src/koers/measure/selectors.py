"""Reading KPI values from the pre-aggregated facts: sums of numerators and denominators,
so a team, a quarter or a year is exact."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, NamedTuple

from django.db.models import QuerySet, Sum

from koers.engine import kpi
from koers.measure.catalogue import definition, definitions
from koers.measure.models import KpiFact


def kpi_name(code: str) -> str:
    """The KPI's name in the user's language."""
    from django.utils.translation import get_language

    spec = definition(code)
    return spec.name_nl if (get_language() or "en").startswith("nl") else spec.name_en


def _facts(people: QuerySet[Any], start: dt.date, end: dt.date) -> QuerySet[KpiFact]:
    return KpiFact.objects.filter(person__in=people.values("pk"), month__gte=start, month__lte=end)


def kpi_values(people: QuerySet[Any], start: dt.date, end: dt.date) -> dict[str, float | None]:
    """Each KPI over all ``people`` together for the months ``start``..``end``."""
    rows = (
        _facts(people, start, end)
        .values("kpi")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
        .order_by()
    )
    defs = definitions()
    values: dict[str, float | None] = dict.fromkeys(defs)
    for row in rows:
        if row["kpi"] in defs:
            values[row["kpi"]] = kpi.value(defs[row["kpi"]], row["n"], row["d"])
    return values


def kpi_values_by_person(
    people: QuerySet[Any], start: dt.date, end: dt.date
) -> dict[int, dict[str, float | None]]:
    rows = (
        _facts(people, start, end)
        .values("person", "kpi")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
        .order_by()
    )
    defs = definitions()
    table: dict[int, dict[str, float | None]] = defaultdict(lambda: dict.fromkeys(defs))
    for row in rows:
        if row["kpi"] in defs:
            table[row["person"]][row["kpi"]] = kpi.value(defs[row["kpi"]], row["n"], row["d"])
    return table


def denominators_by_person(
    people: QuerySet[Any], code: str, start: dt.date, end: dt.date
) -> dict[int, int]:
    """A ratio KPI's summed denominator per person (for the win rate: decided deals)."""
    rows = (
        _facts(people, start, end)
        .filter(kpi=code)
        .values("person")
        .annotate(d=Sum("denominator"))
        .order_by()
    )
    return {r["person"]: r["d"] for r in rows}


def rank_among(
    person_id: int, peers: QuerySet[Any], code: str, start: dt.date, end: dt.date
) -> tuple[int, int] | None:
    """(rank, number of peers) of a person for one KPI; 1 is best."""
    values = {
        pid: v[code]
        for pid, v in kpi_values_by_person(peers, start, end).items()
        if v[code] is not None
    }
    if person_id not in values:
        return None
    better = definition(code).higher_is_better
    ordered = sorted(values.values(), reverse=better)
    return ordered.index(values[person_id]) + 1, len(ordered)


def kpi_trend(
    people: QuerySet[Any], code: str, start: dt.date, end: dt.date
) -> list[tuple[dt.date, float | None]]:
    rows = (
        _facts(people, start, end)
        .filter(kpi=code)
        .values("month")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
        .order_by("month")
    )
    spec = definition(code)
    return [(r["month"], kpi.value(spec, r["n"], r["d"])) for r in rows]


def monthly_series(people: QuerySet[Any], code: str, start: dt.date, end: dt.date):
    """person_id, month, value of one KPI, per person and month, as a frame."""
    import polars as pl

    spec = definition(code)
    rows = (
        _facts(people, start, end)
        .filter(kpi=code)
        .values_list("person_id", "month", "numerator", "denominator")
    )
    values = [(p, m, kpi.value(spec, n, d)) for p, m, n, d in rows]
    return pl.DataFrame(
        [v for v in values if v[2] is not None],
        orient="row",
        schema={"person_id": pl.Int64, "month": pl.Date, "value": pl.Float64},
    )


def driver_totals(people: QuerySet[Any], start: dt.date, end: dt.date):
    """Leads, decided and won opportunities and the won value, from the facts."""
    from koers.engine.drivers import Drivers

    sums = {
        row["kpi"]: row
        for row in _facts(people, start, end)
        .filter(kpi__in=["win_rate", "won_deals", "avg_deal_size", "leads"])
        .values("kpi")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
        .order_by()
    }
    decided = sums.get("win_rate", {}).get("d") or 0
    won = sums.get("won_deals", {}).get("n") or 0
    value = sums.get("avg_deal_size", {}).get("n") or 0
    leads = sums.get("leads", {}).get("n") or 0
    return Drivers(int(decided), int(won), int(value), int(leads))


def group_sales(people: QuerySet[Any], start: dt.date, end: dt.date) -> dict[int, tuple[int, int]]:
    """Product group → (credited revenue in cents, quantity) of ``people`` in the months."""
    from koers.measure.models import GroupSalesFact

    rows = (
        GroupSalesFact.objects.filter(
            person__in=people.values("pk"), month__gte=month_floor(start), month__lte=end
        )
        .values("product_group")
        .annotate(r=Sum("revenue_cents"), q=Sum("quantity"))
        .order_by()
    )
    return {row["product_group"]: (int(row["r"]), int(row["q"])) for row in rows}


def funnel_steps(people: QuerySet[Any], start: dt.date, end: dt.date):
    """The funnel of opportunities created in the period by ``people``, from their stage
    history: the furthest open or won stage each one reached."""
    import polars as pl
    from django.db.models import Max

    from koers.engine.funnel import funnel
    from koers.sales.models import Stage, StageChange

    rows = (
        StageChange.objects.filter(
            opportunity__owner__in=people.values("pk"),
            opportunity__created_on__gte=start,
            opportunity__created_on__lte=end,
        )
        .exclude(stage__kind=Stage.Kind.LOST)
        .values("opportunity")
        .annotate(order=Max("stage__order"))
        .order_by()
    )
    highest = pl.DataFrame(
        [(r["opportunity"], r["order"]) for r in rows],
        orient="row",
        schema={"opportunity_id": pl.Int64, "order": pl.Int64},
    )
    stages = list(
        Stage.objects.filter(process__is_default=True)
        .exclude(kind=Stage.Kind.LOST)
        .order_by("order")
    )
    names = {s.code: str(s) for s in stages}
    return [
        (names[step.code], step) for step in funnel(highest, [(s.code, s.order) for s in stages])
    ]


def target_values(
    people: QuerySet[Any], start: dt.date, end: dt.date, unit: Any = None
) -> dict[str, float]:
    """The group's targets per KPI for the months ``start``..``end``: the unit's own target
    where ``unit`` has one, otherwise the people's own targets (summed for counts and
    amounts, averaged for ratios). ``koers.plan.selectors`` holds the rule."""
    from koers.plan.selectors import group_targets

    return {k: float(v) for k, v in group_targets(people, unit, start, end).items()}


def scope_unit(user: Any) -> Any:
    """The unit whose subtree is everything ``user`` sees on the KPI pages: a manager's own
    unit, the organisation's top unit for those who see everything, none for a salesperson."""
    from koers.org import visibility as vis
    from koers.org.models import OrgUnit, Role

    role, me = vis.role_of(user), vis.person_of(user)
    if role == Role.MANAGER and me is not None:
        return me.unit
    if vis.sees_everything(user):
        roots = list(OrgUnit.objects.filter(parent=None)[:2])
        return roots[0] if len(roots) == 1 else None
    return None


def targets_by_person(people: QuerySet[Any], month: dt.date) -> dict[tuple[int, str], float]:
    from koers.plan.models import Target

    rows = Target.objects.filter(person__in=people.values("pk"), month=month)  # own targets
    defs = definitions()
    return {(t.person_id, t.kpi): float(t.value) for t in rows if t.kpi in defs}


def attainment(code: str, actual: float | None, target: float | None) -> float | None:
    """Actual ÷ target as a percentage (target ÷ actual where lower is better)."""
    if actual is None or not target:
        return None
    if definition(code).higher_is_better:
        return actual / target * 100
    return target / actual * 100 if actual else None


def month_floor(day: dt.date) -> dt.date:
    return day.replace(day=1)


class Pipeline(NamedTuple):
    """The open opportunities, in euros: all of them; ``due``, those expected to close by
    the period's end (coverage counts these); ``overdue``, those whose expected close date
    has passed while they are still open (a hygiene signal, counted in both)."""

    value: float
    weighted: float
    count: int
    due_value: float = 0.0
    due_count: int = 0
    overdue_value: float = 0.0
    overdue_count: int = 0


def open_pipeline(people: QuerySet[Any], until: dt.date, today: dt.date | None = None) -> Pipeline:
    """Open opportunities of ``people``: all, those expected to close by ``until`` and those
    expected before ``today`` that are still open."""
    from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q
    from django.utils import timezone

    from koers.sales.models import Opportunity, Stage

    today = today or timezone.localdate()
    weighted = ExpressionWrapper(
        F("reporting_amount") * F("stage__probability") / 100,
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )
    due, late = Q(expected_close_date__lte=until), Q(expected_close_date__lt=today)
    row = Opportunity.objects.filter(
        owner__in=people.values("pk"), stage__kind=Stage.Kind.OPEN
    ).aggregate(
        v=Sum("reporting_amount"),
        w=Sum(weighted),
        n=Count("pk"),
        dv=Sum("reporting_amount", filter=due),
        dn=Count("pk", filter=due),
        lv=Sum("reporting_amount", filter=late),
        ln=Count("pk", filter=late),
    )
    return Pipeline(
        float(row["v"] or 0),
        float(row["w"] or 0),
        row["n"],
        float(row["dv"] or 0),
        row["dn"],
        float(row["lv"] or 0),
        row["ln"],
    )


def coverage(pipeline: float, target: float | None, achieved: float | None) -> float | None:
    """Open pipeline ÷ the revenue still to reach the target (None once it is reached)."""
    if target is None:
        return None
    remaining = target - (achieved or 0)
    return pipeline / remaining if remaining > 0 else None
