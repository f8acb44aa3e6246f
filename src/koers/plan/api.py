"""Target rounds through the API: the same services and role rules as Plan → Target
rounds. A salesperson sees their own proposal (and their team's total on the page); a
manager her unit and below; the organisation-wide roles everything."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from koers.api.schemas import MAX_ID, ErrorOut
from koers.measure.catalogue import definitions
from koers.org import visibility as vis
from koers.org.models import OrgUnit
from koers.plan import services
from koers.plan.models import TargetProposal, TargetRound

router = Router(tags=["plan"])
Id = Path(..., ge=1, le=MAX_ID)
Amount = Field(..., ge=0, le=Decimal("9999999999999999.99"), max_digits=18, decimal_places=2)


class ProposalOut(Schema):
    id: int
    person_id: int
    person: str
    top_down: Decimal
    bottom_up: Decimal | None
    substantiation: str
    agreed: Decimal | None
    comment: str


class RoundOut(Schema):
    id: int
    year: int
    kpi: str
    unit_id: int
    product_group_id: int | None
    total: Decimal
    method: str
    version: int
    reason: str
    status: str
    approved_at: dt.datetime | None


class RoundDetailOut(RoundOut):
    proposals: list[ProposalOut]


class RoundIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    kpi: str = Field(..., max_length=40)
    unit_id: int = Field(..., ge=1, le=MAX_ID)
    total: Decimal = Amount
    method: Literal["history", "potential", "fte", "workload"]
    product_group_id: int | None = Field(None, ge=1, le=MAX_ID)


class StepIn(Schema):
    step: Literal["open", "approve", "revise"]
    reason: str = Field("", max_length=2000)


class NumberIn(Schema):
    value: Decimal = Amount
    note: str = Field("", max_length=2000)


def _proposals(request: HttpRequest, target_round: TargetRound) -> list[ProposalOut]:
    rows = target_round.proposals.filter(person__in=vis.visible_people(request.user))
    return [
        ProposalOut(
            id=p.pk,
            person_id=p.person_id,
            person=str(p.person),
            top_down=p.top_down,
            bottom_up=p.bottom_up,
            substantiation=p.substantiation,
            agreed=p.agreed,
            comment=p.comment,
        )
        for p in rows.select_related("person").order_by("person__last_name", "pk")
    ]


def _out(request: HttpRequest, target_round: TargetRound) -> RoundDetailOut:
    return RoundDetailOut(
        **RoundOut.from_orm(target_round).dict(), proposals=_proposals(request, target_round)
    )


@router.get("/rounds", response=list[RoundOut], operation_id="list_target_rounds")
def list_rounds(request: HttpRequest):
    """The target rounds the caller takes part in (all, for the organisation-wide roles)."""
    return list(vis.visible_target_rounds(request.user).order_by("-year", "kpi", "-version")[:500])


@router.get(
    "/rounds/{round_id}",
    response={200: RoundDetailOut, 404: ErrorOut},
    operation_id="get_target_round",
)
def get_round(request: HttpRequest, round_id: int = Id):
    """A round with the proposals the caller may see."""
    return _out(request, get_object_or_404(vis.visible_target_rounds(request.user), pk=round_id))


@router.post(
    "/rounds",
    response={201: RoundDetailOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="propose_target_round",
)
def propose(request: HttpRequest, payload: RoundIn):
    """A top-down proposal (director or administrator): the year's target divided over
    everyone in the unit and below by the method."""
    unit = OrgUnit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise Http404
    if payload.kpi not in definitions():
        raise ValidationError(
            {"kpi": _("“%(code)s” is not a KPI Koers knows.") % {"code": payload.kpi}}
        )
    group = None
    if payload.product_group_id is not None:
        from koers.sales.models import ProductGroup

        group = ProductGroup.objects.filter(pk=payload.product_group_id).first()
        if group is None:
            raise Http404
    made = services.round_propose(
        year=payload.year,
        kpi=payload.kpi,
        unit=unit,
        total=payload.total,
        method=payload.method,
        by=request.user,
        product_group=group,
    )
    return Status(201, _out(request, made))


@router.post(
    "/rounds/{round_id}/steps",
    response={200: RoundDetailOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="step_target_round",
)
def step(request: HttpRequest, payload: StepIn, round_id: int = Id):
    """Open a drafted round, approve an open one (writing the monthly targets), or start a
    new version of an approved one with its reason."""
    target_round = get_object_or_404(vis.visible_target_rounds(request.user), pk=round_id)
    if payload.step == "open":
        target_round = services.round_open(target_round, by=request.user)
    elif payload.step == "approve":
        services.round_approve(target_round, by=request.user)
        target_round.refresh_from_db()
    else:
        target_round = services.round_revise(target_round, reason=payload.reason, by=request.user)
    return _out(request, target_round)


def _proposal(request: HttpRequest, proposal_id: int) -> TargetProposal:
    return get_object_or_404(
        TargetProposal.objects.filter(person__in=vis.visible_people(request.user)),
        pk=proposal_id,
    )


@router.post(
    "/proposals/{proposal_id}/bottom-up",
    response={200: ProposalOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="submit_bottom_up",
)
def submit(request: HttpRequest, payload: NumberIn, proposal_id: int = Id):
    """One's own bottom-up number with its substantiation, while the round is open."""
    proposal = services.proposal_submit(
        _proposal(request, proposal_id),
        value=payload.value,
        substantiation=payload.note,
        by=request.user,
    )
    return next(p for p in _proposals(request, proposal.round) if p.id == proposal.pk)


