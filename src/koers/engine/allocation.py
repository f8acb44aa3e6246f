"""Top-down target proposals: a parent's target divided over its children and its months.

Pure arithmetic on integers (cents for money, thousandths for quantities, counts as they
are); every division uses the engine's one split rule (``koers.engine.split``), so the parts
always add up to the whole exactly, to the cent, and a leftover cent goes to the largest
share.

Methods of dividing a year's target over people or units:

* ``history``: in proportion to what each achieved over the same months last year;
* ``potential``: in proportion to the potential of their accounts;
* ``fte``: equal per full-time equivalent (a 0.8 FTE gets 80% of a full share);
* ``workload``: in proportion to their workload (hours their accounts need);
* ``hand``: amounts typed by hand, which must add up to the whole.

A new hire ramps up: in their first months they carry a part of a full share (by default
25%, 50% and 75% in months one to three). The ramp lowers their weight for the year and
their share of each of those months, so the year still adds up to the parent's target.
Months are spread by the organisation's measured seasonality: each month's share of the
history of the months it stands for (equal months where there is no history).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from koers.engine.split import split_by_weights

METHODS = ("history", "potential", "fte", "workload", "hand")
MONTHS = 12
RAMP = (250, 500, 750)  # thousandths of a full share in a new hire's first months
SCALE = 1000  # weights in thousandths: 0.8 FTE is 800


class AllocationError(ValueError):
    """An allocation that cannot be made (nothing to divide by, a hand allocation that does
    not add up); the message names what to fix. ``code`` and ``figures`` let a page say it
    in the reader's language (``koers.plan.words.allocation_message``)."""

    def __init__(self, code: str, message: str, **figures: Any) -> None:
        super().__init__(message)
        self.code = code
        self.figures = figures


@dataclass(frozen=True)
class Child:
    """Someone (or a unit) the target is divided over, with what each method weighs:
    last year's result, the potential of their accounts, FTE, workload hours, an amount
    typed by hand, and the month index (0 = the year's first month) they start selling in,
    when they are new (None: a full year)."""

    key: Any
    history: int = 0
    potential: int = 0
    fte: Decimal = Decimal(1)
    workload: int = 0
    hand: int | None = None
    starts: int | None = None


def month_factors(child: Child, ramp: Sequence[int] = RAMP) -> list[int]:
    """Thousandths of a full share in each month of the year: 0 before the start, the
    ramp in the first months, a full share after."""
    if child.starts is None:
        return [SCALE] * MONTHS
    factors = []
    for month in range(MONTHS):
        since = month - child.starts
        factors.append(0 if since < 0 else ramp[since] if since < len(ramp) else SCALE)
    return factors


def _weight(child: Child, method: str) -> int:
    if method == "history":
        return max(child.history, 0)
    if method == "potential":
        return max(child.potential, 0)
    if method == "workload":
        return max(child.workload, 0)
    if method == "fte":
        return int(child.fte * SCALE)
    raise AllocationError("unknown_method", f"unknown method {method!r}", method=method)


def allocate(
    total: int, children: Sequence[Child], method: str, ramp: Sequence[int] = RAMP
) -> dict[Any, int]:
    """The year's ``total`` divided over ``children`` by ``method``; adds up exactly.
    A new hire's weight is scaled by their ramp-up over the year (a full year is 12,000
    thousandth-months)."""
    if not children:
        raise AllocationError("nobody", "There is nobody to divide the target over.")
    if method == "hand":
        typed = {c.key: c.hand for c in children}
        if any(v is None for v in typed.values()):
            missing = ", ".join(str(k) for k, v in typed.items() if v is None)
            raise AllocationError("missing", f"No amount typed for: {missing}.", missing=missing)
        given = sum(v for v in typed.values() if v is not None)
        if given != total:
            raise AllocationError(
                "hand_sum",
                f"The amounts typed add up to {given}, not to the target {total}: "
                f"{'add' if given < total else 'take off'} {abs(total - given)}.",
                given=given,
                total=total,
            )
        return {k: int(v) for k, v in typed.items() if v is not None}
    if method not in METHODS:
        raise AllocationError("unknown_method", f"unknown method {method!r}", method=method)
    weights = {c.key: _weight(c, method) * sum(month_factors(c, ramp)) for c in children}
    if sum(weights.values()) == 0 and method in ("history", "potential", "workload"):
        raise AllocationError(
            "no_weights",
            f"Nobody has any {method} to divide by: choose another method.",
            method=method,
        )
    return split_by_weights(total, weights)


