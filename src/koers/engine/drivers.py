"""Decomposing a change in revenue into its drivers.

Won revenue = leads × (decided opportunities ÷ leads) × win rate × average deal size. The
change from one period to the next is split by sequential substitution: first the effect
of the number of leads (everything else as it was), then of the share of leads that became
decided opportunities, then of the win rate, then of the deal size. The effects add up
exactly to the change. Without leads in both periods the first two collapse into one: the
number of decided opportunities.

Order revenue = Σ over product groups of quantity × price, split the classic way into
volume (more or fewer units at the old average price), mix (a shift between dearer and
cheaper groups) and price (each group's own price change).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Drivers:
    decided: int  # opportunities won or lost in the period
    won: int
    won_cents: int  # value of the won opportunities
    leads: int = 0  # leads received or generated in the period

    @property
    def win_rate(self) -> float:
        return self.won / self.decided if self.decided else 0.0

    @property
    def deal_size(self) -> float:
        return self.won_cents / self.won if self.won else 0.0

    @property
    def revenue(self) -> float:
        return self.decided * self.win_rate * self.deal_size


@dataclass(frozen=True)
class Decomposition:
    before_cents: float
    volume_cents: float  # effect of more or fewer decided opportunities
    conversion_cents: float  # effect of the win rate
    deal_size_cents: float  # effect of the average deal size
    after_cents: float
    # the volume effect split in two when both periods have leads (else None)
    leads_cents: float | None = None  # more or fewer leads
    lead_conversion_cents: float | None = None  # a larger or smaller share of leads decided


def decompose(before: Drivers, after: Drivers) -> Decomposition:
    """The change from ``before`` to ``after`` split into volume, conversion and deal
    size; before + the three effects = after."""
    volume = (after.decided - before.decided) * before.win_rate * before.deal_size
    conversion = after.decided * (after.win_rate - before.win_rate) * before.deal_size
    size = after.decided * after.win_rate * (after.deal_size - before.deal_size)
    leads = lead_conversion = None
    if before.leads and after.leads:
        per_lead = before.decided / before.leads * before.win_rate * before.deal_size
        leads = (after.leads - before.leads) * per_lead
        lead_conversion = volume - leads
    return Decomposition(
        before.revenue, volume, conversion, size, after.revenue, leads, lead_conversion
    )


@dataclass(frozen=True)
class PriceMix:
    before_cents: int
    volume_cents: float  # more or fewer units, at the old average price
    mix_cents: float  # the shift between product groups, at each group's old price
    price_cents: float  # each group's own price change, on the new quantities
    after_cents: int


def price_mix(
    before: dict[object, tuple[int, int]], after: dict[object, tuple[int, int]]
) -> PriceMix:
    """``before`` and ``after``: product group → (revenue in cents, quantity). A group new
    in ``after`` is priced at its new price (so it shows as mix, not price); quantities of
    zero or less carry no price. before + volume + mix + price = after."""
    r0 = sum(r for r, _q in before.values())
    r1 = sum(r for r, _q in after.values())
    q0 = sum(q for _r, q in before.values())
    q1 = sum(q for _r, q in after.values())
    if q0 <= 0 or q1 <= 0:  # no units to compare: the whole change is volume
        return PriceMix(r0, r1 - r0, 0.0, 0.0, r1)
    old_price = {g: r / q for g, (r, q) in before.items() if q > 0}
    new_price = {g: r / q for g, (r, q) in after.items() if q > 0}
    at_old = sum(q * old_price.get(g, new_price.get(g, 0.0)) for g, (_r, q) in after.items())
    volume = q1 * (r0 / q0) - r0
    mix = at_old - q1 * (r0 / q0)
    price = r1 - at_old
    return PriceMix(r0, volume, mix, price, r1)
