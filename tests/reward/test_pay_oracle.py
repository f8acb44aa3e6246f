"""Months of pay through the real path (plan, targets, order lines, ``run_month``) against
the Decimal oracle worked month by month: returns of sales paid in an earlier month taken
back at their original rate (or counted in the month they happen), year-to-date lines that
pay the year so far less what its earlier months paid, caps. Equal to the cent, every
month. `make fuzz` runs many more examples."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koers.engine.periods import month_end
from koers.plan.models import Target
from koers.reward.models import PayoutLine
from koers.reward.services import run_month
from koers.sales.models import OrderLine
from tests.conftest import examples, on_plan, sale
from tests.engine import oracle

MONTHS = [dt.date(2026, m, 1) for m in range(1, 5)]
DAYS = [dt.date(2026, m, d) for m in range(1, 5) for d in (1, 14, 28)]


@st.composite
def histories(draw):
    sales = []
    for _ in range(draw(st.integers(1, 5))):
        day = draw(st.sampled_from(DAYS))
        back = draw(st.none() | st.tuples(st.sampled_from([d for d in DAYS if d >= day]),
                                          st.integers(1, 100)))  # fmt: skip
        sales.append((day, draw(st.integers(1, 10**9)), back))
    plan = oracle.Plan(
        rule=draw(st.sampled_from(["flat", "marginal"])),
        tiers=[
            (0, draw(st.integers(0, 300_000)), False),
            (1_000_000, draw(st.integers(0, 10**6)), False),
        ],  # fmt: skip
        cap=draw(st.none() | st.integers(1, 10**8)),
    )
    period = draw(st.sampled_from(["month", "ytd"]))
    clawback = draw(st.sampled_from(["original", "current"]))
    targets = [draw(st.integers(0, 10**9)) for _ in MONTHS]
    return sales, plan, period, clawback, targets


def _document(plan: oracle.Plan, period: str, clawback: str) -> str:
    rate = lambda r: f"{Decimal(r) / 10_000}%"  # noqa: E731
    tiers = (
        f"rate: {rate(plan.tiers[0][1])}"
        if plan.rule == "flat"
        else f"tiers: [{{from: 0%, rate: {rate(plan.tiers[0][1])}}},"
        f" {{from: 100%, rate: {rate(plan.tiers[1][1])}}}]"
    )
    cap = f", cap: {Decimal(plan.cap) / 100}" if plan.cap else ""
    return (
        "code: p\ncomponents:\n"
        f"  - {{code: c, rule: {plan.rule}, quota: revenue, period: {period},"
        f" clawback: {clawback}, {tiers}{cap}}}\n"
    )


def expected(sales, plan: oracle.Plan, period: str, clawback: str, targets) -> list[int]:
    """Each month's line, worked out by hand."""
    if plan.rule == "flat":
        plan = oracle.Plan("flat", tiers=plan.tiers[:1], cap=plan.cap)
    lines = []  # (day, cents, original day or None)
    for day, cents, back in sales:
        lines.append((day, cents, None))
        if back:
            lines.append((back[0], -_part(cents, back[1]), day))
    paid: dict[dt.date, tuple[int, int]] = {}  # month → (measure, earnings) of its line
    out, year_paid = [], 0
    for n, month in enumerate(MONTHS):
        start, end = (month if period == "month" else MONTHS[0]), month_end(month)
        measure, reversed_scaled = 0, Decimal(0)
        for day, cents, original in lines:
            if not start <= day <= end:
                continue
            if cents < 0 and original and original < start and clawback == "original":
                sold_in = original.replace(day=1)
                if period == "month" and paid.get(sold_in, (0, 0))[0] > 0:
                    was, earned = paid[sold_in]
                    share = Decimal(cents) * earned * 1_000_000 / was
                    reversed_scaled += share.to_integral_value(rounding=ROUND_DOWN)
                    continue
            measure += cents
        quota = sum(targets[MONTHS.index(start) : n + 1])
        rate = Decimal(plan.tiers[0][1]) / 1_000_000
        payee = oracle.Payee(1, quota, 0, start, end)
        _att, cents = oracle.earned(plan, payee, Decimal(measure), Decimal(measure) * rate)
        cents += int((reversed_scaled / 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if period == "ytd":
            cents, year_paid = cents - year_paid, year_paid + cents - year_paid
        paid[month] = (measure, cents)
        out.append(cents)
    return out


def _part(cents: int, percent: int) -> int:
    """The returned part of a sale, in cents, half away from zero."""
    return int((Decimal(cents) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _book(cast, sales, targets) -> None:
    for month, value in zip(MONTHS, targets, strict=True):
        Target.objects.create(
            kpi="revenue", person=cast.rik, month=month, value=Decimal(value) / 100
        )
    for n, (day, cents, back) in enumerate(sales):
        sold = sale(cast, cast.rik, f"SO-{n}", day, str(Decimal(cents) / 100))
        if back:
            returned = sale(
                cast, cast.rik, f"SO-{n}R", back[0], str(-Decimal(_part(cents, back[1])) / 100)
            )
            OrderLine.objects.filter(pk=returned.pk).update(original=sold)


@settings(
    max_examples=examples(8, 400), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories())
def test_months_of_pay_equal_the_oracle_worked_by_hand(cast, history):
    sales, plan, period, clawback, targets = history
    OrderLine.objects.filter(credits__person=cast.rik).delete()
    with transaction.atomic():
        on_plan(_document(plan, period, clawback), cast.rik)
        _book(cast, sales, targets)
        paid = []
        for month in MONTHS:
            run_month(month, by=None)
            line = PayoutLine.objects.get(person=cast.rik, run__month=month)
            paid.append(int(line.earnings * 100))
        transaction.set_rollback(True)
    assert paid == expected(sales, plan, period, clawback, targets)
