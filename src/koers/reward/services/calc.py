"""Calculation runs: load the month's credited transactions, run the engine per plan
component, store payout lines with their trace, then settle each person's payout (draws,
guarantees, recovery, holds, adjustments). Re-running an open month replaces it; a change
that reaches a closed month becomes a correction in the open month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Q, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from koers.core.audit import audit
from koers.core.bulk import bulk_insert, dates_between, new_account_sql, query_frame
from koers.core.progress import report
from koers.engine import comp, periods
from koers.engine.money import from_cents, quantize_money, to_cents
from koers.engine.periods import (
    PERIOD_MONTHS,
    add_months,
    fiscal_year_start,
    month_end,
    month_start,
)
from koers.measure.catalogue import definitions
from koers.org.setup import fiscal_start_month
from koers.reward.documents import ComponentSpec, PlanSpec, parse_plan
from koers.reward.models import (
    Adjustment,
    CalcRun,
    Goal,
    Hold,
    Payout,
    PayoutLine,
    Plan,
    PlanAssignment,
    RestatedLine,
)
from koers.reward.services.currency import in_currency, pay_currencies
from koers.sales.currency import check_currency_basis, reporting_currency
from koers.sales.status import counted_sql

I64, DATE = pl.Int64, pl.Date
# closed months whose figures are checked again for corrections on every run
LOOKBACK_MONTHS = 12


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
    credit holder and their share (bp), ``joins`` reach them."""
    cents = "CAST(ROUND({} * 100) AS BIGINT)"
    dates = " OR ".join(
        dates_between(f"l.{c}", start, end) for c in ("order_date", "invoice_date", "paid_date")
    )
    return (
        f"SELECT l.id, {holder}, {share}, l.order_date, "
        f"l.invoice_date, l.paid_date, {cents.format('l.reporting_amount')}, "
        f"{cents.format('l.reporting_cost')}, "
        "CAST(ROUND(l.quantity * 1000) AS BIGINT), p.group_id, "
        f"{new_account_sql('acc')}, o.order_date, COALESCE(acc.segment, ''), l.original_id "
        "FROM sales_orderline l "
        "LEFT JOIN sales_product p ON p.id = l.product_id "
        "JOIN sales_account acc ON acc.id = l.account_id "
        f"{joins} "
        "LEFT JOIN sales_orderline o ON o.id = l.original_id "
        f"WHERE ({dates}) AND {counted_sql('l')}"
    )


def credits_frame(start: dt.date, end: dt.date) -> pl.DataFrame:
    """Every credit of an order line booked, invoiced or paid in ``start``..``end``."""
    return query_frame(
        _credit_query(
            "c.person_id",
            "CAST(ROUND(c.percent * 100) AS BIGINT)",
            "JOIN sales_orderlinecredit c ON c.line_id = l.id",
            start,
            end,
        ),
        comp.CREDIT_SCHEMA,
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
    return query_frame(
        _credit_query("tp.person_id", "10000", joins, start, end), comp.CREDIT_SCHEMA
    )


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


def team_quotas(kpi: str, managers: Iterable[int], start: dt.date, end: dt.date) -> dict[int, int]:
    """Each manager's team quota: the target of the unit they lead, or the own targets of
    everyone in it and themselves; the same group the KPI page shows the manager."""
    from koers.org.models import Person

    if not kpi:
        return {}
    quotas = {}
    for boss in Person.objects.filter(pk__in=list(managers)).select_related("unit"):
        members = Person.objects.filter(
            Q(unit__path__startswith=boss.unit.path) | Q(pk=boss.pk)
        ).values("pk")
        quota = _group_quota(kpi, members, boss.unit, start, end)
        if quota is not None:
            quotas[boss.pk] = quota
    return quotas


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
        by_team = team_quotas(spec.quota_kpi, {t for t in teams.values() if t}, start, to_date)
        quotas = {p: by_team[t] for p, t in teams.items() if t in by_team}
        values = {}
    elif c.scope == "company":
        total = _company_quota(spec.quota_kpi, start, to_date)
        quotas = {p: total for p in people} if total else {}
        values = {}
    elif c.rollup:  # measured on everything below them: quota of the group they lead
        quotas = team_quotas(spec.quota_kpi, people, start, to_date)
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


@dataclass
class MonthResult:
    """The payout lines of one month (as dicts) and the credits behind them."""

    lines: list[dict[str, Any]]
    trace: pl.DataFrame  # key (index into lines), line_id, value
    # (person id, component code, period start, period end) measured in % of a quota that
    # the person does not have: their attainment cannot be measured
    missing_quotas: list[tuple[int, str, dt.date, dt.date]] = field(default_factory=list)


def needs_quota(c: comp.Component) -> bool:
    """Is the component measured in % of a quota (a bonus curve, or tiers on attainment)?"""
    if c.measure == "goals":
        return False
    if c.rule == "bonus":
        return True
    return c.rule in ("marginal", "retroactive") and c.bands == "quota" and len(c.tiers) > 1


def missing_quota_message(missing: list[tuple[int, str, dt.date, dt.date]]) -> str:
    """The people, components and periods without a quota, in the user's language."""
    from koers.org.models import Person

    people = {p.pk: str(p) for p in Person.objects.filter(pk__in={m[0] for m in missing})}
    shown = [
        _("%(person)s for %(component)s, %(start)s – %(end)s")
        % {
            "person": people.get(p, p),
            "component": code,
            "start": f"{start:%d-%m-%Y}",
            "end": f"{end:%d-%m-%Y}",
        }
        for p, code, start, end in missing[:10]
    ]
    more = len(missing) - len(shown)
    text = _(
        "No target to measure attainment against (a quota): %(list)s. Set the targets, or "
        "write the bands in amounts."
    ) % {"list": "; ".join(shown)}
    if more:
        text += " " + _("And %(n)s more.") % {"n": more}
    return text


def _assignments(month: dt.date) -> list[PlanAssignment]:
    end = month_end(month)
    return list(
        PlanAssignment.objects.select_related("plan")
        .filter(valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=add_months(month, -11)))
    )


