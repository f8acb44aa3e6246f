"""Sales-force size by the workload method.

    hours a year = Σ over account classes (accounts × visits a year × hours per visit)
    FTE needed   = hours a year ÷ selling hours per FTE a year

Hours per visit include travel. Selling hours are the hours an FTE actually spends with or
for customers (not all contract hours). The difference with the FTE present says whether
a team is over- or understaffed for the accounts it serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

VISITS_A_YEAR = {"enterprise": 12, "large": 8, "medium": 4, "small": 2, "": 2}
HOURS_PER_VISIT = 1.5
SELLING_HOURS_A_YEAR = 880.0  # 80 hours a month over eleven months


@dataclass(frozen=True)
class Sizing:
    hours: float
    fte_needed: float
    fte_present: float

    @property
    def difference(self) -> float:
        """FTE present minus needed: negative means too few people for the accounts."""
        return self.fte_present - self.fte_needed

    @property
    def load(self) -> float | None:
        return self.fte_needed / self.fte_present if self.fte_present else None


def workload_hours(
    accounts: Mapping[str, int],
    visits: Mapping[str, float] = VISITS_A_YEAR,
    hours_per_visit: float = HOURS_PER_VISIT,
) -> float:
    """Hours a year the accounts need (class → number of accounts)."""
    return sum(
        n * visits.get(cls, visits.get("", 0)) * hours_per_visit for cls, n in accounts.items()
    )


def size(
    accounts: Mapping[str, int],
    fte_present: float,
    visits: Mapping[str, float] = VISITS_A_YEAR,
    hours_per_visit: float = HOURS_PER_VISIT,
    selling_hours: float = SELLING_HOURS_A_YEAR,
) -> Sizing:
    hours = workload_hours(accounts, visits, hours_per_visit)
    return Sizing(hours, hours / selling_hours if selling_hours > 0 else 0.0, fte_present)
