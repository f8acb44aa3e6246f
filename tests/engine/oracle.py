"""An obviously correct pay calculation, in Decimal, row by row: the plan semantics of
``koers.engine.comp`` written out plainly, as the differential tests' oracle.

It shares nothing with the engine but the documented rules: where a figure is cut short
(attainment and curve payouts to a part per million, band bounds to a cent, a factor's
product to a millionth of a cent, the one rounding of a payout line to a cent, half away
from zero), the oracle says so in the same words as the engine's docstrings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

MILLION = Decimal(1_000_000)


@dataclass
class Line:
    line_id: int
    day: dt.date
    amount: int  # cents
    group: int
    holders: list[tuple[int, int]]  # (person, share in basis points)


@dataclass
class Payee:
    person: int
    quota: int | None  # cents
    incentive: int  # cents
    first: dt.date
    last: dt.date
    modifier: int | None = None  # the gate's or multiplier's KPI attainment, ppm
    team: int | None = None  # the manager whose team counts (team scope)


@dataclass
class Plan:
    rule: str  # flat, marginal, retroactive, bonus
    tiers: list[tuple[int, int, bool]] = field(default_factory=list)  # (start, rate, above)
    bands: str = "quota"
    group_rates: dict[int, int] = field(default_factory=dict)
    curve: list[tuple[int, int]] = field(default_factory=list)
    cap: int | None = None
    window: tuple[dt.date | None, dt.date | None] = (None, None)
    steps: list[tuple[int, int]] = field(default_factory=list)  # (attainment, factor) ppm
    scope: str = "individual"
    rollup: bool = False


def floor_div(a: Decimal, b: Decimal) -> Decimal:
    return (a / b).to_integral_value(rounding=ROUND_FLOOR)


def parts(line: Line) -> dict[int, Decimal]:
    """Each holder's part of a line: |amount| × share ÷ 10,000 cut to a cent towards zero,
    with the amount's sign; when the shares add up to 100% the cents left over go to the
    largest share (the lowest person id among equals)."""
    amount = Decimal(line.amount)
    sign = -1 if amount < 0 else 1
    out: dict[int, Decimal] = {}
    for person, share in line.holders:
        if share == 10_000:
            part = amount
        else:
            part = sign * (abs(amount) * share / 10_000).to_integral_value(rounding=ROUND_DOWN)
        out[person] = out.get(person, Decimal(0)) + part
    split = [(p, s) for p, s in line.holders if s != 10_000]
    if split and sum(s for _p, s in line.holders) == 10_000:
        top = min(split, key=lambda ps: (-ps[1], ps[0]))[0]
        out[top] += amount - sum(out.values())
    return out


def above(person: int, managers: dict[int, int | None]) -> list[int]:
    """The person and every manager above them."""
    chain, seen = [person], {person}
    while managers.get(chain[-1]) is not None and managers[chain[-1]] not in seen:
        chain.append(managers[chain[-1]])  # type: ignore[arg-type]
        seen.add(chain[-1])
    return chain


def measure(
    plan: Plan, lines: list[Line], payees: list[Payee], start: dt.date, end: dt.date, managers
) -> dict[int, tuple[Decimal, Decimal]]:
    """Per payee: (measure in cents, Σ credit × rate in cents), from every line by hand."""
    first = max(start, plan.window[0] or start)
    last = min(end, plan.window[1] or end)
    per_holder: list[tuple[int, dt.date, Decimal, Decimal]] = []  # person, day, part, × rate
    base = plan.tiers[0][1] if plan.tiers else 0
    for line in lines:
        if not first <= line.day <= last:
            continue
        rate = Decimal(plan.group_rates.get(line.group, base)) / MILLION
        for person, part in parts(line).items():
            per_holder.append((person, line.day, part, part * rate))
    out: dict[int, tuple[Decimal, Decimal]] = {}
    everyone = {p.person for p in payees}
    for payee in payees:
        total, weighted = Decimal(0), Decimal(0)
        for person, day, part, rated in per_holder:
            if plan.scope == "company":
                counts = True
            elif plan.scope == "team":
                counts = payee.team is not None and payee.team in above(person, managers)
            elif plan.rollup:
                counts = payee.person in above(person, managers) and (
                    payee.first <= day <= payee.last
                )
            else:
                counts = person == payee.person and payee.first <= day <= payee.last
            if counts:
                total, weighted = total + part, weighted + rated
        out[payee.person] = (total, weighted)
    assert everyone == set(out)
    return out


def interpolate(curve: list[tuple[int, int]], att: int) -> int:
    """Payout ppm: nothing below the first point, linear between points (cut to a ppm,
    rounding down), the last point's payout beyond it."""
    if att < curve[0][0]:
        return 0
    for (a1, p1), (a2, p2) in zip(curve, curve[1:], strict=False):
        if att < a2:
            return p1 + int(floor_div(Decimal((att - a1) * (p2 - p1)), Decimal(a2 - a1)))
    return curve[-1][1]


