"""Decomposing a change in won revenue into its drivers.

Won revenue = decided opportunities × win rate × average deal size. The change from
one period to the next is split by sequential substitution: first the effect of the
number of decided opportunities (at the old win rate and deal size), then of the win rate
(at the new number, the old deal size), then of the deal size. The effects add up
exactly to the change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Drivers:
    decided: int  # opportunities won or lost in the period
    won: int
    won_cents: int  # value of the won opportunities

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


def decompose(before: Drivers, after: Drivers) -> Decomposition:
    """The change from ``before`` to ``after`` split into volume, conversion and deal
    size; before + the three effects = after."""
    volume = (after.decided - before.decided) * before.win_rate * before.deal_size
    conversion = after.decided * (after.win_rate - before.win_rate) * before.deal_size
    size = after.decided * after.win_rate * (after.deal_size - before.deal_size)
    return Decomposition(before.revenue, volume, conversion, size, after.revenue)
