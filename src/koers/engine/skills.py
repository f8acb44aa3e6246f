"""The Sales Skills Matrix, coaching goals and the effect of training: pure arithmetic.

Ratings come from four sources (self, peers, manager, customers) on a scale of 1 to
``SCALE_MAX``. The matrix averages each source per person and competency; peers are anonymous
and count only once ``PEER_MINIMUM`` of them answered, below that their cell stays empty (an
average of two would let the person guess who said what). The combined score is the mean of
the source averages that are shown, each source weighing the same whatever its number of
raters, and the self-assessment left out (it is compared, not counted: see ``blind_spot``).

A blind spot is a competency where the self-assessment differs from the others' combined
score by at least ``BLIND_SPOT`` points: above it, the person overrates themselves; below,
they underrate themselves.

The effect of a training is a difference in differences: the participants' mean change of a
KPI from the baseline period to the period after, minus the same change among colleagues who
did not take part. Its standard error is Welch's, from the spread of each group's changes;
with fewer than two people in a group there is no error to give.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SOURCES = ("self", "peer", "manager", "customer")
OTHERS = ("peer", "manager", "customer")
SCALE_MAX = 5
PEER_MINIMUM = 3
BLIND_SPOT = 1.0


@dataclass(frozen=True)
class Rating:
    """One answer: ``rater`` identifies the answer's author within the round (a request id),
    never shown for peers."""

    person: int
    competency: int
    source: str
    rater: int
    score: int


@dataclass(frozen=True)
class Cell:
    """One person's score on one competency from one source (or ``combined``): the average
    and how many answered. ``value`` is None when nobody answered or when too few peers did
    (``hidden``)."""

    value: float | None
    raters: int
    hidden: bool = False


Key = tuple[int, int]  # person, competency


def matrix(
    ratings: Iterable[Rating], *, peer_minimum: int = PEER_MINIMUM
) -> dict[Key, dict[str, Cell]]:
    """Per (person, competency): a cell per source that answered, and ``combined``."""
    scores: dict[Key, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for r in ratings:
        if r.source not in SOURCES:
            raise ValueError(f"unknown source {r.source!r}")
        if not 1 <= r.score <= SCALE_MAX:
            raise ValueError(f"a score lies between 1 and {SCALE_MAX}, not {r.score}")
        scores[(r.person, r.competency)][r.source][r.rater] = r.score
    out: dict[Key, dict[str, Cell]] = {}
    for key, by_source in scores.items():
        cells: dict[str, Cell] = {}
        for source, answers in by_source.items():
            n = len(answers)
            if source == "peer" and n < peer_minimum:
                cells[source] = Cell(None, n, hidden=True)
            else:
                cells[source] = Cell(sum(answers.values()) / n, n)
        shown = [v for s in OTHERS if s in cells and (v := cells[s].value) is not None]
        raters = sum(cells[s].raters for s in OTHERS if s in cells and not cells[s].hidden)
        cells["combined"] = Cell(sum(shown) / len(shown) if shown else None, raters)
        out[key] = cells
    return out


def blind_spot(
    self_score: float | None, others: float | None, *, threshold: float = BLIND_SPOT
) -> str | None:
    """``over`` when the self-assessment lies ``threshold`` points or more above the others'
    combined score, ``under`` when as far below, else None (or when either is missing)."""
    if self_score is None or others is None:
        return None
    if self_score - others >= threshold:
        return "over"
    if others - self_score >= threshold:
        return "under"
    return None


def gap(score: float | None, required: int | None) -> float | None:
    """How far the combined score lies below the role's required level (0 when it meets it)."""
    if score is None or required is None:
        return None
    return max(0.0, required - score)


@dataclass(frozen=True)
class TeamProfile:
    competency: int
    mean: float
    people: int


