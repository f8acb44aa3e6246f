"""Calculation runs: load the month's credited transactions, run the engine per plan
component, store payout lines with their trace. Re-running an open month replaces it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.audit import audit
from koers.core.bulk import bulk_insert, dates_between, new_account_sql, query_frame
from koers.engine import comp
from koers.engine.periods import add_months, fiscal_year_start, month_end, month_start
from koers.measure.catalogue import definitions
from koers.reward.documents import ComponentSpec, parse_plan
from koers.reward.models import CalcRun, PayoutLine, PlanAssignment

I64, DATE = pl.Int64, pl.Date
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def period_of(kind: str, month: dt.date) -> tuple[dt.date, dt.date]:
    """The month, fiscal quarter or fiscal year that contains ``month``."""
    first = fiscal_year_start(month, settings.KOERS_FISCAL_YEAR_START_MONTH)
    if kind == "month":
        start = month_start(month)
    else:
        size = PERIOD_MONTHS[kind]
        offset = (month.year * 12 + month.month - first.year * 12 - first.month) // size * size
        start = add_months(first, offset)
    return start, add_months(start, PERIOD_MONTHS[kind]) - dt.timedelta(days=1)


def credits_frame(start: dt.date, end: dt.date) -> pl.DataFrame:
    """Every credit of an order line booked, invoiced or paid in ``start``..``end``."""
    cents = "CAST(ROUND({} * 100) AS BIGINT)"
    dates = " OR ".join(
        dates_between(f"l.{c}", start, end) for c in ("order_date", "invoice_date", "paid_date")
    )
    return query_frame(
        f"SELECT l.id, c.person_id, {cents.format('c.percent')}, l.order_date, "
        f"l.invoice_date, l.paid_date, {cents.format('l.amount')}, {cents.format('l.cost')}, "
        "CAST(ROUND(l.quantity) AS BIGINT), p.group_id, "
        f"{new_account_sql('acc')}, o.order_date "
        "FROM sales_orderlinecredit c JOIN sales_orderline l ON l.id = c.line_id "
        "JOIN sales_product p ON p.id = l.product_id "
        "JOIN sales_account acc ON acc.id = l.account_id "
        "LEFT JOIN sales_orderline o ON o.id = l.original_id "
        f"WHERE {dates}",
        comp.CREDIT_SCHEMA,
    )


def managers_frame() -> pl.DataFrame:
    from koers.org.models import Person

    rows = Person.objects.values_list("pk", "manager_id")
    return pl.DataFrame(list(rows), schema={"person_id": I64, "manager_id": I64}, orient="row")


def _quotas(kpi: str, people: list[int], start: dt.date, end: dt.date) -> dict[int, int]:
    """The quota of each person for the period: the sum of their monthly targets of
    ``kpi``, in cents for money (units otherwise)."""
    from koers.plan.models import Target

    if not kpi:
        return {}
    known = definitions().get(kpi)
    money = known is not None and known.unit == "money"
    rows = (
        Target.objects.filter(kpi=kpi, person__in=people, month__gte=start, month__lte=end)
        .values("person")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {r["person"]: int(r["total"] * (100 if money else 1)) for r in rows}


def _payees(
    spec: ComponentSpec,
    assignments: list[PlanAssignment],
    start: dt.date,
    end: dt.date,
    to_date: dt.date,
) -> pl.DataFrame:
    """Everyone on the plan during the period: the days on it, the quota to date (the
    targets of the months up to ``to_date``) and the target incentive of this component
    for the whole period, prorated to the days on the plan."""
    days = (end - start).days + 1
    months = PERIOD_MONTHS[spec.component.period]
    quotas = _quotas(spec.quota_kpi, [a.person_id for a in assignments], start, to_date)
    rows = []
    for a in assignments:
        valid_from = max(a.valid_from, start)
        valid_to = min(a.valid_to or end, end)
        on_plan = (valid_to - valid_from).days + 1
        yearly = int(a.target_incentive * 100)
        # yearly × share × months/12 × days on the plan/days: one truncation to the cent
        target = yearly * spec.incentive_bp * months * on_plan // (10_000 * 12 * days)
        rows.append((a.person_id, quotas.get(a.person_id), target, valid_from, valid_to))
    return pl.DataFrame(
        rows,
        schema={
            "person_id": I64,
            "quota": I64,
            "target_incentive_cents": I64,
            "valid_from": DATE,
            "valid_to": DATE,
        },
        orient="row",
    )


@transaction.atomic
def run_month(month: dt.date, *, by) -> CalcRun:  # type: ignore[no-untyped-def]
    """Calculate (or recalculate) every plan component for ``month``, all or nothing. An
    approved or locked month is never rewritten; two runs of one month wait in turn."""
    month = month_start(month)
    CalcRun.objects.get_or_create(month=month)
    run = CalcRun.objects.select_for_update().get(month=month)
    if run.status != CalcRun.Status.OPEN:
        raise ValidationError(
            _("%(month)s is %(status)s; its figures are not recalculated.")
            % {"month": f"{month:%m-%Y}", "status": run.get_status_display().lower()}
        )
    end = month_end(month)
    assignments = list(
        PlanAssignment.objects.select_related("plan")
        .filter(valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=add_months(month, -11)))
    )
    by_plan: dict[int, list[PlanAssignment]] = {}
    for a in assignments:
        by_plan.setdefault(a.plan_id, []).append(a)
    specs = {pk: parse_plan(group[0].plan.document) for pk, group in by_plan.items()}
    earliest = min(
        (period_of(s.component.period, month)[0] for p in specs.values() for s in p.components),
        default=month,
    )
    credits = credits_frame(earliest, end)
    managers = managers_frame()
    lines: list[PayoutLine] = []
    traces: list[pl.DataFrame] = []
    for plan_id, plan_assignments in by_plan.items():
        plan = plan_assignments[0].plan
        for spec in specs[plan_id].components:
            start, stop = period_of(spec.component.period, month)
            on_plan = [
                a
                for a in plan_assignments
                if a.valid_from <= stop and (a.valid_to or stop) >= start
            ]
            if not on_plan:
                continue
            payees = _payees(spec, on_plan, start, stop, min(stop, end))
            results, trace = comp.calculate(
                credits, payees, spec.component, start, min(stop, end), managers
            )
            for row in results.iter_rows(named=True):
                lines.append(
                    PayoutLine(
                        run=run,
                        person_id=row["person_id"],
                        plan=plan,
                        component=spec.component.code,
                        period_start=start,
                        period_end=stop,
                        measure=row["measure"],
                        quota=row["quota"],
                        attainment_ppm=row["attainment_ppm"],
                        target_incentive_cents=row["target_incentive_cents"],
                        earnings=Decimal(row["earnings_cents"]) / 100,
                        payable=stop <= end,
                    )
                )
            traces.append(
                trace.with_columns(pl.lit(f"{plan.pk}:{spec.component.code}").alias("key"))
            )
    run.lines.all().delete()
    created = PayoutLine.objects.bulk_create(lines, batch_size=2000)
    ids = pl.DataFrame(
        [(line.pk, line.person_id, f"{line.plan_id}:{line.component}") for line in created],
        schema={"line_id_": I64, "person_id": I64, "key": pl.Utf8},
        orient="row",
    )
    if traces:
        trace = pl.concat(traces).join(ids, on=["person_id", "key"], how="inner")
        bulk_insert(
            "reward_payoutcredit",
            trace.select(
                pl.col("line_id_").alias("line_id"),
                pl.col("line_id").alias("order_line_id"),
                "value",
            ),
        )
    run.calculated_at = timezone.now()
    run.save(update_fields=["calculated_at"])
    audit(actor=by, action="calculate", obj=run, before=None)
    return run


def run_advance(run: CalcRun, *, by) -> CalcRun:  # type: ignore[no-untyped-def]
    """Open → approved → locked; every step is audited."""
    order = [CalcRun.Status.OPEN, CalcRun.Status.APPROVED, CalcRun.Status.LOCKED]
    if run.status == CalcRun.Status.LOCKED:
        raise ValidationError(_("This month is locked and paid."))
    before = {"status": run.status}
    run.status = order[order.index(run.status) + 1]
    if run.status == CalcRun.Status.APPROVED:
        run.approved_by = by
    run.save()
    audit(actor=by, action="update", obj=run, before=before)
    return run
