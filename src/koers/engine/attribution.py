"""Which campaign earned which part of a lead's pipeline, revenue and margin.

A lead may be touched by several campaigns; an attribution model divides each lead among
its campaigns, by the order of their touches:

* ``first``: all to the first touch;
* ``last``: all to the last touch (before the lead became an opportunity, when it did);
* ``even``: an equal share to every touch;
* ``position``: 40% to the first, 40% to the last and the other 20% evenly over those in
  between (with two touches half each, with one all of it).

Amounts are whole cents. Each lead's cents are divided with the largest remainder, so the
parts of one lead add up to exactly its amount: summed over all campaigns, attributed
revenue equals the revenue of the leads attributed, never more (a lead touched by three
campaigns is counted once in a total). Two touches by the same campaign count as two
touches, and both shares go to that campaign.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

MODELS = ("first", "last", "even", "position")


@dataclass(frozen=True)
class Touch:
    lead: int
    campaign: int
    date: dt.date


def weights(campaigns: list[int], model: str) -> list[tuple[int, Fraction]]:
    """The share of each touch, touches in date order: (campaign, share), shares adding
    up to 1."""
    n = len(campaigns)
    if n == 0:
        return []
    if model == "first":
        shares = [Fraction(1)] + [Fraction(0)] * (n - 1)
    elif model == "last":
        shares = [Fraction(0)] * (n - 1) + [Fraction(1)]
    elif model == "even":
        shares = [Fraction(1, n)] * n
    elif model == "position":
        if n == 1:
            shares = [Fraction(1)]
        elif n == 2:
            shares = [Fraction(1, 2), Fraction(1, 2)]
        else:
            middle = Fraction(1, 5) / (n - 2)
            shares = [Fraction(2, 5)] + [middle] * (n - 2) + [Fraction(2, 5)]
    else:
        raise ValueError(f"unknown attribution model {model!r}")
    return list(zip(campaigns, shares, strict=True))


def split_cents(cents: int, shares: list[Fraction]) -> list[int]:
    """``cents`` divided by ``shares`` (adding up to 1) in whole cents that add up to
    exactly ``cents``: each part rounded towards zero, the cents left over to the largest
    remainders (the earlier touch first on a tie)."""
    sign = -1 if cents < 0 else 1
    whole = abs(cents)
    exact = [whole * s for s in shares]
    parts = [int(x) for x in exact]  # floor: all non-negative
    left = whole - sum(parts)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]


def attribute(
    touches: Iterable[Touch],
    amounts: dict[int, dict[str, int]],
    model: str,
    until: dict[int, dt.date] | None = None,
) -> dict[int, dict[str, int]]:
    """Campaign → figure → cents attributed: every lead of ``amounts`` (lead → figure →
    cents: pipeline, revenue, margin) divided over the campaigns that touched it by
    ``model``. ``until`` (lead → day) leaves out touches after that day (the day the lead
    became an opportunity: a campaign after it did not bring it)."""
    if model not in MODELS:
        raise ValueError(f"unknown attribution model {model!r}")
    by_lead: dict[int, list[Touch]] = defaultdict(list)
    for touch in touches:
        if touch.lead not in amounts:
            continue
        if until and touch.lead in until and touch.date > until[touch.lead]:
            continue
        by_lead[touch.lead].append(touch)
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for lead, touched in by_lead.items():
        figures = amounts[lead]
        if len(touched) == 1:  # most leads: all of it to the one campaign, in any model
            for figure, cents in figures.items():
                if cents:
                    out[touched[0].campaign][figure] += cents
            continue
        ordered = sorted(touched, key=lambda t: (t.date, t.campaign))
        shares = weights([t.campaign for t in ordered], model)
        for figure, cents in figures.items():
            for (campaign, _share), part in zip(
                shares, split_cents(cents, [s for _c, s in shares]), strict=True
            ):
                if part:
                    out[campaign][figure] += part
    return {c: dict(f) for c, f in out.items()}
