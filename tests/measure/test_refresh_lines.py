"""The refresh counts every order line once for its customer and in parts for its credit
holders: a line credited to nobody counts for its customer and no one's revenue; a line
shared by two counts once for its customer and in parts for each holder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from koers.measure.models import AccountMonthFact, KpiFact
from koers.measure.services import kpi_facts_refresh
from koers.sales import models as sm
from koers.sales.services import order_line_save

NOVEMBER = dt.date(2026, 11, 1)


def _line(cast, number: str, amount: str, credits) -> sm.OrderLine:
    line = sm.OrderLine(
        order_number=number,
        order_date=dt.date(2026, 11, 20),
        account=cast.accounts["ruud"],
        product=cast.product,
        quantity=Decimal("1"),
        amount=Decimal(amount),
        cost=Decimal("0.00"),
        currency="EUR",
    )
    return order_line_save(line=line, by=None, credits=credits)


def _revenue(person) -> int:
    fact = KpiFact.objects.get(kpi="revenue", person=person, month=NOVEMBER)
    return fact.numerator


def test_lines_credited_to_nobody_or_to_two_count_once_for_the_customer(cast):
    # an order line's credit holders can be removed after it was written (a person's
    # records erased, say): the line stays the customer's purchase
    _line(cast, "SO-NOBODY", "300.00", [(cast.rik, Decimal("100"))]).credits.all().delete()
    _line(cast, "SO-SHARED", "200.01", [(cast.ruud, Decimal("50")), (cast.rosa, Decimal("50"))])
    kpi_facts_refresh(start=NOVEMBER, end=dt.date(2026, 11, 30))
    customer = AccountMonthFact.objects.get(account=cast.accounts["ruud"], month=NOVEMBER)
    # the cast's own line (1,000.00) plus both new lines, each once
    assert customer.revenue_cents == 100_000 + 30_000 + 20_001
    assert customer.margin_cents == 30_000 + 30_000 + 20_001
    # the shared line in parts that add up to the line (the split rule gives the odd cent)
    assert _revenue(cast.ruud) + _revenue(cast.rosa) == 100_000 + 100_000 + 20_001
    assert {_revenue(cast.ruud), _revenue(cast.rosa)} == {100_000 + 10_001, 100_000 + 10_000}
    # and nobody holds the uncredited line's revenue
    total = sum(f.numerator for f in KpiFact.objects.filter(kpi="revenue", month=NOVEMBER))
    assert total == 3 * 100_000 + 20_001


def test_each_lines_credits_read_by_its_index_equal_the_joined_ones(cast, monkeypatch):
    """A refresh of a few months reads each line's credits by the line's index on
    PostgreSQL (the join elsewhere): the same credited rows and payments as the join,
    shared lines and a line credited to nobody included."""
    from django.db import connection

    from koers.measure import services

    _line(cast, "SO-SHARED", "1000.00", [(cast.ruud, Decimal("60")), (cast.rosa, Decimal("40"))])
    _line(cast, "SO-NOBODY", "300.00", [(cast.rik, Decimal("100"))]).credits.all().delete()
    sm.OrderLine.objects.update(paid_date=dt.date(2026, 11, 25))
    month = (NOVEMBER, dt.date(2026, 11, 30))
    postgres = connection.vendor == "postgresql"
    assert ("LATERAL" in services._credited_lines(None, *month)) is postgres
    assert "LATERAL" not in services._credited_lines(None, dt.date(2026, 1, 1), month[1])
    assert "LATERAL" not in services._credited_lines([cast.ruud.pk], *month)

    def read() -> dict:
        frames = services._inputs(*month, only=("credits", "payments"))
        return {name: frame.sort(frame.columns) for name, frame in frames.items()}

    by_index = read()
    joined = "sales_orderlinecredit c JOIN sales_orderline l ON l.id = c.line_id"
    monkeypatch.setattr(services, "_credited_lines", lambda *a: joined)
    assert by_index["credits"].height >= 4 and by_index["payments"].height >= 4
    for name, frame in read().items():
        assert frame.equals(by_index[name])