def earned(plan: Plan, payee: Payee, total: Decimal, weighted: Decimal) -> tuple[int | None, int]:
    """(attainment ppm, earnings cents) of one payout line."""
    quota = payee.quota or 0
    att = int(floor_div(total * MILLION, Decimal(quota))) if quota > 0 else None
    if plan.rule == "bonus":
        amount = Decimal(payee.incentive) * interpolate(plan.curve, att or 0) / MILLION
    elif plan.rule == "flat":
        amount = weighted
    elif plan.rule == "retroactive":
        reached_by = total if plan.bands == "money" else Decimal(att or 0)
        rate = plan.tiers[0][1]
        for start, tier_rate, exclusive in plan.tiers[1:]:
            if reached_by > start if exclusive else reached_by >= start:
                rate = tier_rate
        amount = total * rate / MILLION
    else:
        amount = marginal(plan, total, quota)
    if plan.steps:
        factor = plan.steps[0][1]
        for start, step in plan.steps[1:]:
            if (payee.modifier or 0) >= start:
                factor = step
        # the product is cut to a millionth of a cent, towards zero
        amount = (amount * factor / MILLION).quantize(Decimal("0.000001"), rounding=ROUND_DOWN)
    cents = int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if plan.cap is not None:
        cents = min(cents, plan.cap)
    return att, cents


def marginal(plan: Plan, total: Decimal, quota: int) -> Decimal:
    """Each band's rate on the part inside it; a band's bounds in % of quota are cut to a
    cent (rounding down); without a quota everything is in the first band; a negative
    measure is taken back at the first band's rate."""
    if total < 0:
        return total * plan.tiers[0][1] / MILLION
    money = plan.bands == "money"
    amount = Decimal(0)
    bounds = [start for start, _r, _a in plan.tiers] + [None]
    for (start, rate, _exclusive), upper in zip(plan.tiers, bounds[1:], strict=True):
        if not money and quota <= 0:
            inside = total if start == 0 else Decimal(0)
        else:
            low = Decimal(start) if money else floor_div(Decimal(quota * start), MILLION)
            high = None
            if upper is not None:
                high = Decimal(upper) if money else floor_div(Decimal(quota * upper), MILLION)
            inside = (total if high is None else min(total, high)) - low
        amount += max(inside, Decimal(0)) * rate / MILLION
    return amount


def calculate(
    plan: Plan,
    lines: list[Line],
    payees: list[Payee],
    start: dt.date,
    end: dt.date,
    managers: dict[int, int | None],
) -> dict[int, tuple[int, int | None, int]]:
    """Per payee: (measure cents, attainment ppm, earnings cents)."""
    with localcontext() as context:
        context.prec = 80
        sums = measure(plan, lines, payees, start, end, managers)
        out = {}
        for payee in payees:
            total, weighted = sums[payee.person]
            att, cents = earned(plan, payee, total, weighted)
            out[payee.person] = (int(total), att, cents)
        return out


def settle(earned_cents: int, adjustment: int, kind: str, draw: int, balance: int, held: bool,
           held_before: int) -> dict[str, int]:  # fmt: skip
    """One person's month, as a payroll clerk would work it out."""
    e = earned_cents + adjustment
    d = max(draw, 0) if kind else 0
    topup = max(d - max(e, 0), 0)
    debt = max(-e, 0)
    recovery = min(balance, max(e - d, 0))
    payout = max(e, 0) + topup - recovery
    balance_out = balance - recovery + debt + (topup if kind == "recoverable" else 0)
    if held:
        return {"payout": payout, "paid": 0, "balance": balance_out, "held": held_before + payout}
    return {"payout": payout, "paid": payout + held_before, "balance": balance_out, "held": 0}
