"""How a payout line's amount was reached, step by step, so that a payee can check it by
hand: measure → attainment → band or curve → rate → factor → rounding → cap → amount.

Pure: the steps are worked out with the same integer rules as :mod:`koers.engine.comp`
(amounts in millionths of a cent, one rounding to the cent half away from zero, then the
cap), from the figures a payout line keeps. What the line pays beyond its own rule (a
return reversed at its sale's rate, what earlier months of a year-to-date line paid, a
change of plan version within the period) is the step ``other``, so the steps always add
up to the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from koers.engine.comp import PPM, SCALE, Component
from koers.engine.kpi import MILLI
from koers.engine.money import from_cents

WHOLE = SCALE  # millionths of a cent in a cent


@dataclass(frozen=True)
class Step:
    """One step. ``kind``: measure, attainment, band (a marginal band: ``base`` inside it
    from ``start`` to ``end``), reached (the retroactive band from ``start``), curve (the
    payout ``rate`` in ppm at the attainment), rates (a rate per product group), factor (a
    gate's or multiplier's ``rate`` in ppm at the KPI's attainment ``base``), rounded, cap,
    returns (``base`` taken back for returns of ``rate`` cents of sales that earlier periods
    paid), other, amount. ``rate`` is in RATE units (millionths of 100%) unless said otherwise;
    ``scaled`` is the amount after the step in millionths of a cent."""

    kind: str
    base: int | None = None
    rate: int | None = None
    start: int | None = None
    end: int | None = None
    scaled: int | None = None


def _truncated(value: int, divisor: int) -> int:
    return value // divisor if value >= 0 else -((-value) // divisor)


def _rounded(scaled: int) -> int:
    half = SCALE // 2
    return (scaled + half) // SCALE if scaled >= 0 else -((-scaled + half) // SCALE)


def _bands(c: Component, measure: int, quota: int) -> list[Step]:
    steps = []
    money = c.bands == "money"
    bounds = [t.start for t in c.tiers] + [None]
    if measure < 0:
        return [Step("band", measure, c.tiers[0].rate, 0, None, measure * c.tiers[0].rate)]
    for tier, upper in zip(c.tiers, bounds[1:], strict=True):
        if not money and quota <= 0:
            inside = measure if tier.start == 0 else 0
            low, high = 0, None
        else:
            low = tier.start if money else quota * tier.start // PPM
            high = None if upper is None else (upper if money else quota * upper // PPM)
            inside = max((measure if high is None else min(measure, high)) - low, 0)
        if inside:
            steps.append(Step("band", inside, tier.rate, tier.start, upper, inside * tier.rate))
    return steps


def _rule(
    c: Component, measure: int, quota: int, attainment: int | None, incentive: int
) -> tuple[list[Step], int | None]:
    """The rule's steps and the amount before any factor (millionths of a cent)."""
    if c.rule == "bonus":
        curve = _curve(c, attainment or 0)
        scaled = incentive * curve * SCALE // PPM
        return [Step("curve", incentive, curve, attainment or 0, None, scaled)], scaled
    if c.rule == "retroactive":
        reached_by = measure if c.bands == "money" else (attainment or 0)
        tier = c.tiers[0]
        for t in c.tiers[1:]:
            if reached_by > t.start if t.above else reached_by >= t.start:
                tier = t
        scaled = measure * tier.rate
        return [Step("reached", measure, tier.rate, tier.start, None, scaled)], scaled
    if c.rule == "marginal":
        steps = _bands(c, measure, quota)
        return steps, sum(s.scaled or 0 for s in steps)
    if c.group_rates:
        return [Step("rates", measure, c.tiers[0].rate if c.tiers else 0)], None
    rate = c.tiers[0].rate if c.tiers else 0
    return [Step("reached", measure, rate, 0, None, measure * rate)], measure * rate


def _curve(c: Component, attainment: int) -> int:
    if attainment < c.curve[0][0]:
        return 0
    for (a1, p1), (a2, p2) in zip(c.curve, c.curve[1:], strict=False):
        if attainment < a2:
            return p1 + (attainment - a1) * (p2 - p1) // (a2 - a1)
    return c.curve[-1][1]


def chain(
    c: Component,
    *,
    measure: int,
    quota: int | None,
    attainment_ppm: int | None,
    target_incentive_cents: int,
    modifier_ppm: int | None,
    factor_ppm: int | None,
    earnings_cents: int,
    returned: int = 0,
) -> list[Step]:
    """The steps from a line's measure to its ``earnings_cents``. ``returned``: returns
    of sales that earlier periods paid, left out of the measure and taken back at the
    rates they were paid (cents of sales, negative): the step ``returns``."""
    steps = [Step("measure", measure)]
    if quota:
        steps.append(Step("attainment", measure, attainment_ppm, quota))
    rule_steps, scaled = _rule(c, measure, quota or 0, attainment_ppm, target_incentive_cents)
    steps += rule_steps
    if scaled is not None and c.measure == "volume" and c.rule != "bonus":
        scaled = _truncated(scaled, MILLI)
    if scaled is not None and c.modifier_kpi:
        factor = factor_ppm if factor_ppm is not None else PPM
        scaled = _truncated(scaled * factor, PPM)
        steps.append(Step("factor", modifier_ppm, factor, scaled=scaled))
    cents = None
    if scaled is not None:
        cents = _rounded(scaled)
        steps.append(Step("rounded", scaled=cents * WHOLE))
        if c.cap_cents is not None and cents > c.cap_cents:
            cents = c.cap_cents
            steps.append(Step("cap", c.cap_cents, scaled=cents * WHOLE))
    if cents is not None and cents != earnings_cents:
        kind = "returns" if returned else "other"
        steps.append(Step(kind, earnings_cents - cents, returned, scaled=earnings_cents * WHOLE))
    steps.append(Step("amount", earnings_cents, scaled=earnings_cents * WHOLE))
    return steps


def euros(scaled: int | None) -> Decimal | None:
    """Millionths of a cent as an amount to the cent (for display)."""
    return None if scaled is None else from_cents(_rounded(scaled))
