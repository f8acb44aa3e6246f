"""Territory design: accounts assigned to people so that workload and potential are shared
fairly (in proportion to FTE), travel stays short and few accounts move.

Solved with OR-Tools' CP-SAT solver. Each account goes to exactly one person. The
objective, in this order of weight:

1. the workload imbalance: Σ over people of |their hours − their fair share|;
2. the potential imbalance, likewise;
3. travel: each account's distance to the centre of the accounts its person has now;
4. moves: accounts that change hands.

The solver stops after ``seconds`` with the best assignment found so far (never one worse
than today's: today's is given as the starting hint and moving nothing is always allowed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SCALE = 100  # hours and distances in hundredths


@dataclass(frozen=True)
class Account:
    id: int
    hours: float  # workload a year
    potential: float  # money
    lat: float | None
    lon: float | None
    person: int | None  # who has it now


@dataclass(frozen=True)
class Person:
    id: int
    fte: float


@dataclass(frozen=True)
class Design:
    assignment: dict[int, int]  # account → person
    imbalance_before: float  # share of the workload that sits above people's fair shares
    imbalance_after: float
    moved: tuple[int, ...]  # accounts that change hands
    optimal: bool  # proven best (False: the best found in the time given)


def imbalance(
    accounts: Sequence[Account], people: Sequence[Person], assignment: dict[int, int]
) -> float:
    """Σ |hours − fair share| ÷ (2 × total hours): 0 is perfectly fair, 1 is everything on
    the wrong people."""
    total = sum(a.hours for a in accounts)
    if not total:
        return 0.0
    fte = sum(p.fte for p in people) or 1.0
    load = {p.id: 0.0 for p in people}
    for a in accounts:
        if assignment.get(a.id) in load:
            load[assignment[a.id]] += a.hours
    return sum(abs(load[p.id] - total * p.fte / fte) for p in people) / (2 * total)


def _km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle distance in km (haversine)."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _centres(
    accounts: Sequence[Account], people: Sequence[Person]
) -> dict[int, tuple[float, float]]:
    """Each person's centre: the mean position of the accounts they have now."""
    sums: dict[int, list[float]] = {p.id: [0.0, 0.0, 0.0] for p in people}
    for a in accounts:
        if a.person in sums and a.lat is not None and a.lon is not None:
            sums[a.person][0] += a.lat
            sums[a.person][1] += a.lon
            sums[a.person][2] += 1
    return {pid: (s[0] / s[2], s[1] / s[2]) for pid, s in sums.items() if s[2]}


def design(
    accounts: Sequence[Account],
    people: Sequence[Person],
    *,
    seconds: float = 60.0,
    travel_weight: int = 1,
    move_weight: int = 1,
) -> Design:
    from ortools.sat.python import cp_model

    if not people:
        raise ValueError("nobody to assign accounts to")
    now = {a.id: a.person for a in accounts}
    ids = [p.id for p in people]
    fte = sum(p.fte for p in people) or 1.0
    total_hours = sum(a.hours for a in accounts)
    total_potential = sum(a.potential for a in accounts)
    centres = _centres(accounts, people)

    m = cp_model.CpModel()
    x = {(a.id, p): m.new_bool_var(f"x{a.id}_{p}") for a in accounts for p in ids}
    for a in accounts:
        m.add_exactly_one(x[a.id, p] for p in ids)
        for p in ids:
            m.add_hint(x[a.id, p], now.get(a.id) == p)
    hours = {a.id: int(round(a.hours * SCALE)) for a in accounts}
    # potential in units that keep the model's numbers small: thousandths of the total
    potential = {
        a.id: int(round(a.potential / total_potential * 100_000)) if total_potential else 0
        for a in accounts
    }
    objective = []
    big_hours = sum(hours.values()) or 1
    for person in people:
        share = person.fte / fte
        fair_hours = int(round(total_hours * share * SCALE))
        fair_potential = int(round(100_000 * share)) if total_potential else 0
        load = sum(hours[a.id] * x[a.id, person.id] for a in accounts)
        gap = m.new_int_var(0, big_hours, f"gap{person.id}")
        m.add(gap >= load - fair_hours)
        m.add(gap >= fair_hours - load)
        objective.append(1000 * gap)
        if total_potential:
            pot = sum(potential[a.id] * x[a.id, person.id] for a in accounts)
            pgap = m.new_int_var(0, 100_000, f"pgap{person.id}")
            m.add(pgap >= pot - fair_potential)
            m.add(pgap >= fair_potential - pot)
            objective.append(big_hours // 100_000 * pgap if big_hours >= 100_000 else pgap)
    for a in accounts:
        for p in ids:
            cost = 0
            if travel_weight and a.lat is not None and a.lon is not None and p in centres:
                cost += travel_weight * int(_km(a.lat, a.lon, *centres[p]))
            if move_weight and now.get(a.id) != p:
                cost += move_weight * 10
            if cost:
                objective.append(cost * x[a.id, p])
    m.minimize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(seconds)
    solver.parameters.num_workers = 2
    status = solver.solve(m)
    assignment: dict[int, int]
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        assignment = {a: p for a, p in now.items() if p is not None and p in ids}
        optimal = False
    else:
        assignment = {a.id: next(q for q in ids if solver.value(x[a.id, q])) for a in accounts}
        optimal = status == cp_model.OPTIMAL
    before = imbalance(accounts, people, {a: p for a, p in now.items() if p is not None})
    after = imbalance(accounts, people, assignment)
    moved = tuple(sorted(a for a, p in assignment.items() if now.get(a) != p))
    return Design(assignment, before, after, moved, optimal)
