"""Reads for Steer: the Sales Skills Matrix of a round, a person's history across rounds,
the team's profile and the comments each person may read."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from koers.engine import skills
from koers.org import visibility as vis
from koers.org.models import Person
from koers.steer.models import (
    Competency,
    FeedbackRequest,
    FeedbackRound,
    RoleRequirement,
    SkillRating,
)

SOURCE_CHOICES = ("combined", "self", "manager", "peer", "customer")
NEVER = 10**9  # more peers than any round has


def rounds_with_answers(user: Any) -> QuerySet[FeedbackRound]:
    return (
        vis.visible_feedback_rounds(user)
        .annotate(answers=Count("requests", filter=Q(requests__answered_at__isnull=False)))
        .filter(answers__gt=0)
        .order_by("-created_at")
    )


def _ratings(round_ids: list[int] | None, people: QuerySet[Person]) -> QuerySet[Any]:
    """The answered ratings of ``people`` in ``round_ids`` (every round when None)."""
    rows = SkillRating.objects.filter(
        request__answered_at__isnull=False, request__subject__in=people.values("pk")
    )
    if round_ids is not None:
        rows = rows.filter(request__round_id__in=round_ids)
    return rows.values_list(
        "request__round_id",
        "request__subject_id",
        "competency_id",
        "request__source",
        "request_id",
        "score",
    )


def peer_minimum(round_: FeedbackRound, today: dt.date | None = None) -> int:
    """How many peers must have answered before their scores and comments show: while a
    round is open, never (each new answer would move the average by exactly that peer's
    score), so peers show only once the round has closed (or its closing date passed)."""
    today = today or timezone.localdate()
    closed = round_.status == FeedbackRound.Status.CLOSED or round_.closes_on < today
    return skills.PEER_MINIMUM if closed else NEVER


def required_levels() -> dict[tuple[str, int], int]:
    return {(r.role, r.competency_id): r.level for r in RoleRequirement.objects.all()}


@dataclass(frozen=True)
class CellView:
    value: float | None
    raters: int
    hidden: bool
    required: int | None
    gap: float | None
    blind: str | None

    @property
    def band(self) -> str:
        """The colour band of the heat map: the score rounded to a whole level."""
        return "" if self.value is None else f"l{min(5, max(1, round(self.value)))}"


@dataclass
class MatrixRow:
    person: Person
    cells: list[CellView]
    gaps: int = 0
    blind_spots: list[tuple[Competency, str]] = field(default_factory=list)


@dataclass
class Matrix:
    round: FeedbackRound | None
    source: str
    competencies: list[Competency]
    rows: list[MatrixRow]
    team: list[tuple[Competency, float, int]]


def skills_matrix(
    user: Any,
    round_: FeedbackRound | None,
    source: str = "combined",
    within: QuerySet[Person] | None = None,
) -> Matrix:
    """People the user may see (of ``within``, when given) × the round's competencies for
    one source (or combined), with the role's required level, the gap and blind spots
    (self against the others)."""
    if round_ is None:
        return Matrix(None, source, [], [], [])
    competencies = list(round_.competencies.all())
    people = vis.visible_people(user)
    if within is not None:
        people = people.filter(pk__in=within.values("pk"))
    ratings = [
        skills.Rating(person, competency, src, rater, score)
        for _round, person, competency, src, rater, score in _ratings([round_.pk], people)
    ]
    cells = skills.matrix(ratings, peer_minimum=peer_minimum(round_))
    rated = sorted({p for p, _c in cells})
    persons = {p.pk: p for p in Person.objects.filter(pk__in=rated).select_related("unit")}
    levels = required_levels()
    rows = []
    for pid in sorted(rated, key=lambda i: (persons[i].last_name, persons[i].first_name)):
        row = MatrixRow(persons[pid], [])
        for c in competencies:
            by_source = cells.get((pid, c.pk), {})
            cell = by_source.get(source, skills.Cell(None, 0))
            combined = by_source.get("combined", skills.Cell(None, 0)).value
            own = by_source.get("self", skills.Cell(None, 0)).value
            required = levels.get((persons[pid].role, c.pk))
            gap = skills.gap(combined, required)
            blind = skills.blind_spot(own, combined)
            row.cells.append(CellView(cell.value, cell.raters, cell.hidden, required, gap, blind))
            row.gaps += bool(gap)
            if blind:
                row.blind_spots.append((c, blind))
        rows.append(row)
    by_pk = {c.pk: c for c in competencies}
    team = [
        (by_pk[t.competency], t.mean, t.people)
        for t in skills.team_profile(cells)
        if t.competency in by_pk
    ]
    return Matrix(round_, source, competencies, rows, team)


History = list[tuple[FeedbackRound, dict[int, float | None]]]


def histories(people: QuerySet[Person]) -> dict[int, History]:
    """Per person of ``people``: their combined score per competency in every round they
    were rated in, oldest first (the peers' anonymity holds in each round). Two queries
    for any number of people."""
    per_round: dict[int, list[skills.Rating]] = defaultdict(list)
    for round_id, pid, competency, src, rater, score in _ratings(None, people):
        per_round[round_id].append(skills.Rating(pid, competency, src, rater, score))
    found: dict[int, History] = defaultdict(list)
    for r in FeedbackRound.objects.filter(pk__in=per_round).order_by("created_at"):
        by_person: dict[int, dict[int, float | None]] = defaultdict(dict)
        shown = peer_minimum(r)
        for (pid, c), cells in skills.matrix(per_round[r.pk], peer_minimum=shown).items():
            by_person[pid][c] = cells["combined"].value
        for pid, scores in by_person.items():
            found[pid].append((r, scores))
    return found


def history(person: Person) -> History:
    return histories(Person.objects.filter(pk=person.pk)).get(person.pk, [])


def latest_scores(person: Person) -> tuple[FeedbackRound | None, dict[int, float | None]]:
    found = history(person)
    return found[-1] if found else (None, {})


@dataclass(frozen=True)
class Comment:
    source: str
    competency: Competency
    text: str
    author: str  # empty for peers: they stay anonymous


def comments(round_: FeedbackRound, person: Person) -> list[Comment]:
    """The comments on ``person`` in ``round_``; peers' only once enough peers answered,
    never with their names, in an order that does not follow who answered when."""
    answered = FeedbackRequest.objects.filter(round=round_, subject=person).exclude(
        answered_at=None
    )
    peers = answered.filter(source=FeedbackRequest.Source.PEER).count()
    rows = (
        SkillRating.objects.filter(request__in=answered)
        .exclude(comment="")
        .select_related("competency", "request__rater")
        .order_by("competency__order", "comment")
    )
    out = []
    for r in rows:
        source = r.request.source
        if source == FeedbackRequest.Source.PEER and peers < peer_minimum(round_):
            continue
        author = "" if source == FeedbackRequest.Source.PEER else r.request.rater_name
        out.append(Comment(source, r.competency, r.comment, author))
    return out


def response_tracking(round_: FeedbackRound) -> list[dict[str, Any]]:
    """Per rated person: asked and answered per source, for the round's owner. Who exactly
    answered is shown for every source but peers, whose count alone is given."""
    requests = round_.requests.select_related("subject", "rater").order_by(
        "subject__last_name", "subject__first_name", "source"
    )
    table: dict[int, dict[str, Any]] = {}
    for r in requests:
        row = table.setdefault(
            r.subject_id,
            {"person": r.subject, "sources": defaultdict(lambda: [0, 0]), "open": []},
        )
        row["sources"][r.source][0] += 1
        row["sources"][r.source][1] += r.answered_at is not None
        if r.answered_at is None and r.source != FeedbackRequest.Source.PEER:
            row["open"].append(r)
    return list(table.values())


@dataclass(frozen=True)
class SkillLine:
    competency: Competency
    score: float | None
    required: int | None

    @property
    def gap(self) -> float | None:
        return skills.gap(self.score, self.required)
