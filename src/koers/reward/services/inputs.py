"""A month's run, step 1: its inputs as frames from the database: the credited
transactions, the managers over time, the quotas, the KPI measures and goal scores of each
payee (``Context`` holds what the components share)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl
from django.db.models import Avg, Q, Sum

from koers.core.bulk import dates_between, new_account_sql, query_frame
from koers.engine import comp, periods
from koers.engine.money import to_cents
from koers.engine.periods import (
    PERIOD_MONTHS,
    fiscal_year_start,
    month_end,
)
from koers.measure.catalogue import definitions
from koers.org.setup import fiscal_start_month
from koers.reward.documents import ComponentSpec
from koers.reward.models import (
    Goal,
    PlanAssignment,
)
from koers.sales.currency import reporting_currency
from koers.sales.status import counted_sql

if TYPE_CHECKING:
    from koers.plan.selectors import UnitMonths

I64, DATE = pl.Int64, pl.Date


def period_of(kind: str, month: dt.date) -> tuple[dt.date, dt.date]:
    """The month, fiscal quarter or fiscal year that contains ``month``; for ``ytd`` the
    fiscal year up to the end of ``month`` (cumulative, paid every month)."""
    fiscal = fiscal_start_month()
    if kind == "ytd":
        return fiscal_year_start(month, fiscal), month_end(month)
    return periods.period_of(kind, month, fiscal)


def _credit_query(holder: str, share: str, joins: str, start: dt.date, end: dt.date) -> str:
    """The SELECT of credit rows in the order of ``comp.CREDIT_SCHEMA`` for order lines
    booked, invoiced or paid in ``start``..``end``; ``holder`` and ``share`` name the
    credit holder and their share (bp), ``joins`` reach them. The original's order date
    of a return is left empty here (see :func:`_credit_rows`)."""
    cents = "CAST(ROUND({} * 100) AS BIGINT)"
    return (
        f"SELECT l.id, {holder}, {share}, l.order_date, "
        f"l.invoice_date, l.paid_date, {cents.format('l.reporting_amount')}, "
        f"{cents.format('l.reporting_cost')}, "
        "CAST(ROUND(l.quantity * 1000) AS BIGINT), p.group_id, "
        f"{new_account_sql('acc')}, NULL, COALESCE(acc.segment, ''), l.original_id "
        "FROM sales_orderline l "
        "LEFT JOIN sales_product p ON p.id = l.product_id "
        "JOIN sales_account acc ON acc.id = l.account_id "
        f"{joins} "
        f"WHERE ({_dated(start, end)}) AND {counted_sql('l')}"
    )


def _dated(start: dt.date, end: dt.date) -> str:
    """SQL: the order line ``l`` is booked, invoiced or paid in ``start``..``end``."""
    return " OR ".join(
        dates_between(f"l.{c}", start, end) for c in ("order_date", "invoice_date", "paid_date")
    )


def _credit_rows(holder: str, share: str, joins: str, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The credit rows of :func:`_credit_query` with each return's original order date.
    The originals are looked up for the few returns in a query of their own (by the index
    on ``original_id``) and joined here: joined in the one query, the database hashed
    every order line ever stored to find them (2 of 9 s at scale 100)."""
    rows = query_frame(_credit_query(holder, share, joins, start, end), comp.CREDIT_SCHEMA)
    if rows["original_id"].null_count() == rows.height:  # no return among them
        return rows
    originals = query_frame(
        "SELECT l.id, o.order_date FROM sales_orderline l "
        "JOIN sales_orderline o ON o.id = l.original_id "
        f"WHERE l.original_id IS NOT NULL AND ({_dated(start, end)}) AND {counted_sql('l')}",
        {"line_id": I64, "_original_date": DATE},
    )
    return (
        rows.join(originals, on="line_id", how="left", maintain_order="left")
        .with_columns(pl.col("_original_date").alias("original_date"))
        .select(list(comp.CREDIT_SCHEMA))
    )


