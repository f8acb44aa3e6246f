"""The driver model ("look under the hood"): what a revenue target takes.

From a revenue target per month and the measured rates of a person or team, work back to
the deals, decided opportunities, new opportunities, leads, quotes and visits needed, and
the selling hours those activities take against the hours there are:

    won through deals     = target × deal share (the rest: repeat orders of existing
                            accounts without a deal, which the base brings in)
    deals needed          = won through deals ÷ average deal size
    decided opportunities = deals ÷ win rate
    new opportunities     = decided opportunities, created one sales cycle earlier
    leads                 = new opportunities ÷ (opportunities per lead)
    quotes, visits        = new opportunities × (quotes, visits per opportunity)
    hours needed          = visits × hours per visit + quotes × hours per quote
    hours there are       = FTE × selling hours per FTE per month

An opportunity that must be decided in month m is created ``cycle`` months earlier. The open
pipeline (its value ÷ the average deal size, in opportunities) already holds the
opportunities of the earliest months: it covers them month by month in order; what it does
not cover and should have been created before the plan's first month is due now (it lands
in the first month). Coverage compares the open pipeline with the pipeline that should be
open today: the deals to be decided within one sales cycle (won through deals in those
months ÷ win rate; the first month at least).

What-if levers change the rates (win rate + points, deal size + %, opportunities per lead +
%, FTE + n) and the model is simply computed again. Pure arithmetic on floats; the figures
shown are counts and hours, rounded up (one cannot make 0.3 of a visit).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Rates:
    """Measured over a past year of the scope, or set by hand."""

    win_rate: float  # won ÷ decided, 0..1
    deal_size: float  # average won deal, in euros
    opportunities_per_lead: float  # new opportunities ÷ leads
    quotes_per_opportunity: float
    visits_per_opportunity: float
    cycle_days: float  # from creation to winning
    fte: float
    deal_share: float = 1.0  # share of revenue won through deals, 0..1
    hours_per_visit: float = 2.0  # travel included
    hours_per_quote: float = 1.5
    selling_hours_per_fte: float = 80.0  # per month: the time left for customers


@dataclass(frozen=True)
class Levers:
    win_rate_points: float = 0.0  # + percentage points
    deal_size_pct: float = 0.0  # + % on the average deal
    lead_conversion_pct: float = 0.0  # + % more opportunities from the same leads
    extra_fte: float = 0.0

    def apply(self, rates: Rates) -> Rates:
        return replace(
            rates,
            win_rate=min(max(rates.win_rate + self.win_rate_points / 100, 0.0), 1.0),
            deal_size=max(rates.deal_size * (1 + self.deal_size_pct / 100), 0.0),
            opportunities_per_lead=max(
                rates.opportunities_per_lead * (1 + self.lead_conversion_pct / 100), 0.0
            ),
            fte=max(rates.fte + self.extra_fte, 0.0),
        )


@dataclass(frozen=True)
class Month:
    target: float
    from_deals: float  # the part of the target won through deals
    deals: float
    decided: float
    new_opportunities: float
    leads: float | None  # None: no leads measured, so no lead conversion to work back by
    quotes: float
    visits: float
    hours_needed: float
    hours_available: float

    @property
    def load(self) -> float | None:
        """Hours needed ÷ hours there are (over 1: more than the team can do)."""
        return self.hours_needed / self.hours_available if self.hours_available else None


@dataclass(frozen=True)
class Model:
    months: tuple[Month, ...]
    pipeline_needed: float  # open pipeline the deals of the next sales cycle need
    pipeline_open: float
    problems: tuple[str, ...]  # rates that make the target impossible to work back

    @property
    def coverage(self) -> float | None:
        return self.pipeline_open / self.pipeline_needed if self.pipeline_needed else None

    def total(self, field: str) -> float:
        return sum(getattr(m, field) or 0 for m in self.months)


def up(value: float) -> float:
    """Counts and hours are whole and rounded up: one cannot make 0.3 of a visit."""
    return float(math.ceil(value - 1e-9)) if value > 0 else 0.0


def model(
    targets: Sequence[float], rates: Rates, pipeline_open: float = 0.0, levers: Levers | None = None
) -> Model:
    """The activities each month's revenue target takes at ``rates`` (after ``levers``)."""
    rates = (levers or Levers()).apply(rates)
    problems = []
    if rates.deal_size <= 0:
        problems.append("deal_size")
    if rates.win_rate <= 0:
        problems.append("win_rate")
    n = len(targets)
    share = min(max(rates.deal_share, 0.0), 1.0)
    from_deals = [t * share for t in targets]
    deals = [t / rates.deal_size if rates.deal_size > 0 else 0.0 for t in from_deals]
    decided = [d / rates.win_rate if rates.win_rate > 0 else 0.0 for d in deals]
    lag = round(rates.cycle_days / 30) if rates.cycle_days > 0 else 0
    in_pipeline = pipeline_open / rates.deal_size if rates.deal_size > 0 else 0.0
    created = [0.0] * n
    for month, amount in enumerate(decided):
        covered = min(amount, in_pipeline)  # already open: nothing to create
        in_pipeline -= covered
        created[max(month - lag, 0)] += amount - covered  # should have started earlier: now
    months = []
    for m in range(n):
        opportunities = created[m]
        quotes = opportunities * rates.quotes_per_opportunity
        visits = opportunities * rates.visits_per_opportunity
        leads = (
            up(opportunities / rates.opportunities_per_lead)
            if rates.opportunities_per_lead > 0
            else None
        )
        months.append(
            Month(
                target=targets[m],
                from_deals=from_deals[m],
                deals=up(deals[m]),
                decided=up(decided[m]),
                new_opportunities=up(opportunities),
                leads=leads,
                quotes=up(quotes),
                visits=up(visits),
                hours_needed=up(visits * rates.hours_per_visit + quotes * rates.hours_per_quote),
                hours_available=rates.fte * rates.selling_hours_per_fte,
            )
        )
    within = sum(from_deals[: max(lag, 1)])
    needed = within / rates.win_rate if rates.win_rate > 0 else 0.0
    return Model(tuple(months), needed, pipeline_open, tuple(problems))