def compute_month(
    month: dt.date,
    *,
    assignments: list[PlanAssignment] | None = None,
    spec_of: Callable[[Plan], PlanSpec] | None = None,
    context: Context | None = None,
    ytd_totals: bool = False,
) -> MonthResult:
    """Every component's results for ``month``, without storing anything. ``spec_of`` may
    put another plan document in a plan's place (modelling a draft); ``ytd_totals`` gives
    a year-to-date line its total so far instead of this month's part of it."""
    month = month_start(month)
    end = month_end(month)
    if assignments is None:
        assignments = _assignments(month)
    # people on one plan with the same own rates (most have none) are calculated together
    by_plan: dict[tuple[int, str], list[PlanAssignment]] = {}
    for a in assignments:
        by_plan.setdefault((a.plan_id, a.overrides.strip()), []).append(a)

    def read(a: PlanAssignment) -> PlanSpec:
        return spec_of(a.plan) if spec_of else parse_plan(a.document())

    specs = {key: read(group[0]) for key, group in by_plan.items()}
    if context is None:
        earliest = min(
            (period_of(s.component.period, month)[0] for p in specs.values() for s in p.components),
            default=month,
        )
        context = shared_context(earliest, end)
    else:
        context.manager_of = _manager_on(context.managers, end)
    lines: list[dict[str, Any]] = []
    traces: list[pl.DataFrame] = []
    missing: list[tuple[int, str, dt.date, dt.date]] = []
    for group_key, plan_assignments in by_plan.items():
        plan_id = group_key[0]
        for spec in specs[group_key].components:
            c = spec.component
            start, stop = period_of(c.period, month)
            to = min(stop, end)  # the part of the period calculated so far
            first, last = c.window
            if (first and first > to) or (last and last < start):
                continue  # a SPIFF outside its window
            on_plan = [
                a
                for a in plan_assignments
                if a.valid_from <= stop and (a.valid_to or stop) >= start
            ]
            if not on_plan:
                continue
            try:
                payees = _payees(spec, on_plan, start, stop, to, context)
            except OverflowError:  # a quota or measure beyond 64 bits, from the database
                raise ValidationError(_too_large(None, c.code)) from None
            if needs_quota(c):
                missing += [
                    (p, c.code, start, stop)
                    for p in payees.filter(pl.col("quota").is_null())["person_id"]
                ]
            key = (comp.credit_key(c), start, to)
            if c.measure in comp.CREDITED and key not in context.rows:
                source = context.credits
                if c.credit != "holders":
                    kind = "overlay" if c.credit == "territory-overlay" else "primary"
                    source = territory_credits_frame(start, to, kind)
                context.rows[key] = comp.credited(source, c, start, to)
            rows = context.rows.get(key)
            reversed_returns = None
            if rows is not None and settles_returns(c):
                rows, reversed_returns = _returns_at_original_rate(
                    rows, context.credits, c, plan_assignments[0].plan.code, start
                )
            try:
                results, trace = comp.calculate(
                    context.credits, payees, c, start, to, context.managers, rows=rows
                )
                switched = _switched(plan_assignments, assignments, start, stop)
                if switched:
                    results, trace = _across_versions(
                        switched, payees, results, trace, spec, start, to, rows, context
                    )
                if reversed_returns is not None and reversed_returns.height:
                    results, trace = _with_reversals(results, trace, reversed_returns, c.code)
            except comp.AmountTooLarge as error:
                raise ValidationError(_too_large(error.person_id, c.code)) from None
            if c.rollup and c.scope == "individual":
                trace = comp.payee_trace(trace, payees, context.managers, start, to)
            if c.period == "ytd" and not ytd_totals:
                results = _less_paid_before(results, plan_id, c.code, start, month)
            offset = len(lines)
            for row in results.iter_rows(named=True):
                lines.append(
                    {
                        **row,
                        "plan_id": plan_id,
                        "component": c.code,
                        "period": c.period,
                        "period_start": start,
                        "period_end": stop,
                        "payable": stop <= end,
                        "correction_of": None,
                    }
                )
            index = pl.DataFrame(
                {"person_id": results["person_id"], "key": range(offset, len(lines))},
                schema={"person_id": I64, "key": I64},
            )
            traces.append(trace.join(index, on="person_id").select("key", "line_id", "value"))
    trace = (
        pl.concat(traces)
        if traces
        else pl.DataFrame(schema={"key": I64, "line_id": I64, "value": I64})
    )
    return MonthResult(lines, trace, missing)


