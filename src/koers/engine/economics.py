"""The business economics of selling: break-even, what a price change asks of volume, the
discount a salesperson can afford. Exact decimals throughout; money is rounded once, at
the end, by the one rule of :mod:`koers.engine.money`; a volume is whole units, rounded up
(half a unit is not sold, and one unit short of break-even is a loss).

Break-even: a product (or anything sold by the unit) with fixed costs ``F``, a price ``p``
and a variable cost ``c`` per unit contributes ``p - c`` per unit towards ``F``; it breaks
even at ``F / (p - c)`` units, ``F / ((p - c) / p)`` in revenue. Something sold in money
(a unit's revenue, a campaign's or a new salesperson's) uses the contribution margin ratio
instead: break-even revenue ``F / ratio``. The margin of safety is how far the expected
volume lies above break-even, as a share of it.

Price and volume: a price changed by ``d`` (a fraction, -0.10 for 10% less) keeps the same
gross profit when the volume becomes ``V * (p - c) / (p * (1 + d) - c)``; a discount is
affordable up to ``1 - (c + V * (p - c) / V') / p`` when it brings the volume from ``V`` to
``V'``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from koers.engine.money import quantize_money

ONE = Decimal(1)


def _whole_units_up(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class BreakEven:
    """A break-even analysis. With no positive contribution there is no break-even:
    ``units``, ``revenue`` and the margin of safety are None and ``reason`` says why."""

    fixed_costs: Decimal
    contribution: Decimal | None  # per unit (None: sold in money)
    ratio: Decimal | None  # contribution margin ratio, 0..1 (None: no price)
    units: int | None  # break-even volume, whole units rounded up
    revenue: Decimal | None  # break-even revenue, to the cent
    expected_units: Decimal | None
    expected_revenue: Decimal | None
    safety: Decimal | None  # margin of safety: share of the expected volume above break-even
    profit: Decimal | None  # at the expected volume, to the cent
    reason: str = ""  # "zero" or "negative" contribution, or ""

    @property
    def breaks_even(self) -> bool:
        return self.reason == ""


def break_even(
    fixed_costs: Decimal,
    price: Decimal,
    variable_cost: Decimal,
    expected_units: Decimal | None = None,
) -> BreakEven:
    """Break-even of something sold by the unit at ``price`` with ``variable_cost`` a
    unit and ``fixed_costs`` to cover; the margin of safety and profit at
    ``expected_units`` when given."""
    if fixed_costs < 0 or price < 0 or variable_cost < 0:
        raise ValueError("costs and prices are not negative")
    contribution = price - variable_cost
    ratio = contribution / price if price else None
    expected_revenue = price * expected_units if expected_units is not None else None
    profit = (
        quantize_money(expected_units * contribution - fixed_costs)
        if expected_units is not None
        else None
    )
    if contribution <= 0:
        return BreakEven(
            fixed_costs, contribution, ratio, None, None, expected_units,
            _money(expected_revenue), None, profit,
            "zero" if contribution == 0 else "negative",
        )  # fmt: skip
    units = _whole_units_up(fixed_costs / contribution)
    exact_revenue = fixed_costs / ratio if ratio else Decimal(0)
    safety = None
    if expected_units:
        safety = (expected_units - fixed_costs / contribution) / expected_units
    return BreakEven(
        fixed_costs, contribution, ratio, units, quantize_money(exact_revenue),
        expected_units, _money(expected_revenue), safety, profit,
    )  # fmt: skip


def break_even_revenue(
    fixed_costs: Decimal, ratio: Decimal, expected_revenue: Decimal | None = None
) -> BreakEven:
    """Break-even of something sold in money: the revenue at which a contribution margin
    ``ratio`` (gross margin over revenue, a fraction) covers ``fixed_costs``."""
    if fixed_costs < 0:
        raise ValueError("costs are not negative")
    profit = (
        quantize_money(expected_revenue * ratio - fixed_costs)
        if expected_revenue is not None
        else None
    )
    if ratio <= 0:
        return BreakEven(
            fixed_costs, None, ratio, None, None, None, _money(expected_revenue), None, profit,
            "zero" if ratio == 0 else "negative",
        )  # fmt: skip
    if ratio > 1:
        raise ValueError("a contribution margin ratio is at most 1")
    exact = fixed_costs / ratio
    safety = (expected_revenue - exact) / expected_revenue if expected_revenue else None
    return BreakEven(
        fixed_costs, None, ratio, None, quantize_money(exact), None,
        _money(expected_revenue), safety, profit,
    )  # fmt: skip


def _money(value: Decimal | None) -> Decimal | None:
    return quantize_money(value) if value is not None else None


@dataclass(frozen=True)
class PriceChange:
    """What a price change asks of the volume to keep the same gross profit."""

    new_price: Decimal
    contribution: Decimal  # per unit, before
    new_contribution: Decimal  # per unit, at the new price
    units_needed: int | None  # whole units, rounded up; None: no volume is enough
    volume_change: Decimal | None  # the change of volume that needs, a fraction
    profit_before: Decimal
    profit_at_same_volume: Decimal  # the gross profit if the volume stayed as it was


def price_change(
    price: Decimal, variable_cost: Decimal, units: Decimal, change: Decimal
) -> PriceChange:
    """The volume that keeps the gross profit of ``units`` at ``price`` when the price
    changes by ``change`` (a fraction: -0.10 is 10% less). With no contribution left at
    the new price, no volume is enough (``units_needed`` None)."""
    if price <= 0 or variable_cost < 0 or units < 0 or change <= -1:
        raise ValueError("a price above zero, costs and volume not negative, change above -100%")
    contribution = price - variable_cost
    new_price = price * (ONE + change)
    new_contribution = new_price - variable_cost
    before = units * contribution
    same_volume = units * new_contribution
    if new_contribution <= 0 or contribution <= 0:
        needed, change_in_volume = None, None
    else:
        exact = units * contribution / new_contribution
        needed = _whole_units_up(exact)
        change_in_volume = exact / units - ONE if units else Decimal(0)
    return PriceChange(
        quantize_money(new_price), contribution, new_contribution, needed, change_in_volume,
        quantize_money(before), quantize_money(same_volume),
    )  # fmt: skip


def affordable_discount(
    price: Decimal, variable_cost: Decimal, units: Decimal, extra_volume: Decimal
) -> Decimal | None:
    """The largest discount (a fraction of the price) that keeps the gross profit when it
    brings ``extra_volume`` (a fraction: 0.20 is 20% more units); None when the sale makes
    no profit to share. Zero when no extra volume is expected."""
    if price <= 0 or variable_cost < 0 or units <= 0 or extra_volume < 0:
        raise ValueError("a price and volume above zero, costs and extra volume not negative")
    contribution = price - variable_cost
    if contribution <= 0:
        return None
    new_units = units * (ONE + extra_volume)
    return ONE - (variable_cost + units * contribution / new_units) / price


def volume_for_discounts(
    price: Decimal, variable_cost: Decimal, discounts: tuple[Decimal, ...]
) -> list[tuple[Decimal, Decimal | None]]:
    """For each discount (a fraction), the extra volume (a fraction) it needs to keep the
    gross profit; None where the discount takes the whole contribution."""
    return [(d, price_change(price, variable_cost, ONE, -d).volume_change) for d in discounts]
