"""Coaching signals: whom to coach on what, from KPI attainment, leading indicators and
skill gaps. Pure: the figures come in per person, the signals go out with the figures
that raised them.

The rules (each threshold a module constant):

* ``under-target-strong-skills``: revenue attainment under ``UNDER`` percent while the
  person's combined skill score is at least ``STRONG_SKILLS`` and no competency falls short
  of the role's level: the skills are there, so ask what keeps them from showing. This
  person often does not see the need for coaching.
* ``no-new-business``: at or above target but no new customer won in the window: the
  results lean on existing accounts.
* ``little-new-business-time``: selling time on new accounts below ``BENCHMARK_SHARE`` of
  the team's median (the team benchmark; teams of at least ``MIN_TEAM`` with a figure).
* ``top-performer-peers-fall-back``: attainment of at least ``TOP`` percent while the rest
  of the team's mean attainment fell ``FALL_BACK`` points or more against the window before:
  let the top performer help their peers.
* ``deviation-without-action``: a deviation flagged on the deviations page without a
  Five Times Why that agreed an action.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

UNDER = 90.0
STRONG_SKILLS = 3.5
TOP = 120.0
FALL_BACK = 10.0
BENCHMARK_SHARE = 0.6
MIN_TEAM = 3

RULES = (
    "under-target-strong-skills",
    "no-new-business",
    "little-new-business-time",
    "top-performer-peers-fall-back",
    "deviation-without-action",
)


@dataclass(frozen=True)
class Figures:
    """One person's figures over the window (and the window before, for attainment)."""

    person: int
    team: int
    attainment: float | None = None
    previous_attainment: float | None = None
    new_customers: float | None = None
    new_business_time: float | None = None
    skill_score: float | None = None
    skill_gaps: int | None = None
    deviations_without_action: int = 0


@dataclass(frozen=True)
class Signal:
    person: int
    code: str
    figures: dict[str, float] = field(default_factory=dict)


def signals(people: Sequence[Figures]) -> list[Signal]:
    """Every rule on every person, in the order of ``RULES`` per person."""
    teams: dict[int, list[Figures]] = defaultdict(list)
    for p in people:
        teams[p.team].append(p)
    out: list[Signal] = []
    for p in people:
        out += _own(p)
        out += _team(p, teams[p.team])
    order = {code: i for i, code in enumerate(RULES)}
    return sorted(out, key=lambda s: (s.person, order[s.code]))


def _own(p: Figures) -> list[Signal]:
    found = []
    if (
        p.attainment is not None
        and p.attainment < UNDER
        and p.skill_score is not None
        and p.skill_score >= STRONG_SKILLS
        and p.skill_gaps == 0
    ):
        found.append(
            Signal(
                p.person,
                "under-target-strong-skills",
                {"attainment": p.attainment, "skill_score": p.skill_score},
            )
        )
    if p.attainment is not None and p.attainment >= 100 and p.new_customers == 0:
        found.append(Signal(p.person, "no-new-business", {"attainment": p.attainment}))
    if p.deviations_without_action:
        found.append(
            Signal(
                p.person,
                "deviation-without-action",
                {"deviations": float(p.deviations_without_action)},
            )
        )
    return found


def _team(p: Figures, team: list[Figures]) -> list[Signal]:
    found = []
    shares = [t.new_business_time for t in team if t.new_business_time is not None]
    if p.new_business_time is not None and len(shares) >= MIN_TEAM:
        benchmark = statistics.median(shares)
        if p.new_business_time < BENCHMARK_SHARE * benchmark:
            found.append(
                Signal(
                    p.person,
                    "little-new-business-time",
                    {"share": p.new_business_time, "benchmark": benchmark},
                )
            )
    if p.attainment is not None and p.attainment >= TOP:
        peers = [
            t
            for t in team
            if t.person != p.person
            and t.attainment is not None
            and t.previous_attainment is not None
        ]
        if peers:
            now = statistics.fmean(t.attainment for t in peers if t.attainment is not None)
            before = statistics.fmean(
                t.previous_attainment for t in peers if t.previous_attainment is not None
            )
            if before - now >= FALL_BACK:
                found.append(
                    Signal(
                        p.person,
                        "top-performer-peers-fall-back",
                        {"attainment": p.attainment, "peers_now": now, "peers_before": before},
                    )
                )
    return found