def team_profile(cells: dict[Key, dict[str, Cell]]) -> list[TeamProfile]:
    """The team's mean combined score per competency, strongest first."""
    per: dict[int, list[float]] = defaultdict(list)
    for (_person, competency), by_source in cells.items():
        value = by_source["combined"].value
        if value is not None:
            per[competency].append(value)
    rows = [TeamProfile(c, sum(v) / len(v), len(v)) for c, v in per.items()]
    return sorted(rows, key=lambda r: (-r.mean, r.competency))


# --- SMART coaching goals -------------------------------------------------------------

STRETCH = 1.5  # a goal asking more than this times the best month on record is not achievable
HORIZON_DAYS = 366  # and one further away than a year is not time-bound enough to coach on


@dataclass(frozen=True)
class SmartGoal:
    """What a coaching goal says, in plain values: its text, the KPI that measures it (with
    whether higher is better), the value to reach and by when, the person's monthly history
    of that KPI, and whether it addresses a skill gap or a KPI under target."""

    description: str
    kpi: str | None
    target_value: float | None
    due: dt.date | None
    history: Sequence[float]
    higher_is_better: bool = True
    relevant: bool = False


def smart_failures(goal: SmartGoal, *, today: dt.date) -> list[str]:
    """The letters of SMART the goal fails, in order, each with its reason code:
    ``S`` (the description is too vague: fewer than four words), ``M`` (no KPI or no value
    to reach), ``A`` (the value lies beyond ``STRETCH`` times the best month on record, or
    there is no history to judge it by), ``R`` (it addresses neither a skill gap nor a KPI
    under target), ``T`` (no date, a date in the past, or more than a year away)."""
    failed = []
    if len(goal.description.split()) < 4:
        failed.append("S")
    if not goal.kpi or goal.target_value is None:
        failed.append("M")
    if "M" not in failed and not _achievable(goal):
        failed.append("A")
    if not goal.relevant:
        failed.append("R")
    if goal.due is None or goal.due <= today or (goal.due - today).days > HORIZON_DAYS:
        failed.append("T")
    return failed


def _achievable(goal: SmartGoal) -> bool:
    assert goal.target_value is not None
    if not goal.history:
        return False
    if goal.higher_is_better:
        return goal.target_value <= max(goal.history) * STRETCH
    return goal.target_value >= min(goal.history) / STRETCH


# --- the effect of a training: difference in differences ----------------------------


@dataclass(frozen=True)
class Effect:
    """Participants against colleagues who did not take part: each group's size and mean
    before and after, the difference in differences, and its standard error (None when a
    group has fewer than two people)."""

    treated: int
    control: int
    treated_before: float | None
    treated_after: float | None
    control_before: float | None
    control_after: float | None
    effect: float | None
    standard_error: float | None

    @property
    def treated_change(self) -> float | None:
        return _change(self.treated_before, self.treated_after)

    @property
    def control_change(self) -> float | None:
        return _change(self.control_before, self.control_after)


def _change(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _variance(values: Sequence[float]) -> float | None:
    if len(values) < 2:
        return None
    m = sum(values) / len(values)
    return sum((v - m) ** 2 for v in values) / (len(values) - 1)


def difference_in_differences(
    treated: Sequence[tuple[float, float]], control: Sequence[tuple[float, float]]
) -> Effect:
    """``treated`` and ``control`` hold each person's (before, after) KPI value; a person
    needs both. Effect = mean(after − before | treated) − mean(after − before | control)."""
    changes_t = [a - b for b, a in treated]
    changes_c = [a - b for b, a in control]
    mean_t, mean_c = _mean(changes_t), _mean(changes_c)
    effect = mean_t - mean_c if mean_t is not None and mean_c is not None else None
    var_t, var_c = _variance(changes_t), _variance(changes_c)
    error = (
        math.sqrt(var_t / len(changes_t) + var_c / len(changes_c))
        if var_t is not None and var_c is not None
        else None
    )
    return Effect(
        treated=len(treated),
        control=len(control),
        treated_before=_mean([b for b, _ in treated]),
        treated_after=_mean([a for _, a in treated]),
        control_before=_mean([b for b, _ in control]),
        control_after=_mean([a for _, a in control]),
        effect=effect,
        standard_error=error,
    )
