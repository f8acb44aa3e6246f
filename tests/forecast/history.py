"""A planted history for forecast tests: Ruud, Rosa and Rik sold every month from January
2024 to November 2026, with growth and a summer peak; Ruud sold one product group."""

from __future__ import annotations

import datetime as dt
import math

from koers.engine.periods import add_months
from koers.measure.models import GroupSalesFact, KpiFact

FIRST = dt.date(2024, 1, 1)


def revenue_cents(month: dt.date, base: float, t: int) -> int:
    """Cents: a base, growth and a summer peak."""
    season = 1 + 0.3 * math.sin(2 * math.pi * (month.month - 3) / 12)
    return int((base + 20 * t) * season * 100)


def plant(cast):
    """Ruud, Rosa and Rik sold every month from January 2024 to this month (the cast's
    own November order aside)."""
    KpiFact.objects.filter(kpi__in=["revenue", "volume"]).delete()
    rows = []
    for base, person in [(1000, cast.ruud), (800, cast.rosa), (1500, cast.rik)]:
        for t in range(35):
            month = add_months(FIRST, t)
            rows.append(
                KpiFact(
                    kpi="revenue",
                    person=person,
                    month=month,
                    numerator=revenue_cents(month, base, t),
                    denominator=1,
                )
            )
            rows.append(
                KpiFact(kpi="volume", person=person, month=month, numerator=10_000, denominator=1)
            )
    KpiFact.objects.bulk_create(rows)
    GroupSalesFact.objects.bulk_create(
        GroupSalesFact(
            person=cast.ruud,
            month=add_months(FIRST, t),
            product_group_id=cast.product.group_id,
            revenue_cents=50_000 + 1_000 * t,
            quantity=5_000,
        )
        for t in range(34)
    )
    return cast
