"""KPIs that administrators define without code.

A *measure* counts or sums the records of one source (activities, credited order lines,
opportunities created or won, leads) that pass its filters, per person and month. A *ratio*
divides one additive KPI by another (quotes per visit, revenue per quote); it stores the
numerator KPI's sum over the denominator KPI's sum, so every roll-up stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from koers.engine.kpi import ONE, _facts, credited_parts

# source: (frame it reads, date it counts by, measures it offers, filters it takes)
SOURCES: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "activities": ("activities", "date", ("count",), ("activity_kind", "segment", "business")),
    "orders": (
        "credits",
        "date",
        ("count", "amount", "margin", "quantity"),
        ("product_group_id", "segment", "business"),
    ),
    "opportunities_created": (
        "opportunities",
        "created_on",
        ("count", "amount"),
        ("product_group_id", "segment", "business"),
    ),
    "opportunities_won": (
        "opportunities",
        "closed_on",
        ("count", "amount"),
        ("product_group_id", "segment", "business"),
    ),
    "leads": ("leads", "date", ("count",), ("segment", "lead_source")),
}
MONEY_MEASURES = ("amount", "margin")


@dataclass(frozen=True)
class Measure:
    code: str
    source: str
    measure: str = "count"
    activity_kind: str = ""
    product_group_id: int | None = None
    segment: str = ""
    business: str = ""  # "new" (potential and new accounts), "existing", or either
    lead_source: str = ""  # marketing or sales

    def problems(self) -> list[str]:
        """What makes the definition impossible, in plain words (empty when it is fine)."""
        if self.source not in SOURCES:
            return [f"unknown source {self.source!r}"]
        _frame, _date, measures, filters = SOURCES[self.source]
        found = []
        if self.measure not in measures:
            found.append(f"{self.source} cannot measure {self.measure!r}")
        for name in ("activity_kind", "product_group_id", "segment", "business", "lead_source"):
            if getattr(self, name) not in ("", None) and name not in filters:
                found.append(f"{self.source} cannot be filtered on {name}")
        if self.business not in ("", "new", "existing"):
            found.append(f"business is new or existing, not {self.business!r}")
        return found


def _condition(m: Measure) -> pl.Expr:
    condition = pl.lit(True)
    if m.source == "opportunities_won":
        condition &= (pl.col("outcome") == "won") & pl.col("closed_on").is_not_null()
    if m.activity_kind:
        condition &= pl.col("kind") == m.activity_kind
    if m.product_group_id is not None:
        condition &= pl.col("product_group_id") == m.product_group_id
    if m.segment:
        condition &= pl.col("segment") == m.segment
    if m.business:
        flag = "new_business" if m.source.startswith("opportunities") else "new_account"
        condition &= pl.col(flag) == (m.business == "new")
    if m.lead_source:
        condition &= pl.col("source") == m.lead_source
    return condition


def _value(m: Measure) -> pl.Expr:
    """The measure per row; an order line's amounts are the credit row's parts (see
    :func:`koers.engine.kpi.credited_parts`)."""
    if m.measure == "count":
        return ONE
    if m.source != "orders":  # an opportunity's amount
        return pl.col("amount_cents")
    return pl.col({"amount": "revenue", "quantity": "units"}.get(m.measure, "margin"))


def measure_facts(frames: dict[str, pl.DataFrame], m: Measure) -> pl.DataFrame:
    """The facts of one measure KPI from the input frames (see ``koers.engine.kpi``)."""
    problems = m.problems()
    if problems:
        raise ValueError(f"{m.code}: " + "; ".join(problems))
    frame_name, date, _measures, _filters = SOURCES[m.source]
    frame = frames[frame_name]
    if m.source == "orders":
        frame = credited_parts(frame)
    rows = frame.filter(_condition(m) & pl.col(date).is_not_null())
    return _facts(rows, m.code, date, _value(m))


def ratio_facts(facts: pl.DataFrame, code: str, numerator: str, denominator: str) -> pl.DataFrame:
    """The numerator KPI's sum over the denominator KPI's sum, per person and month; a month
    where only one of them has a figure counts zero for the other."""
    top = facts.filter(pl.col("kpi") == numerator).select("person_id", "month", "numerator")
    bottom = facts.filter(pl.col("kpi") == denominator).select(
        "person_id", "month", pl.col("numerator").alias("denominator")
    )
    joined = top.join(bottom, on=["person_id", "month"], how="full", coalesce=True)
    return joined.select(
        pl.lit(code).alias("kpi"),
        "person_id",
        "month",
        pl.col("numerator").fill_null(0).cast(pl.Int64),
        pl.col("denominator").fill_null(0).cast(pl.Int64),
    )