def seasonality(history: Mapping[int, int]) -> list[int]:
    """Each month's weight (month index 0–11 of the year → the history of that month,
    summed over the years measured); equal months where there is no history at all, and
    negative months (returns) count as none."""
    weights = [max(int(history.get(m, 0)), 0) for m in range(MONTHS)]
    return weights if any(weights) else [1] * MONTHS


def spread(annual: int, season: Sequence[int], factors: Sequence[int] | None = None) -> list[int]:
    """A year's target over its twelve months by ``season`` (month weights), times a
    new hire's ramp ``factors``; adds up to ``annual`` exactly."""
    factors = factors or [SCALE] * MONTHS
    weights = {m: int(season[m]) * int(factors[m]) for m in range(MONTHS)}
    if not any(weights.values()):
        # the months someone works had no history at all: spread over them by the ramp
        weights = {m: int(factors[m]) for m in range(MONTHS)}
    if not any(weights.values()):
        raise AllocationError("no_month", "No month left to carry the target.")
    parts = split_by_weights(annual, weights)
    return [parts[m] for m in range(MONTHS)]


def propose(
    total: int,
    children: Sequence[Child],
    method: str,
    season: Sequence[int],
    ramp: Sequence[int] = RAMP,
) -> dict[Any, list[int]]:
    """A top-down proposal: the year's ``total`` over ``children`` by ``method``, and each
    child's year over the months by ``season`` and their ramp-up. Every child's months add
    up to their year, and the years to ``total``."""
    years = allocate(total, children, method, ramp)
    by_key = {c.key: c for c in children}
    return {
        key: spread(amount, season, month_factors(by_key[key], ramp)) if amount else [0] * MONTHS
        for key, amount in years.items()
    }


def divide_months(months: Sequence[int], weights: Mapping[Any, int]) -> dict[Any, list[int]]:
    """A person's monthly targets (``months``, integer units) divided over their accounts
    (``weights``: what each account weighs, history, potential or an amount typed by hand).

    Each account's year is the year's total divided by the one split rule
    (``split_by_weights``); each month of each account is then that year's share of the
    month, rounded so that both directions add up exactly: every month's parts make the
    person's target of that month and every account's months make its year. The rounding
    is a controlled rounding of the table (each cell is its exact share rounded down or up,
    never further), found as a minimum-cost flow that rounds up the cells with the largest
    remainders first (OR-Tools)."""
    if not weights:
        raise AllocationError("no_accounts", "There are no accounts to divide the target over.")
    if any(m < 0 for m in months):
        raise AllocationError("negative", "A target cannot be negative.")
    year = sum(months)
    keys = list(weights)
    rows = split_by_weights(year, {k: max(int(weights[k]), 0) for k in keys})
    if year == 0:
        return {k: [0] * len(months) for k in keys}
    table = {k: [rows[k] * m // year for m in months] for k in keys}
    row_short = {k: rows[k] - sum(table[k]) for k in keys}
    col_short = [m - sum(table[k][i] for k in keys) for i, m in enumerate(months)]
    if sum(col_short):
        _round_up(table, keys, months, rows, year, row_short, col_short)
    return table


def _round_up(
    table: dict[Any, list[int]],
    keys: list[Any],
    months: Sequence[int],
    rows: Mapping[Any, int],
    year: int,
    row_short: Mapping[Any, int],
    col_short: Sequence[int],
) -> None:
    """Add one unit to cells with a remainder, ``row_short`` per row and ``col_short`` per
    column: a transportation problem with unit capacities (always solvable, the exact
    table is a fractional solution of it), preferring the largest remainders."""
    from ortools.graph.python import min_cost_flow

    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    row_node = {k: 2 + i for i, k in enumerate(keys)}
    col_node = [2 + len(keys) + i for i in range(len(months))]
    cells = []
    for k in keys:
        if row_short[k]:
            flow.add_arc_with_capacity_and_unit_cost(source, row_node[k], row_short[k], 0)
        for i, month in enumerate(months):
            remainder = rows[k] * month % year
            if remainder:
                # larger remainders are cheaper; scaled to stay inside 64-bit costs
                cost = -(remainder * 1_000_000 // year)
                arc = flow.add_arc_with_capacity_and_unit_cost(row_node[k], col_node[i], 1, cost)
                cells.append((arc, k, i))
    for i, short in enumerate(col_short):
        if short:
            flow.add_arc_with_capacity_and_unit_cost(col_node[i], sink, short, 0)
    flow.set_node_supply(source, sum(col_short))
    flow.set_node_supply(sink, -sum(col_short))
    if flow.solve() != flow.OPTIMAL:  # pragma: no cover - the exact table proves it solvable
        raise AllocationError("inexact", "The target could not be divided exactly.")
    for arc, k, i in cells:
        table[k][i] += flow.flow(arc)
