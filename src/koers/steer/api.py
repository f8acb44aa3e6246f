"""Steer through the API: the skills matrix, coaching signals, SMART coaching goals and a
trajectory's measured effect, with the same rules and services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import TypeAdapter

from koers.api.schemas import MAX_ID, ErrorOut
from koers.measure.catalogue import definitions
from koers.measure.memo import memo
from koers.org import visibility as vis
from koers.steer import coaching, selectors, training
from koers.steer.coaching_page import signal_text
from koers.steer.models import Competency

router = Router(tags=["steer"])
ID = Path(..., ge=1, le=MAX_ID)


class CompetencyOut(Schema):
    id: int
    code: str
    name: str


class CellOut(Schema):
    competency_id: int
    value: float | None
    raters: int
    hidden: bool = Field(..., description="True when fewer than three peers answered")
    required: int | None
    gap: float | None
    blind_spot: str | None = Field(None, description="over, under or none")


class RowOut(Schema):
    person_id: int
    person: str
    gaps: int
    cells: list[CellOut]


class MatrixOut(Schema):
    round_id: int | None
    round: str | None
    source: str
    competencies: list[CompetencyOut]
    rows: list[RowOut]


@router.get("/matrix", response=MatrixOut, operation_id="get_skills_matrix")
def get_matrix(
    request: HttpRequest,
    round_id: int | None = Query(None, ge=1, le=MAX_ID, description="default: the latest"),
    source: Literal["combined", "self", "manager", "peer", "customer"] = "combined",
):
    """The Sales Skills Matrix of a round for the people one sees: per person and
    competency the score of one source (peers only once three answered), the role's
    required level, the gap and the blind spot."""
    rounds = selectors.rounds_with_answers(request.user)
    round_ = rounds.filter(pk=round_id).first() if round_id else rounds.first()
    matrix = selectors.skills_matrix(request.user, round_, source)
    return MatrixOut(
        round_id=round_.pk if round_ else None,
        round=round_.name if round_ else None,
        source=source,
        competencies=[
            CompetencyOut(id=c.pk, code=c.code, name=c.label) for c in matrix.competencies
        ],
        rows=[
            RowOut(
                person_id=row.person.pk,
                person=str(row.person),
                gaps=row.gaps,
                cells=[
                    CellOut(
                        competency_id=c.pk,
                        value=cell.value,
                        raters=cell.raters,
                        hidden=cell.hidden,
                        required=cell.required,
                        gap=cell.gap,
                        blind_spot=cell.blind,
                    )
                    for c, cell in zip(matrix.competencies, row.cells, strict=True)
                ],
            )
            for row in matrix.rows
        ],
    )


class SignalOut(Schema):
    person_id: int
    person: str
    code: str
    text: str
    figures: dict[str, float]


@router.get("/signals", response=list[SignalOut], operation_id="list_coaching_signals")
def list_signals(request: HttpRequest):
    """Whom to coach on what among the sellers one sees (empty for a salesperson)."""
    if not vis.may_lead_steer(request.user):
        return []
    today = timezone.localdate()

    def body() -> str:
        signals = coaching.coaching_signals(request.user, today)
        return (
            TypeAdapter(list[SignalOut])
            .dump_json(
                [
                    SignalOut(
                        person_id=s.person.pk,
                        person=str(s.person),
                        code=s.code,
                        text=signal_text(s),
                        figures=s.figures,
                    )
                    for s in signals
                ]
            )
            .decode()
        )

    # the answer as sent, kept per scope and language as the signals are (thousands for
    # an organisation: built and validated once, not on every call)
    version = (today, coaching.signals_version())
    return HttpResponse(memo("signals_api", request.user, version, body), "application/json")


class GoalIn(Schema):
    person_id: int = Field(..., ge=1, le=MAX_ID)
    description: str = Field(..., min_length=1, max_length=300)
    kpi: str = Field(..., max_length=40)
    target_value: float = Field(..., ge=-1e12, le=1e12)
    due_date: dt.date
    competency_id: int | None = Field(None, ge=1, le=MAX_ID)


class GoalOut(Schema):
    id: int
    person_id: int
    coach_id: int
    description: str
    kpi: str
    baseline: float | None
    target_value: float
    due_date: dt.date


@router.post(
    "/coaching-goals",
    response={201: GoalOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="set_coaching_goal",
)
def set_goal(request: HttpRequest, payload: GoalIn):
    """A SMART coaching goal for someone one coaches; refused (422) with every failing
    letter of SMART named."""
    person = get_object_or_404(vis.visible_people(request.user), pk=payload.person_id)
    if payload.kpi not in definitions():
        raise ValidationError({"kpi": _("Unknown KPI: %(kpi)s.") % {"kpi": payload.kpi}})
    competency = (
        get_object_or_404(Competency, pk=payload.competency_id) if payload.competency_id else None
    )
    goal = coaching.goal_set(
        person=person,
        description=payload.description,
        kpi=payload.kpi,
        target_value=payload.target_value,
        due_date=payload.due_date,
        competency=competency,
        by=request.user,
        today=timezone.localdate(),
    )
    return Status(
        201,
        GoalOut(
            id=goal.pk,
            person_id=goal.person_id,
            coach_id=goal.coach_id,
            description=goal.description,
            kpi=goal.kpi,
            baseline=goal.baseline,
            target_value=goal.target_value,
            due_date=goal.due_date,
        ),
    )


class EffectOut(Schema):
    trajectory_id: int
    kpi: str
    baseline_from: dt.date
    baseline_to: dt.date
    after_from: dt.date | None
    after_to: dt.date | None
    participants: int | None
    colleagues: int | None
    participants_before: float | None
    participants_after: float | None
    colleagues_before: float | None
    colleagues_after: float | None
    effect: float | None
    standard_error: float | None


@router.get(
    "/trajectories/{trajectory_id}/effect",
    response={200: EffectOut, 404: ErrorOut},
    operation_id="get_trajectory_effect",
)
def get_effect(request: HttpRequest, trajectory_id: int = ID):
    """The KPI's monthly mean before and after, participants against the colleagues one
    sees who did not take part (difference in differences, with the group sizes)."""
    trajectory = vis.visible_trajectories(request.user).filter(pk=trajectory_id).first()
    if trajectory is None:
        raise Http404
    measured = training.trajectory_effect(trajectory, request.user, timezone.localdate())
    e, after = measured.effect, measured.windows.after
    return EffectOut(
        trajectory_id=trajectory.pk,
        kpi=trajectory.kpi,
        baseline_from=measured.windows.before[0],
        baseline_to=measured.windows.before[1],
        after_from=after[0] if after else None,
        after_to=after[1] if after else None,
        participants=e.treated if e else None,
        colleagues=e.control if e else None,
        participants_before=e.treated_before if e else None,
        participants_after=e.treated_after if e else None,
        colleagues_before=e.control_before if e else None,
        colleagues_after=e.control_after if e else None,
        effect=e.effect if e else None,
        standard_error=e.standard_error if e else None,
    )