def credits_frame(start: dt.date, end: dt.date) -> pl.DataFrame:
    """Every credit of an order line booked, invoiced or paid in ``start``..``end``."""
    return _credit_rows(
        "c.person_id",
        "CAST(ROUND(c.percent * 100) AS BIGINT)",
        "JOIN sales_orderlinecredit c ON c.line_id = l.id",
        start,
        end,
    )


TERRITORY_KINDS = {"primary": "primary", "overlay": "overlay"}  # only these reach the SQL


def territory_credits_frame(start: dt.date, end: dt.date, kind: str) -> pl.DataFrame:
    """Territory-based credit: every order line dated (booked, invoiced or paid) in
    ``start``..``end`` credited in full to each person assigned (as ``kind``: primary or
    overlay) to the territory that held the line's account on the order date."""
    joins = (
        "JOIN sales_territoryaccount ta ON ta.account_id = l.account_id "
        "AND ta.valid_from <= l.order_date "
        "AND (ta.valid_to IS NULL OR ta.valid_to >= l.order_date) "
        "JOIN sales_territoryperson tp ON tp.territory_id = ta.territory_id "
        "AND tp.valid_from <= l.order_date "
        "AND (tp.valid_to IS NULL OR tp.valid_to >= l.order_date) "
        f"AND tp.kind = '{TERRITORY_KINDS[kind]}'"
    )
    return _credit_rows("tp.person_id", "10000", joins, start, end)


def managers_frame(start: dt.date | None = None, end: dt.date | None = None) -> pl.DataFrame:
    """The reporting lines (person_id, manager_id, valid_from, valid_to) that overlap
    ``start``..``end``: the effective-dated hierarchy. Someone without any recorded line
    reports to their current manager throughout."""
    from koers.org.models import ManagerLink, Person

    links = ManagerLink.objects.all()
    if start is not None and end is not None:
        links = links.filter(valid_from__lte=end).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=start)
        )
    rows = list(links.values_list("person_id", "manager_id", "valid_from", "valid_to"))
    linked = set(ManagerLink.objects.values_list("person_id", flat=True).distinct())
    rows += [
        (pk, manager, None, None)
        for pk, manager in Person.objects.values_list("pk", "manager_id")
        if pk not in linked
    ]
    return pl.DataFrame(
        rows,
        schema={"person_id": I64, "manager_id": I64, "valid_from": DATE, "valid_to": DATE},
        orient="row",
    )


def _manager_on(managers: pl.DataFrame, day: dt.date) -> dict[int, int | None]:
    """Each person's manager on ``day``."""
    valid = managers.filter(comp.valid_on(day, day))
    return dict(valid.select("person_id", "manager_id").iter_rows())