@router.post(
    "/proposals/{proposal_id}/agreed",
    response={200: ProposalOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="agree_target",
)
def agree(request: HttpRequest, payload: NumberIn, proposal_id: int = Id):
    """The number a manager (her people) or the director agrees; never one's own."""
    proposal = services.proposal_agree(
        _proposal(request, proposal_id), value=payload.value, comment=payload.note, by=request.user
    )
    return next(p for p in _proposals(request, proposal.round) if p.id == proposal.pk)


class AccountTargetsIn(Schema):
    person_id: int = Field(..., ge=1, le=MAX_ID)
    year: int = Field(..., ge=2000, le=2100)
    kpi: Literal["revenue", "gross_margin"]
    method: Literal["history", "potential", "equal", "hand"]
    hand: dict[int, Decimal] = Field(
        default_factory=dict, description="By hand: account id → amount for the year."
    )
    dry_run: bool = Field(False, description="Only show the division; write nothing.")


class AccountRowOut(Schema):
    account_id: int
    account: str
    last_year: Decimal
    potential: Decimal
    year: Decimal
    months: list[Decimal]


class AccountTargetsOut(Schema):
    person_id: int
    year: int
    kpi: str
    method: str
    months: list[dt.date]
    person_months: list[Decimal]
    accounts: list[AccountRowOut]
    written: int


@router.post(
    "/account-targets",
    response={200: AccountTargetsOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="divide_account_targets",
)
def divide_account_targets(request: HttpRequest, payload: AccountTargetsIn):
    """A person's year target divided over their accounts (Plan → Account targets); with
    ``dry_run`` only shown, otherwise written by a director or an administrator, replacing
    the person's earlier account targets of that KPI and year."""
    from koers.plan import account_targets

    person = get_object_or_404(vis.visible_sellers(request.user), pk=payload.person_id)
    if any(v < 0 for v in payload.hand.values()):
        raise ValidationError({"hand": _("A target cannot be negative.")})
    division = account_targets.divide(
        person, year=payload.year, kpi=payload.kpi, method=payload.method, hand=payload.hand
    )
    written = 0 if payload.dry_run else account_targets.write(division, by=request.user)
    return AccountTargetsOut(
        person_id=person.pk,
        year=division.year,
        kpi=division.kpi,
        method=division.method,
        months=division.months,
        person_months=division.person_months,
        accounts=[
            AccountRowOut(
                account_id=row.account.pk,
                account=row.account.name,
                last_year=row.last_year,
                potential=row.potential,
                year=row.year,
                months=row.months,
            )
            for row in division.rows
        ],
        written=written,
    )