def _too_large(person_id: int | None, component: str) -> str:
    """The run is refused: an amount of ``component`` (for ``person_id``) is beyond what
    Koers keeps exact (``comp.MAX_CENTS``)."""
    from koers.org.models import Person

    person = Person.objects.filter(pk=person_id).first() if person_id else None
    return _(
        "%(person)s, %(component)s: an amount beyond € %(limit)s, more than Koers calculates "
        "exactly. Nothing was calculated; check the order lines, targets and plan."
    ) % {
        "person": person or _("someone"),
        "component": component,
        "limit": formats.number_format(comp.MAX_CENTS // 100, use_l10n=True, force_grouping=True),
    }


def _less_paid_before(
    results: pl.DataFrame, plan_id: int, component: str, start: dt.date, month: dt.date
) -> pl.DataFrame:
    """A year-to-date line pays the year's earnings so far less what the earlier months of
    the year paid on it (their corrections included)."""
    code = Plan.objects.filter(pk=plan_id).values("code")[:1]
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for person, total in paid_in_basis(
        PayoutLine.objects.filter(
            plan__code=code,
            component=component,
            period_start=start,
            payable=True,
            run__month__lt=month,
        ),
        RestatedLine.objects.filter(
            plan__code=code, component=component, period_start=start, run__month__lt=month
        ),
        ("person",),
    ):
        paid[person] += total
    if not paid:
        return results
    before = pl.DataFrame(
        [(p, to_cents(t)) for p, t in paid.items()],
        schema={"person_id": I64, "_paid": I64},
        orient="row",
    )
    return (
        results.join(before, on="person_id", how="left")
        .with_columns(
            (pl.col("earnings_cents") - pl.col("_paid").fill_null(0)).alias("earnings_cents")
        )
        .drop("_paid")
    )


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


def _line_key(line: dict[str, Any]) -> tuple[int, int, str, dt.date]:
    return (line["person_id"], line["plan_id"], line["component"], line["period_start"])


def shared_context(first: dt.date, end: dt.date) -> Context:
    """The credits and reporting lines of ``first``..``end``, loaded once for every month
    computed within it (a month's components filter their own period)."""
    managers = managers_frame(first, end)
    return Context(credits_frame(first, end), managers, _manager_on(managers, end))


def _closed_months(month: dt.date) -> list[CalcRun]:
    """The approved and locked months of the LOOKBACK_MONTHS before ``month``."""
    return list(
        CalcRun.objects.filter(month__lt=month, month__gte=add_months(month, -LOOKBACK_MONTHS))
        .exclude(status=CalcRun.Status.OPEN)
        .order_by("month")
    )


def corrections(
    run: CalcRun | None, closed: list[CalcRun], context: Context | None = None
) -> list[dict[str, Any]]:
    """For every closed month (``_closed_months``): what its payable lines would be now,
    less what was paid and corrected since; every difference is a correction line in
    ``run``."""
    found: list[dict[str, Any]] = []
    for past in closed:
        now = {
            _line_key(line): line
            for line in compute_month(past.month, context=context).lines
            if line["payable"]
        }
        paid: dict[tuple[int, int, str, dt.date], int] = defaultdict(int)
        others = ~Q(run=run) if run is not None and run.pk else Q()
        stored = PayoutLine.objects.filter(
            Q(run=past, payable=True, correction_of__isnull=True)
            | (Q(correction_of=past.month) & others)
        )
        fields = ("person_id", "plan_id", "component", "period_start")
        for *key, total in paid_in_basis(stored, RestatedLine.objects.filter(run=past), fields):
            paid[tuple(key)] += to_cents(total)  # type: ignore[index]
        for key in now.keys() | paid.keys():
            difference = (now[key]["earnings_cents"] if key in now else 0) - paid.get(key, 0)
            if difference == 0:
                continue
            base = now.get(key) or {
                "measure": 0,
                "quota": None,
                "attainment_ppm": None,
                "target_incentive_cents": 0,
            }
            person_id, plan_id, component, period_start = key
            found.append(
                {
                    **base,
                    "person_id": person_id,
                    "plan_id": plan_id,
                    "component": component,
                    "period_start": period_start,
                    "period_end": base.get("period_end") or past.month,
                    "earnings_cents": difference,
                    "payable": True,
                    "correction_of": past.month,
                }
            )
    return found


def settles_returns(c: comp.Component) -> bool:
    """Does the component reverse a return at its original sale's rate? (Credited to the
    seller themselves; team, company and rolled-up pay count returns in the period.)"""
    return (
        c.clawback == "original"
        and c.measure in comp.CREDITED
        and c.scope == "individual"
        and not c.rollup
    )


def _returns_at_original_rate(
    rows: pl.DataFrame, credits: pl.DataFrame, c: comp.Component, plan_code: str, start: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split the credited rows: returns of sales from before ``start`` whose sale this
    component paid the holder in a period that ended before ``start`` leave the measure,
    and come back as reversals of what the sale earned: the return's share × the original
    payout line's earnings ÷ its measure (its rate, within its cap). Returns of sales it
    never paid stay in the measure.
    Gives (rows, reversals: line_id, person_id, date, value, product_group_id, scaled)."""
    from koers.reward.models import PayoutCredit

    originals = (
        credits.filter((pl.col("amount_cents") < 0) & (pl.col("original_date") < start))
        .select("line_id", "original_id")
        .unique()
    )
    returns = rows.join(originals, on="line_id", how="inner").filter(
        pl.col("original_id").is_not_null()
    )
    empty = rows.head(0).with_columns(pl.lit(0, dtype=comp.WIDE).alias("scaled"))
    if returns.height == 0:
        return rows, empty
    paid = (
        PayoutCredit.objects.filter(
            order_line_id__in=returns["original_id"].unique().to_list(),
            line__component=c.code,
            line__plan__code=plan_code,
            line__correction_of__isnull=True,
            line__measure__gt=0,
            # what a period before this one paid: never this period's own earlier run, so
            # running a month again finds the same originals and pays the same
            line__period_end__lt=start,
        )
        .order_by("order_line_id", "line__person_id", "-line__run__month")
        .values_list("order_line_id", "line__person_id", "line__earnings", "line__measure")
    )
    rate: dict[tuple[int, int], tuple[int, int]] = {}
    for original, person, earnings, measure in paid:
        rate.setdefault((original, person), (to_cents(earnings), measure))  # the latest run
    if not rate:
        return rows, empty
    table = pl.DataFrame(
        [(o, p, e, m) for (o, p), (e, m) in rate.items()],
        schema={"original_id": I64, "person_id": I64, "_earned": I64, "_measure": I64},
        orient="row",
    )
    settled = returns.join(table, on=["original_id", "person_id"], how="inner")
    # the return's share at the original rate, in millionths of a cent (one rounding later),
    # truncated towards zero; 128-bit: a € 10^12 line times € 10^11 earned passes 2^63
    product = pl.col("value").cast(comp.WIDE) * pl.col("_earned") * comp.SCALE
    scaled = comp.toward_zero(product, pl.col("_measure"))
    reversals = settled.with_columns(scaled.alias("scaled")).select(*rows.columns, "scaled")
    kept = rows.join(
        reversals.select("line_id", "person_id"), on=["line_id", "person_id"], how="anti"
    )
    return kept, reversals


def _with_reversals(
    results: pl.DataFrame, trace: pl.DataFrame, reversals: pl.DataFrame, component: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each person's reversed returns added to their line after its cap (a cap bounds
    what a period earns, not what a return takes back), rounded once with the line."""
    per_person = reversals.group_by("person_id").agg(pl.col("scaled").sum().alias("_rev"))
    joined = results.join(per_person, on="person_id", how="left").with_columns(
        pl.col("_rev").fill_null(0)
    )
    cents = comp.round_scaled(pl.col("_rev"))
    total = joined.with_columns((pl.col("earnings_cents") + cents).alias("earnings_cents"))
    comp.guard(total, comp.OUTPUTS, component)
    results = total.with_columns(pl.col("earnings_cents").cast(pl.Int64)).select(results.columns)
    return results, pl.concat([trace, reversals.select(trace.columns)])


def _switched(
    on_plan: list[PlanAssignment], everyone: list[PlanAssignment], start: dt.date, stop: dt.date
) -> dict[int, dt.date]:
    """The people of ``on_plan`` who change between versions of the plan (same code)
    within ``start``..``stop``, with the day their assignment here starts."""
    code = on_plan[0].plan.code
    spans: dict[int, int] = {}
    for a in everyone:
        if a.plan.code == code and a.valid_from <= stop and (a.valid_to or stop) >= start:
            spans[a.person_id] = spans.get(a.person_id, 0) + 1
    return {a.person_id: max(a.valid_from, start) for a in on_plan if spans.get(a.person_id, 0) > 1}


def _across_versions(
    switched: dict[int, dt.date],
    payees: pl.DataFrame,
    results: pl.DataFrame,
    trace: pl.DataFrame,
    spec: ComponentSpec,
    start: dt.date,
    to: dt.date,
    rows: pl.DataFrame | None,
    context: Context,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Tiers apply to the period's cumulative attainment and each sale is paid at the
    version valid on its date: a version's line earns what its rule pays on everything
    from the period's start to the version's last day, less what the same rule pays on
    everything before its first day. With identical versions the parts add up to the
    whole period's pay, so a version change alone changes no payout. A bonus counts the
    period's full target incentive (each version pays its rise of the curve)."""
    c = spec.component
    ids = list(switched)
    firsts = pl.DataFrame(
        {"person_id": ids, "_first": [switched[p] for p in ids]},
        schema={"person_id": I64, "_first": DATE},
    )
    mine = payees.filter(pl.col("person_id").is_in(ids))
    if c.rule == "bonus":  # the full period's incentive: the versions share its curve
        mine = mine.with_columns(pl.col("full_incentive_cents").alias("target_incentive_cents"))
    upto = mine.with_columns(pl.lit(start).alias("valid_from"))

    def pay(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        return comp.calculate(context.credits, frame, c, start, to, context.managers, rows=rows)

    whole, whole_trace = pay(upto)
    before = (
        upto.join(firsts, on="person_id")
        .filter(pl.col("_first") > start)
        .with_columns((pl.col("_first") - pl.duration(days=1)).alias("valid_to"))
        .drop("_first")
    )
    earlier = pl.DataFrame(schema={"person_id": I64, "_before": I64, "_measured": I64})
    if before.height:
        earlier = pay(before)[0].select(
            "person_id",
            pl.col("earnings_cents").alias("_before"),
            pl.col("measure").alias("_measured"),
        )
    # each version's line pays, and shows as reached, its own part of the period
    less = pl.col("earnings_cents") - pl.col("_before").fill_null(0)
    own = pl.col("measure") - pl.col("_measured").fill_null(0)
    changed = (
        whole.join(earlier, on="person_id", how="left")
        .with_columns(less.alias("earnings_cents"), own.alias("measure"))
        .select(results.columns)
    )
    own_trace = (
        whole_trace.join(firsts, on="person_id", how="inner")
        .filter(pl.col("date") >= pl.col("_first"))
        .drop("_first")
        .select(trace.columns)
    )
    return (
        pl.concat([results.filter(~pl.col("person_id").is_in(ids)), changed]),
        pl.concat([trace.filter(~pl.col("person_id").is_in(ids)), own_trace]),
    )


@transaction.atomic
def run_month(month: dt.date, *, by, today: dt.date | None = None) -> CalcRun:  # type: ignore[no-untyped-def]
    """Calculate (or recalculate) every plan component for ``month``, all or nothing, then
    the corrections of closed months and each person's payout; later open months follow,
    since their balances start from this one. An approved or locked month is never
    rewritten; two runs of one month wait in turn. A month that has not started yet, or
    one that would leave an earlier month uncalculated, is refused."""
    month = month_start(month)
    check_currency_basis()
    _check_month_order(month, month_start(today or timezone.localdate()))
    CalcRun.objects.get_or_create(month=month)
    run = CalcRun.objects.select_for_update().get(month=month)
    if run.status != CalcRun.Status.OPEN:
        raise ValidationError(
            _("%(month)s is %(status)s; its figures are not recalculated.")
            % {"month": f"{month:%m-%Y}", "status": run.get_status_display().lower()}
        )
    run.currency = reporting_currency()
    # one load of credits serves this month and the closed months checked for corrections:
    # from the start of the earliest fiscal year any of their periods can reach
    closed = _closed_months(month)
    first = fiscal_year_start(closed[0].month if closed else month, fiscal_start_month())
    # gates, multipliers and quotas read the KPI facts: refresh the months whose data
    # changed since (a form or API edit) before paying on them
    from koers.measure.services import refresh_stale

    report(0.05, _("Refreshing the figures that changed"))
    refresh_stale(first, month_end(month))
    report(0.2, _("Reading the credited sales"))
    context = shared_context(first, month_end(month))
    report(0.35, _("Calculating each plan component"))
    result = compute_month(month, context=context)
    if result.missing_quotas:
        raise ValidationError(missing_quota_message(result.missing_quotas))
    report(0.6, _("Checking the closed months for corrections"))
    extra = corrections(run, closed, context)
    report(0.7, _("Writing the payout lines and their trace"))
    lines = [
        PayoutLine(
            run=run,
            person_id=row["person_id"],
            plan_id=row["plan_id"],
            component=row["component"],
            period_start=row["period_start"],
            period_end=row["period_end"],
            measure=row["measure"],
            quota=row["quota"],
            attainment_ppm=row["attainment_ppm"],
            target_incentive_cents=row["target_incentive_cents"],
            modifier_ppm=row.get("modifier_ppm"),
            factor_ppm=row.get("factor_ppm"),
            earnings=from_cents(row["earnings_cents"]),
            payable=row["payable"],
            correction_of=row["correction_of"],
        )
        for row in result.lines + extra
    ]
    _clear_lines(run)
    created = PayoutLine.objects.bulk_create(lines, batch_size=2000)
    if result.trace.height:
        ids = pl.DataFrame(
            {
                "key": range(len(result.lines)),
                "payout_line": [x.pk for x in created[: len(result.lines)]],
            },
            schema={"key": I64, "payout_line": I64},
        )
        bulk_insert(
            "reward_payoutcredit",
            result.trace.join(ids, on="key").select(
                pl.col("payout_line").alias("line_id"),
                pl.col("line_id").alias("order_line_id"),
                "value",
            ),
        )
    _relink_inquiries(run)
    run.calculated_at = timezone.now()
    run.save(update_fields=["calculated_at", "currency"])
    report(0.9, _("Settling each person's payout"))
    settle_month(run)
    audit(actor=by, action="calculate", obj=run, before=None)
    for later in CalcRun.objects.filter(month__gt=month, status=CalcRun.Status.OPEN).order_by(
        "month"
    ):
        settle_month(later)
    return run


def _clear_lines(run: CalcRun) -> None:
    """Remove an open run's lines and their trace in three set-based statements (Django's
    cascade would first read every credited row into memory). Inquiries keep their place
    through their natural key and are linked again after the run."""
    from django.db import connection

    from koers.reward.models import Inquiry

    Inquiry.objects.filter(line__run=run).update(line=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reward_payoutcredit WHERE line_id IN "
            "(SELECT id FROM reward_payoutline WHERE run_id = %s)",
            [run.pk],
        )
        cursor.execute("DELETE FROM reward_payoutline WHERE run_id = %s", [run.pk])


def _relink_inquiries(run: CalcRun) -> None:
    """Inquiries keep pointing at their statement line after the month is recalculated."""
    from koers.reward.models import Inquiry

    open_ones = Inquiry.objects.filter(month=run.month, line__isnull=True)
    if not open_ones.exists():
        return
    lines = {
        (line.person_id, line.component, line.period_start): line
        for line in run.lines.filter(correction_of__isnull=True)
    }
    for inquiry in open_ones:
        line = lines.get((inquiry.person_id, inquiry.component, inquiry.period_start))
        if line is not None:
            inquiry.line = line
            inquiry.save(update_fields=["line"])


def settle_month(run: CalcRun) -> None:
    """Each person's payout of the run's month from its payable lines, the month's
    adjustments, draws and guarantees, the balances of the month before and holds."""
    month, end = run.month, month_end(run.month)
    earned = dict(
        run.lines.filter(payable=True)
        .values("person")
        .annotate(t=Sum("earnings"))
        .order_by()
        .values_list("person", "t")
    )
    adjusted = dict(
        Adjustment.objects.filter(month=month)
        .values("person")
        .annotate(t=Sum("amount"))
        .order_by()
        .values_list("person", "t")
    )
    draws: dict[int, tuple[str, int]] = {}
    for a in PlanAssignment.objects.filter(valid_from__lte=end).exclude(draw_kind=""):
        if (a.valid_to is None or a.valid_to >= month) and (
            a.draw_until is None or a.draw_until >= month
        ):
            kind, amount = draws.get(a.person_id, (a.draw_kind, 0))
            draws[a.person_id] = (kind, amount + to_cents(a.draw_amount))
    before = CalcRun.objects.filter(month__lt=month).order_by("-month").values_list("pk", flat=True)
    previous = {
        p.person_id: p
        for p in Payout.objects.filter(run_id__in=before[:1])
        .exclude(balance=0, held_balance=0)
        .select_related("run")
    }
    carried = _carried_rates(previous.values(), run.currency)
    held = set(
        Hold.objects.filter(from_month__lte=month)
        .filter(Q(released_on__isnull=True) | Q(released_on__gt=end))
        .values_list("person", flat=True)
    )
    people = sorted(earned.keys() | adjusted.keys() | draws.keys() | previous.keys())
    rows = [
        (
            p,
            to_cents(earned.get(p)),
            to_cents(adjusted.get(p)),
            draws.get(p, ("", 0))[0],
            draws.get(p, ("", 0))[1],
            _carried(previous, p, "balance", carried),
            p in held,
            _carried(previous, p, "held_balance", carried),
        )
        for p in people
    ]
    try:
        settled = comp.settle(pl.DataFrame(rows, schema=comp.SETTLE_SCHEMA, orient="row"))
    except comp.AmountTooLarge as error:
        raise ValidationError(_too_large(error.person_id, _("payout"))) from None
    except OverflowError:  # a sum beyond 64 bits, before the engine could name its payee
        raise ValidationError(_too_large(None, _("payout"))) from None
    converted = _conversions(run, settled)
    currencies = pay_currencies(people, month, end)
    reporting = reporting_currency()
    run.payouts.all().delete()

    Payout.objects.bulk_create(
        [
            Payout(
                run=run,
                person_id=row["person_id"],
                earned=from_cents(row["earned_cents"]),
                adjustments=from_cents(row["adjustment_cents"]),
                draw_topup=from_cents(row["topup_cents"]),
                recovered=from_cents(row["recovery_cents"]),
                held=from_cents(row["payout_cents"] if row["held"] else 0),
                released=from_cents(row["released_cents"]),
                paid=from_cents(row["paid_cents"] - taken),
                balance=from_cents(row["balance_out_cents"]),
                held_balance=from_cents(row["held_out_cents"]),
                converted=from_cents(taken),
                half_days_off=half_days,
                training_budget=from_cents(training),
                currency=currency,
                exchange_rate=rate,
                paid_in_currency=(
                    in_currency(from_cents(row["paid_cents"] - taken), rate) if rate else None
                ),
            )
            for row in settled.iter_rows(named=True)
            for taken, half_days, training in [converted.get(row["person_id"], (0, 0, 0))]
            for currency, rate in [currencies.get(row["person_id"], (reporting, None))]
        ],
        batch_size=2000,
    )


def _carried_rates(previous: Iterable[Payout], currency: str) -> dict[str, Decimal]:
    """Rates (units of ``currency`` per unit) for balances carried from a month calculated
    in another currency: the rate of the currency switch between them."""
    from koers.sales.models import CurrencySwitch

    rates: dict[str, Decimal] = {}
    for payout in previous:
        source = payout.run.currency
        if source != currency and source not in rates:
            switch = (
                CurrencySwitch.objects.filter(from_currency=source, to_currency=currency)
                .order_by("-at")
                .first()
            )
            if switch is None:
                raise ValidationError(
                    _(
                        "Balances of %(month)s are in %(source)s and no switch to %(to)s "
                        "says at what rate."
                    )
                    % {"month": f"{payout.run.month:%m-%Y}", "source": source, "to": currency}
                )
            rates[source] = switch.rate
    return rates


def _carried(
    previous: dict[int, Payout], person: int, field: str, rates: dict[str, Decimal]
) -> int:
    """A balance carried into the month, in the month's currency (to the cent, half away
    from zero, like every conversion)."""
    payout = previous.get(person)
    if payout is None:
        return 0
    amount = Decimal(getattr(payout, field))
    rate = rates.get(payout.run.currency)
    return to_cents(quantize_money(amount * rate) if rate is not None else amount)


def _conversions(run: CalcRun, settled: pl.DataFrame) -> dict[int, tuple[int, int, int]]:
    """Per person: (cents taken out of cash, half days off, training budget cents) for the
    payable lines of components that offer a choice, as each person chose. Nothing is
    converted while a hold applies, and never more than the month pays."""
    from koers.engine.game import convert
    from koers.reward.models import RewardChoice

    paid = {r["person_id"]: r["paid_cents"] for r in settled.iter_rows(named=True) if not r["held"]}
    choices: dict[tuple[int, str], str] = {}
    for c in RewardChoice.objects.filter(from_month__lte=run.month, person__in=list(paid)).order_by(
        "from_month"
    ):
        choices[(c.person_id, c.component)] = c.choice  # the latest choice wins
    if not choices:
        return {}
    eligible = {
        (plan.pk, s.component.code)
        for plan in Plan.objects.filter(pk__in=run.lines.values("plan"))
        for s in parse_plan(plan.document).components
        if s.choice
    }
    working_days = int(getattr(settings, "KOERS_WORKING_DAYS", 220))
    training_bp = int(getattr(settings, "KOERS_TRAINING_FACTOR_BP", 11_000))
    out: dict[int, tuple[int, int, int]] = {}
    lines = run.lines.filter(payable=True, person__in=list(paid)).select_related("person")
    for line in lines.order_by("person_id", "component"):
        choice = choices.get((line.person_id, line.component), "cash")
        if choice == "cash" or (line.plan_id, line.component) not in eligible:
            continue
        taken, half_days, training = out.get(line.person_id, (0, 0, 0))
        amount = min(to_cents(line.earnings), paid[line.person_id] - taken)
        day_rate = to_cents(line.person.base_salary) // working_days
        if amount <= 0 or (choice == "days" and day_rate <= 0):
            continue
        result = convert(amount, choice, day_rate, training_bp)
        out[line.person_id] = (
            taken + amount - result["cash_cents"],
            half_days + result["half_days"],
            training + result["training_cents"],
        )
    return out


def _check_month_order(month: dt.date, this_month: dt.date) -> None:
    if month > this_month:
        raise ValidationError(
            _("%(month)s has not started yet; it can be calculated from its first day.")
            % {"month": f"{month:%m-%Y}"}
        )
    latest = CalcRun.objects.filter(month__lt=month).order_by("-month").first()
    if latest is not None and add_months(latest.month, 1) < month:
        raise ValidationError(
            _("Calculate %(next)s first: months are calculated in order, without gaps.")
            % {"next": f"{add_months(latest.month, 1):%m-%Y}"}
        )
