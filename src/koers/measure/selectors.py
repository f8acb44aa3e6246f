"""Reading KPI values from the pre-aggregated facts: sums of numerators and denominators,
so a team, a quarter or a year is exact."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, NamedTuple

from django.db.models import QuerySet, Sum

from koers.engine import kpi
from koers.engine.periods import add_months, month_end
from koers.measure.catalogue import definition, definitions
from koers.measure.models import KpiFact


def _facts(people: QuerySet[Any], start: dt.date, end: dt.date) -> QuerySet[KpiFact]:
    return KpiFact.objects.filter(person__in=people.values("pk"), month__gte=start, month__lte=end)


Sums = dict[str, tuple[int, int]]


def _sums(people: QuerySet[Any], start: dt.date, end: dt.date) -> Sums:
    """Each KPI's summed numerator and denominator over ``people`` and the months."""
    rows = (
        _facts(people, start, end)
        .values("kpi")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
        .order_by()
    )
    return {row["kpi"]: (int(row["n"]), int(row["d"])) for row in rows}


def values_of(sums: Sums) -> dict[str, float | None]:
    defs = definitions()
    values: dict[str, float | None] = dict.fromkeys(defs)
    for code, (n, d) in sums.items():
        if code in defs:
            values[code] = kpi.value(defs[code], n, d)
    return values


def kpi_values(people: QuerySet[Any], start: dt.date, end: dt.date) -> dict[str, float | None]:
    """Each KPI over all ``people`` together for the months ``start``..``end``."""
    return values_of(_sums(people, start, end))


def facts_version() -> str:
    """Rises with every refresh of the facts (which replaces rows with new ids), with every
    record edit that leaves a month to refresh and with every audited change (a target, a
    plan, an analysis): what a cached figure is kept against. One query (three index
    lookups), since every dashboard view asks."""
    from koers.measure.models import StaleMonth, StaleScope
    from koers.org.models import AuditEvent

    return newest_ids(KpiFact, StaleMonth, StaleScope, AuditEvent)


def newest_ids(*models: Any) -> str:
    """The newest id of each model's table, joined with dots (0 for an empty table): a
    version that rises whenever a record is added to any of them. One query."""
    from django.db import connection

    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"(SELECT MAX(id) FROM {t})" for t in tables)  # noqa: S608
        )
        row = cursor.fetchone()
    return ".".join(str(v or 0) for v in row)


def spans(first: dt.date, last: dt.date) -> tuple[tuple[dt.date, dt.date] | None, list]:
    """The days ``first``..``last`` as (first and last whole month, or None) and the parts
    of a month at either end, each (first day, last day)."""
    whole_first = first if first.day == 1 else add_months(first, 1)
    whole_last = month_floor(last) if last == month_end(last) else add_months(last, -1)
    if whole_first > whole_last:
        if month_floor(first) == month_floor(last):
            return None, [(first, last)]
        return None, [(first, month_end(first)), (month_floor(last), last)]
    parts = []
    if first.day != 1:
        parts.append((first, month_end(first)))
    if last != month_end(last):
        parts.append((month_floor(last), last))
    return (whole_first, whole_last), parts


def _part_sums(
    ids: list[int], first: dt.date, last: dt.date
) -> tuple[dict[str, tuple[int, int]], dict[int, tuple[int, int]]]:
    """The KPI sums and the product group sums of ``ids`` over the days of a part of a
    month, computed from the records once per group of people, part and data version, and
    kept in the cache as sums (small, whatever the organisation's size)."""
    import hashlib

    import polars as pl
    from django.core.cache import cache

    from koers.measure.services import day_facts

    who = hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()  # noqa: S324
    key = f"koers:partsums:{first}:{last}:{who}:{facts_version()}"
    found = cache.get(key)
    if found is None:
        facts, groups = day_facts(first, last)
        kpis = (
            facts.filter(pl.col("person_id").is_in(ids))
            .group_by("kpi")
            .agg(pl.col("numerator").sum(), pl.col("denominator").sum())
        )
        by_group = (
            groups.filter(pl.col("person_id").is_in(ids))
            .group_by("product_group_id")
            .agg(pl.col("revenue_cents").sum(), pl.col("quantity").sum())
        )
        found = (
            {code: (int(n), int(d)) for code, n, d in kpis.iter_rows()},
            {group: (int(r), int(q)) for group, r, q in by_group.iter_rows()},
        )
        cache.set(key, found, 60 * 60)
    return found


def _ids(people: QuerySet[Any]) -> list[int]:
    return list(people.values_list("pk", flat=True))


def kpi_sums_between(people: QuerySet[Any], first: dt.date, last: dt.date) -> Sums:
    """Each KPI's sums over ``people`` for exactly the days ``first``..``last``: whole
    months from the stored facts, a part of a month from the records."""

    whole, parts = spans(first, last)
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    if whole:
        for code, (n, d) in _sums(people, *whole).items():
            sums[code][0] += n
            sums[code][1] += d
    ids = _ids(people) if parts else []
    for part in parts:
        for code, (n, d) in _part_sums(ids, *part)[0].items():
            sums[code][0] += n
            sums[code][1] += d
    return {code: (n, d) for code, (n, d) in sums.items()}


def kpi_values_between(
    people: QuerySet[Any], first: dt.date, last: dt.date
) -> dict[str, float | None]:
    """Each KPI over ``people`` for exactly the days ``first``..``last``."""
    return values_of(kpi_sums_between(people, first, last))


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


def driver_totals(people: QuerySet[Any], first: dt.date, last: dt.date):
    """Leads, decided and won opportunities and the won value of exactly the days
    ``first``..``last``, from the facts."""
    from koers.engine.drivers import Drivers

    sums = kpi_sums_between(people, first, last)
    decided = sums.get("win_rate", (0, 0))[1]
    won = sums.get("won_deals", (0, 0))[0]
    value = sums.get("avg_deal_size", (0, 0))[0]
    leads = sums.get("leads", (0, 0))[0]
    return Drivers(int(decided), int(won), int(value), int(leads))


def group_sales(people: QuerySet[Any], first: dt.date, last: dt.date) -> dict[int, tuple[int, int]]:
    """Product group → (credited revenue in cents, quantity) of ``people`` in exactly the
    days ``first``..``last``: whole months from the stored facts, a part from the records."""

    from koers.measure.models import GroupSalesFact

    whole, parts = spans(first, last)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    if whole:
        rows = (
            GroupSalesFact.objects.filter(
                person__in=people.values("pk"), month__gte=whole[0], month__lte=whole[1]
            )
            .values("product_group")
            .annotate(r=Sum("revenue_cents"), q=Sum("quantity"))
            .order_by()
        )
        for row in rows:
            totals[row["product_group"]][0] += int(row["r"])
            totals[row["product_group"]][1] += int(row["q"])
    ids = _ids(people) if parts else []
    for part in parts:
        for group, (revenue, quantity) in _part_sums(ids, *part)[1].items():
            totals[group][0] += revenue
            totals[group][1] += quantity
    return {group: (r, q) for group, (r, q) in totals.items()}


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
        return vis.managed_unit(user)
    if vis.sees_everything(user):
        roots = list(OrgUnit.objects.filter(parent=None)[:2])
        return roots[0] if len(roots) == 1 else None
    return None


def targets_by_person(people: QuerySet[Any], month: dt.date) -> dict[tuple[int, str], float]:
    from koers.plan.models import Target

    rows = Target.objects.overall().filter(person__in=people.values("pk"), month=month)
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