def _quotas(kpi: str, people: Iterable[int], start: dt.date, end: dt.date) -> dict[int, int]:
    """The quota of each person for the period: the sum of their monthly targets of
    ``kpi``, in the facts' units (cents for money, thousandths for volume)."""
    from koers.plan.models import Target

    if not kpi:
        return {}
    known = definitions().get(kpi)
    units = known.fact_units if known is not None else 1
    rows = (
        Target.objects.overall()
        .filter(kpi=kpi, person__in=list(people), month__gte=start, month__lte=end)
        .values("person")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {r["person"]: int(r["total"] * units) for r in rows}


def _group_quota(kpi: str, members: Any, unit: Any, start: dt.date, end: dt.date) -> int | None:
    """A group's quota: the unit's target where set, else its members' own targets, each
    counted once (``koers.plan.selectors``); in cents for money."""
    from koers.plan.selectors import group_targets

    total = group_targets(members, unit, start, end, [kpi]).get(kpi)
    if total is None:
        return None
    known = definitions().get(kpi)
    return int(total * (known.fact_units if known is not None else 1))


def team_quotas(
    kpi: str,
    managers: Iterable[int],
    start: dt.date,
    end: dt.date,
    context: Context | None = None,
) -> dict[int, int]:
    """Each manager's team quota: the target of the unit they lead, or the own targets of
    everyone in it and themselves; the same group the KPI page shows the manager. With a
    ``context``, the KPI's targets of its whole span are read once and serve every period
    and month computed within it."""
    from koers.org.models import Person
    from koers.plan.selectors import team_targets

    if not kpi:
        return {}
    known = definitions().get(kpi)
    units = known.fact_units if known is not None else 1
    leaders = Person.objects.filter(pk__in=list(managers)).select_related("unit")
    table = context.unit_months(kpi) if context is not None else None
    return {
        pk: int(total * units)
        for pk, total in team_targets(leaders, start, end, kpi, table).items()
    }


def _company_quota(kpi: str, start: dt.date, end: dt.date) -> int | None:
    """The organisation's quota: its top unit's target, or everyone who sells."""
    from koers.org.models import OrgUnit, Person
    from koers.org.visibility import SELLING_ROLES

    if not kpi:
        return None
    roots = list(OrgUnit.objects.filter(parent=None)[:2])
    sellers = Person.objects.filter(role__in=SELLING_ROLES).values("pk")
    return _group_quota(kpi, sellers, roots[0] if len(roots) == 1 else None, start, end)


def kpi_measures(
    code: str, people: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, tuple[int | None, int | None]]:
    """Each person's (actual, target) of a KPI over ``start``..``end``, both in hundredths
    of the KPI's unit (cents for money): a count or amount sums its facts and its monthly
    targets, a ratio divides its summed facts and averages its targets."""
    from koers.measure.models import KpiFact
    from koers.plan.models import Target

    known = definitions().get(code)
    if known is None:
        return {}
    people = list(people)
    facts = (
        KpiFact.objects.filter(kpi=code, person__in=people, month__gte=start, month__lte=end)
        .values("person")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
        .order_by()
    )
    targets = dict(
        Target.objects.overall()
        .filter(kpi=code, person__in=people, month__gte=start, month__lte=end)
        .values("person")
        .annotate(t=Avg("value") if known.ratio else Sum("value"))
        .order_by()
        .values_list("person", "t")
    )
    actual: dict[int, int | None] = {}
    for row in facts:
        if known.ratio:
            actual[row["person"]] = row["n"] * known.scale * 100 // row["d"] if row["d"] else None
        else:
            actual[row["person"]] = (
                row["n"] if known.unit == "money" else row["n"] * 100 // known.divisor
            )
    return {
        p: (actual.get(p), int(targets[p] * 100) if targets.get(p) is not None else None)
        for p in people
    }


def _goal_scores(people: Iterable[int], start: dt.date, end: dt.date) -> dict[int, int]:
    """The weighted score (ppm) of each person's goals for the period; an unscored goal
    counts as 0% until it is scored."""
    sums: dict[int, list[int]] = {}
    goals = Goal.objects.filter(
        person__in=list(people), period_start__gte=start, period_end__lte=end
    )
    for goal in goals:
        total = sums.setdefault(goal.person_id, [0, 0])
        total[0] += int((goal.score or 0) * goal.weight * 10_000)
        total[1] += goal.weight
    return {p: s // w if w else 0 for p, (s, w) in sums.items()}


@dataclass
class Context:
    """What every component of a month shares: the credits and the hierarchy."""

    credits: pl.DataFrame
    managers: pl.DataFrame
    manager_of: dict[int, int | None] = field(default_factory=dict)
    # credited rows per (credit key, start, end), shared by components that credit alike
    rows: dict[tuple[Any, ...], pl.DataFrame] = field(default_factory=dict)
    # the first and last day the context was loaded for
    span: tuple[dt.date, dt.date] | None = None
    # per KPI its units' monthly targets over the span, read when first asked
    targets: dict[str, UnitMonths] = field(default_factory=dict)

    def unit_months(self, kpi: str) -> UnitMonths | None:
        if self.span is None:
            return None
        if kpi not in self.targets:
            from koers.plan.selectors import UnitMonths

            self.targets[kpi] = UnitMonths.read(kpi, *self.span)
        return self.targets[kpi]


def _payees(
    spec: ComponentSpec,
    assignments: list[PlanAssignment],
    start: dt.date,
    end: dt.date,
    to_date: dt.date,
    context: Context,
) -> pl.DataFrame:
    """Everyone on the plan during the period: the days on it, the quota to date (the
    targets of the months up to ``to_date``), the target incentive of this component for
    the whole period prorated to the days on the plan, their team, the attainment of a
    gate or multiplier and, for a measure that is not credited, the measure."""

    c = spec.component
    days = (end - start).days + 1
    months = (
        (end.year - start.year) * 12 + end.month - start.month + 1
        if c.period == "ytd"
        else PERIOD_MONTHS[c.period]
    )
    people = [a.person_id for a in assignments]
    teams = {p: context.manager_of.get(p) for p in people}
    if c.measure == "kpi":
        measured = kpi_measures(c.kpi, people, start, to_date)
        quotas = {p: t for p, (_a, t) in measured.items() if t is not None}
        values: dict[int, int | None] = {p: a for p, (a, _t) in measured.items()}
    elif c.measure == "goals":
        values = dict(_goal_scores(people, start, end))
        quotas = {p: comp.PPM for p in people}
    elif c.scope == "team":
        managers = {t for t in teams.values() if t}
        by_team = team_quotas(spec.quota_kpi, managers, start, to_date, context)
        quotas = {p: by_team[t] for p, t in teams.items() if t in by_team}
        values = {}
    elif c.scope == "company":
        total = _company_quota(spec.quota_kpi, start, to_date)
        quotas = {p: total for p in people} if total else {}
        values = {}
    elif c.rollup:  # measured on everything below them: quota of the group they lead
        quotas = team_quotas(spec.quota_kpi, people, start, to_date, context)
        values = {}
    else:
        quotas = _quotas(spec.quota_kpi, people, start, to_date)
        values = {}
    modifier: dict[int, int | None] = {}
    if c.modifier_kpi:
        for p, (actual, target) in kpi_measures(c.modifier_kpi, people, start, to_date).items():
            modifier[p] = (actual or 0) * comp.PPM // target if target else None
    rows = []
    for a in assignments:
        valid_from = max(a.valid_from, start)
        valid_to = min(a.valid_to or end, end)
        on_plan = (valid_to - valid_from).days + 1
        yearly = to_cents(a.target_incentive)
        # yearly × share × months/12 × days on the plan/days: one truncation to the cent
        target = yearly * spec.incentive_bp * months * on_plan // (10_000 * 12 * days)
        full = yearly * spec.incentive_bp * months // (10_000 * 12)
        p = a.person_id
        rows.append(
            (p, quotas.get(p), target, valid_from, valid_to, teams[p], modifier.get(p), full)
            + ((values.get(p),) if c.measure not in comp.CREDITED else ())
        )
    schema = {
        "person_id": I64,
        "quota": I64,
        "target_incentive_cents": I64,
        "valid_from": DATE,
        "valid_to": DATE,
        "team_id": I64,
        "modifier_ppm": I64,
        "full_incentive_cents": I64,  # the whole period's, for a change of plan version
    }
    if c.measure not in comp.CREDITED:
        schema["measure"] = I64
    return pl.DataFrame(rows, schema=schema, orient="row")


def paid_in_basis(lines: Any, restated: Any, fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Earnings paid, summed by ``fields``, in the reporting currency: the payout ``lines``
    of runs calculated in it, and for the months calculated in another before a currency
    switch, their ``restated`` lines in it (``RestatedLine``). Without a switch: the lines."""
    basis = reporting_currency()
    found = []
    for rows in (lines.filter(run__currency=basis), restated.filter(currency=basis)):
        found += list(
            rows.values(*fields).annotate(t=Sum("earnings")).order_by().values_list(*fields, "t")
        )
    return found


def shared_context(first: dt.date, end: dt.date) -> Context:
    """The credits and reporting lines of ``first``..``end``, loaded once for every month
    computed within it (a month's components filter their own period)."""
    managers = managers_frame(first, end)
    return Context(
        credits_frame(first, end), managers, _manager_on(managers, end), span=(first, end)
    )
