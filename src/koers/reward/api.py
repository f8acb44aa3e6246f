"""Reward in the REST API: start calculation runs, approve and lock them, read payout lines
and payouts, and keep plan documents as versions (YAML in, YAML out)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from koers.api.schemas import MAX_ID, MAX_LIMIT, ErrorOut
from koers.org import visibility as vis
from koers.reward.jobs import month_job
from koers.reward.models import Adjustment, CalcRun, Payout, PayoutLine, Plan
from koers.reward.runs import APPROVE_ROLES, CALCULATE_ROLES, moved_message
from koers.reward.selectors import (
    component_specs,
    run_of_month,
    runs_with_totals,
    statement_person,
)
from koers.reward.services import run_advance, run_month
from koers.reward.services.approval import RunMoved, adjustment_approve
from koers.reward.services.plans import plan_activate, plan_save

router = Router(tags=["reward"])
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class RunIn(Schema):
    month: str = Field(..., pattern=MONTH, description="The month to calculate, YYYY-MM")

    model_config = {"extra": "forbid"}


class RunOut(Schema):
    month: str
    status: str
    calculated_at: dt.datetime | None
    people: int
    paid: Decimal


class LineOut(Schema):
    id: int
    person_id: int
    plan_id: int
    component: str
    period_start: dt.date
    period_end: dt.date
    measure: int = Field(description="Cents, or units for volume")
    quota: int | None
    attainment_ppm: int | None = Field(description="1,000,000 = 100%")
    earnings: Decimal
    payable: bool
    correction_of: dt.date | None


class PlanIn(Schema):
    document: str = Field(..., max_length=100_000, description="The plan document in YAML")
    name: str = Field("", max_length=120)

    model_config = {"extra": "forbid"}


class PlanOut(Schema):
    id: int
    code: str
    version: int
    name: str
    status: str
    document: str
    created_at: dt.datetime


class ActivateIn(Schema):
    effective_from: dt.date

    model_config = {"extra": "forbid"}


def _out(run: CalcRun) -> dict[str, Any]:
    """A run with its totals, as annotated by ``runs_with_totals``."""
    return {
        "month": f"{run.month:%Y-%m}",
        "status": run.status,
        "calculated_at": run.calculated_at,
        "people": run.people,
        "paid": run.paid or Decimal(0),
    }


def _totals(run: CalcRun) -> dict[str, Any]:
    return _out(runs_with_totals().get(pk=run.pk))


@router.get("/runs", response={200: list[RunOut], 403: ErrorOut})
def list_runs(request: HttpRequest):
    """Every calculated month, newest first."""
    vis.require_role(request.user, APPROVE_ROLES)
    return [_out(r) for r in runs_with_totals()]


class RunQueued(Schema):
    month: str
    status: str = "queued"
    job_id: int
    job_url: str = Field(..., description="GET it to see how far the run is and how it ended")


@router.post("/runs", response={201: RunOut, 202: RunQueued, 403: ErrorOut, 422: ErrorOut})
def start_run(request: HttpRequest, payload: RunIn):
    """Calculate (or recalculate) an open month; 422 for an approved or locked month.
    The run goes to a background worker: 202 with the job, whose status tells when it is
    done (201 with the totals when it was done before the answer)."""
    vis.require_role(request.user, CALCULATE_ROLES)
    month = dt.datetime.strptime(payload.month, "%Y-%m").date()
    if not dt.date(2000, 1, 1) <= month <= dt.date(2100, 12, 1):
        raise ValidationError({"month": _("Choose a month between 2000 and 2100.")})
    run = CalcRun.objects.filter(month=month).first()
    if run is not None and run.status != CalcRun.Status.OPEN:
        run_month(month, by=request.user)  # refused with the reason, as in the request
    job = month_job(month, request.user)
    if job.status == job.Status.FAILED:
        raise ValidationError(job.message)
    if job.status == job.Status.DONE:
        return Status(201, _totals(run_of_month(payload.month)))
    return Status(
        202, {"month": payload.month, "job_id": job.pk, "job_url": f"/api/v1/jobs/{job.pk}"}
    )


@router.get("/runs/{month}", response={200: RunOut, 403: ErrorOut, 404: ErrorOut})
def get_run(request: HttpRequest, month: str):
    vis.require_role(request.user, APPROVE_ROLES)
    return _totals(run_of_month(month))


@router.post(
    "/runs/{month}/advance",
    response={200: RunOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def advance_run(
    request: HttpRequest,
    month: str,
    from_status: Literal["open", "approved"] = Query(
        ..., alias="from", description="the state the step starts from: open or approved"
    ),
    confirm: bool = Query(
        False, description="confirms a step that asks for it: locking, or approving early"
    ),
):
    """One step: open → approved, or approved → locked (paid). A step names the state it
    starts from and is refused with 409 when the month is no longer in it. Locking, and
    approving a month that has not ended or pays a windfall, answer 422 with the reason
    until ``confirm=true``; an adjustment awaiting four-eyes approval blocks approval."""
    vis.require_role(request.user, APPROVE_ROLES)
    try:
        run = run_of_month(month)
        return _totals(run_advance(run, by=request.user, expected=from_status, confirmed=confirm))
    except RunMoved as moved:
        return Status(409, {"detail": moved_message(str(moved))})


class AdjustmentOut(Schema):
    id: int
    person_id: int
    month: dt.date
    amount: Decimal
    reason: str
    created_by_id: int | None
    approved_by_id: int | None


@router.post(
    "/adjustments/{adjustment_id}/approve",
    response={200: AdjustmentOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def approve_adjustment(request: HttpRequest, adjustment_id: int = Path(..., ge=1, le=MAX_ID)):
    """Four eyes: someone other than its author approves an adjustment of an open month;
    422 for its author, or when it was approved already."""
    from django.shortcuts import get_object_or_404

    vis.require_role(request.user, APPROVE_ROLES)
    found = get_object_or_404(Adjustment, pk=adjustment_id)
    return adjustment_approve(adjustment=found, by=request.user)


@router.get("/runs/{month}/lines", response={200: list[LineOut], 404: ErrorOut})
def run_lines(
    request: HttpRequest,
    month: str,
    person: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_ID),
):
    """The payout lines of a month for the people whose pay you may see (yourself, your
    team, or everyone for the pay roles)."""
    run = run_of_month(month)
    lines = PayoutLine.objects.filter(
        run=run, person__in=vis.visible_people(request.user).values("pk")
    )
    if person is not None:
        lines = lines.filter(person_id=person)
    return lines.order_by("person_id", "component", "period_start")[offset : offset + limit]


@router.get("/plans", response={200: list[PlanOut], 403: ErrorOut})
def list_plans(request: HttpRequest):
    vis.require_role(request.user, APPROVE_ROLES)
    return Plan.objects.order_by("code", "-version")


@router.get("/plans/{plan_id}", response={200: PlanOut, 403: ErrorOut, 404: ErrorOut})
def get_plan(request: HttpRequest, plan_id: int = Path(..., ge=1, le=MAX_ID)):
    from django.shortcuts import get_object_or_404

    vis.require_role(request.user, APPROVE_ROLES)
    return get_object_or_404(Plan, pk=plan_id)


@router.post("/plans", response={201: PlanOut, 403: ErrorOut, 422: ErrorOut})
def save_plan(request: HttpRequest, payload: PlanIn):
    """A new draft version of the plan the document names; 422 names every problem."""
    vis.require_role(request.user, CALCULATE_ROLES)
    return Status(201, plan_save(document=payload.document, name=payload.name, by=request.user))


@router.post(
    "/plans/{plan_id}/activate",
    response={200: PlanOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def activate_plan(
    request: HttpRequest, payload: ActivateIn, plan_id: int = Path(..., ge=1, le=MAX_ID)
):
    from django.shortcuts import get_object_or_404

    vis.require_role(request.user, CALCULATE_ROLES)
    plan = get_object_or_404(Plan, pk=plan_id)
    if not dt.date(2000, 1, 1) <= payload.effective_from <= dt.date(2100, 12, 31):
        raise ValidationError({"effective_from": _("Choose a date between 2000 and 2100.")})
    plan_activate(plan, effective_from=payload.effective_from, by=request.user)
    return plan


class ChainStepOut(Schema):
    step: str = Field(
        description="measure, attainment, band, reached, curve, rates, factor, rounded, cap, "
        "other or amount"
    )
    text: str


class StatementLineOut(Schema):
    component: str
    name: str
    period_start: dt.date
    period_end: dt.date
    goal: str = Field(description="the quota in its unit, as the statement shows it")
    reached: str
    attainment_pct: float | None
    earnings: Decimal
    payable: bool
    correction_of: dt.date | None
    next_step: str | None = Field(description="what is still needed to reach the next band")
    chain: list[ChainStepOut] = Field(
        description="how the earnings were reached, step by step, as the statement shows it"
    )


class StatementOut(Schema):
    person_id: int
    name: str
    month: str
    status: str
    lines: list[StatementLineOut]
    earned: Decimal | None
    adjustments: Decimal | None
    draw_topup: Decimal | None
    recovered: Decimal | None
    held: Decimal | None
    released: Decimal | None
    paid: Decimal | None
    balance: Decimal | None
    currency: str | None = Field(None, description="the currency payroll pays in")
    exchange_rate: Decimal | None = Field(
        None, description="reporting-currency units per unit of the paid currency"
    )
    paid_in_currency: Decimal | None = Field(
        None, description="the amount to payroll in the paid currency, when it differs"
    )


@router.get(
    "/statements/{person_id}/{month}",
    response={200: StatementOut, 404: ErrorOut},
    operation_id="get_statement",
)
def get_statement(
    request: HttpRequest, person_id: int = Path(..., ge=1, le=MAX_ID), month: str = Path(...)
):
    """A person's statement for a month (YYYY-MM): each line with its goal, what was
    reached, attainment, earnings and the next step, and the way to the payout, as the
    statement page shows them. 404 for a person whose pay the caller may not see."""
    from django.utils.translation import get_language

    from koers.reward.chain import line_chain, shown, traced
    from koers.reward.views import next_step

    person = statement_person(request.user, person_id)
    run = run_of_month(month)
    lines = list(run.lines.filter(person=person).select_related("plan"))
    specs, nl = component_specs(lines), (get_language() or "en").startswith("nl")
    out, totals = [], traced(lines)
    for line in lines:
        spec = specs[(line.plan_id, line.component)]
        step = next_step(spec, line)
        out.append(
            StatementLineOut(
                component=line.component,
                name=spec.name_nl if nl else spec.name_en,
                period_start=line.period_start,
                period_end=line.period_end,
                goal=shown(spec, line.quota),
                reached=shown(spec, line.measure),
                attainment_pct=None
                if line.attainment_ppm is None
                else line.attainment_ppm / 10_000,
                earnings=line.earnings,
                payable=line.payable,
                correction_of=line.correction_of,
                next_step=step["text"] if step else None,
                chain=[
                    ChainStepOut(step=s["kind"], text=s["text"])
                    for s in line_chain(spec, line, totals.get(line.pk))
                ],
            )
        )
    payout = run.payouts.filter(person=person).first()
    totals = {f: getattr(payout, f) if payout else None for f in Payout.STEPS}
    return {
        "person_id": person.pk,
        "name": str(person),
        "month": f"{run.month:%Y-%m}",
        "status": run.status,
        "lines": out,
        **totals,
        "currency": payout.currency if payout else None,
        "exchange_rate": payout.exchange_rate if payout else None,
        "paid_in_currency": payout.paid_in_currency if payout else None,
    }
