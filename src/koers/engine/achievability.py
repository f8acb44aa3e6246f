"""Is a proposed target probable, given the person's record and pipeline?

A target is flagged, with the figures behind it, when

* **growth**: it needs more than ``max_growth`` (default 30%) on what the person achieved
  on the KPI over the last twelve months;
* **no record**: the person achieved nothing on the KPI in the last twelve months while
  they were selling all year (a new hire's ramp-up is not flagged);
* **pipeline**: for revenue, the open pipeline at the person's own win rate covers less
  than ``min_first_quarter`` (default 50%) of the part of the first quarter's target that
  is won through deals (the target × the person's deal share: repeat orders of existing
  accounts come without a deal, so no pipeline can show them);
* **capacity**: the activities the driver model says the target takes need more than
  ``max_load`` (default 120%) of the selling hours there are in the busiest month.

Each flag carries a code and its figures; the pages say it in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Record:
    last_year: float  # the KPI over the last twelve months
    full_year: bool = True  # was the person selling for all of them?
    open_pipeline: float = 0.0  # revenue only: open deals expected to close in the quarter
    win_rate: float = 0.0  # won ÷ decided over the last twelve months
    peak_load: float | None = None  # hours needed ÷ hours there are, busiest month
    deal_share: float = 1.0  # share of revenue won through deals, 0..1


@dataclass(frozen=True)
class Flag:
    code: str  # growth, no_record, pipeline, capacity
    figures: dict[str, float]


def check(
    target: float,
    first_quarter: float,
    record: Record,
    *,
    revenue: bool,
    max_growth: float = 0.30,
    min_first_quarter: float = 0.50,
    max_load: float = 1.20,
) -> list[Flag]:
    flags = []
    if record.last_year > 0 and target > record.last_year * (1 + max_growth):
        flags.append(
            Flag(
                "growth",
                {"growth": (target / record.last_year - 1) * 100, "last_year": record.last_year},
            )
        )
    if record.last_year <= 0 and target > 0 and record.full_year:
        flags.append(Flag("no_record", {"target": target}))
    from_deals = first_quarter * min(max(record.deal_share, 0.0), 1.0)
    if revenue and from_deals > 0:
        expected = record.open_pipeline * record.win_rate
        if expected < from_deals * min_first_quarter:
            flags.append(
                Flag(
                    "pipeline",
                    {
                        "expected": expected,
                        "first_quarter": from_deals,
                        "pipeline": record.open_pipeline,
                        "win_rate": record.win_rate * 100,
                    },
                )
            )
    if record.peak_load is not None and record.peak_load > max_load:
        flags.append(Flag("capacity", {"load": record.peak_load * 100}))
    return flags
