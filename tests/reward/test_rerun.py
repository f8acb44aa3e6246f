"""Running a month again with nothing changed changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koers.plan.models import Target
from koers.reward.models import PayoutLine
from koers.reward.services import run_advance, run_month
from koers.sales.models import OrderLine
from tests.conftest import examples, on_plan, sale

JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)


def _state(month: dt.date) -> list[tuple]:
    lines = sorted(
        PayoutLine.objects.filter(run__month=month).values_list(
            "person", "component", "period_start", "correction_of", "measure", "earnings"
        )
    )
    trace = sorted(
        (line.person_id, line.component, order_line, value)
        for line in PayoutLine.objects.filter(run__month=month)
        for order_line, value in line.trace().values_list("order_line", "value")
    )
    return [lines, trace]


@pytest.mark.parametrize("basis", ["invoice", "payment"])
def test_a_sale_booked_in_january_paid_and_returned_in_february_pays_the_same_on_every_run(
    cast, basis
):
    OrderLine.objects.filter(credits__person=cast.rik).delete()
    on_plan(
        f"code: p\ncomponents:\n  - {{code: c, rule: flat, rate: 10%, basis: {basis}}}\n", cast.rik
    )
    sold = sale(cast, cast.rik, "SO-1", dt.date(2026, 1, 20), "1000.00")
    OrderLine.objects.filter(pk=sold.pk).update(
        invoice_date=dt.date(2026, 2, 3), paid_date=dt.date(2026, 2, 10)
    )
    back = sale(cast, cast.rik, "SO-1R", dt.date(2026, 2, 20), "-500.00")
    OrderLine.objects.filter(pk=back.pk).update(original=sold)
    run_month(JAN, by=None)
    run_month(FEB, by=None)
    first = _state(FEB)
    earned = PayoutLine.objects.get(person=cast.rik, run__month=FEB).earnings
    # € 1,000 invoiced and € 500 returned in February: 10% of € 500
    assert earned == Decimal("50.00")
    for _ in range(2):
        run_month(FEB, by=None)
        assert _state(FEB) == first


MONTHS = [dt.date(2026, m, 1) for m in range(1, 5)]
# month ends and beginnings, where a sale, its invoice and its return fall in different runs
DAYS = [
    dt.date(2026, m, d) for m, d in [(1, 5), (1, 31), (2, 1), (2, 14), (2, 28), (3, 1), (3, 31)]
] + [dt.date(2026, 4, 1), dt.date(2026, 4, 30)]


def _on_or_after(draw, day: dt.date) -> dt.date:
    return draw(st.sampled_from([d for d in DAYS if d >= day]))


@st.composite
def histories(draw):
    """Sales of January to April, some invoiced or paid later, some returned in part."""
    sales = []
    for _ in range(draw(st.integers(1, 5))):
        day = draw(st.sampled_from(DAYS))
        invoiced = _on_or_after(draw, day)
        returned = _on_or_after(draw, day)
        sales.append(
            {
                "day": day,
                "amount": draw(st.integers(1, 10**9)),
                "invoiced": invoiced,
                "paid": _on_or_after(draw, invoiced),
                "returned": draw(st.none() | st.tuples(st.just(returned), st.integers(1, 100))),
            }
        )
    plan = {
        "basis": draw(st.sampled_from(["booking", "invoice", "payment"])),
        "clawback": draw(st.sampled_from(["original", "current"])),
        "period": draw(st.sampled_from(["month", "quarter", "ytd"])),
        "cap": draw(st.none() | st.integers(1, 10**7)),
    }
    closed = draw(st.integers(0, len(MONTHS)))  # months close in order: the first ones
    return sales, plan, [n < closed for n in range(len(MONTHS))]


def _book(cast, sales, plan) -> None:
    cap = f", cap: {plan['cap'] / 100:.2f}" if plan["cap"] else ""
    on_plan(
        "code: p\ncomponents:\n"
        f"  - {{code: c, rule: marginal, quota: revenue, basis: {plan['basis']},"
        f" clawback: {plan['clawback']}, period: {plan['period']}{cap},"
        " tiers: [{from: 0%, rate: 3%}, {from: 100%, rate: 7.5%}]}\n",
        cast.rik,
    )
    for month in MONTHS:
        Target.objects.create(kpi="revenue", person=cast.rik, month=month, value=5_000_000)
    for n, s in enumerate(sales):
        cents = Decimal(s["amount"]) / 100
        sold = sale(cast, cast.rik, f"SO-{n}", s["day"], str(cents))
        OrderLine.objects.filter(pk=sold.pk).update(invoice_date=s["invoiced"], paid_date=s["paid"])
        if s["returned"]:
            day, percent = s["returned"]
            back = sale(
                cast,
                cast.rik,
                f"SO-{n}R",
                day,
                str(-(cents * percent / 100).quantize(Decimal("0.01"))),
            )
            OrderLine.objects.filter(pk=back.pk).update(original=sold)


def _run(months_and_reruns, closing) -> list:
    states = []
    for month, times in months_and_reruns:
        for _ in range(times):
            run = run_month(month, by=None)
        if closing[MONTHS.index(month)]:
            run_advance(run, by=None, expected="open", confirmed=True)
        states.append(_state(month))
    return states


@settings(
    max_examples=examples(10, 300), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories(), reruns=st.lists(st.integers(1, 3), min_size=4, max_size=4))
def test_months_run_once_equal_months_run_again_and_again(cast, history, reruns):
    sales, plan, closing = history
    OrderLine.objects.filter(credits__person=cast.rik).delete()
    with transaction.atomic():
        _book(cast, sales, plan)
        with transaction.atomic():
            once = _run([(m, 1) for m in MONTHS], closing)
            transaction.set_rollback(True)
        again = _run(list(zip(MONTHS, reruns, strict=True)), closing)
        transaction.set_rollback(True)
    assert again == once
