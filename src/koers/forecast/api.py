"""Forecasts through the API: a series' latest forecast with its weights, and the forecast
calls (one's own, a manager's adjustment, the roll-up), with the same rules as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from koers.api.schemas import MAX_ID, ErrorOut
from koers.engine.periods import month_start
from koers.forecast import calls, selectors
from koers.forecast.models import ForecastCall
from koers.org import visibility as vis

router = Router(tags=["forecast"])
Amount = Field(..., ge=0, le=Decimal("9999999999999999.99"), max_digits=18, decimal_places=2)


class PointOut(Schema):
    month: dt.date
    method: str
    value: float
    lo: float | None
    hi: float | None


class WeightOut(Schema):
    method: str
    smape: float | None
    weight: float


class SeriesOut(Schema):
    series: str
    kpi: str
    fitted_at: dt.datetime
    as_of: dt.date
    forecasts: list[PointOut]
    weights: list[WeightOut]


KPI = Query("revenue", description="revenue or volume")
MONTH = Query(None, description="any day of the month (default: this month)")
SERIES = Path(..., max_length=40, pattern=r"^(unit|person|group):[0-9]{1,12}$")
CALL_ID = Path(..., ge=1, le=MAX_ID)


@router.get(
    "/series/{key}",
    response={200: SeriesOut, 404: ErrorOut},
    operation_id="get_forecast_series",
)
def get_series(
    request: HttpRequest,
    key: str = SERIES,
    kpi: Literal["revenue", "volume"] = KPI,
):
    """The latest fit of one series (``unit:7``, ``person:12``, ``group:3``): every
    method's forecast and the combination, each month with its 80% interval, and the
    weights."""
    run = selectors.latest()
    if run is None or not selectors.may_see(request.user, key):
        raise Http404
    frame = selectors.series_forecast(run, key, kpi)
    return SeriesOut(
        series=key,
        kpi=kpi,
        fitted_at=run.created_at,
        as_of=run.as_of,
        forecasts=[PointOut(**row) for row in frame.iter_rows(named=True)],
        weights=[
            WeightOut(method=w.method, smape=w.smape, weight=w.weight)
            for w in selectors.series_weights(run, key, kpi)
        ],
    )


class CallIn(Schema):
    month: dt.date = Field(..., description="Any day of the month called.")
    commit: Decimal = Amount
    best_case: Decimal = Amount
    pipeline: Decimal = Amount
    note: str = Field("", max_length=2000)


class AdjustIn(Schema):
    commit: Decimal = Amount
    best_case: Decimal = Amount
    pipeline: Decimal = Amount
    reason: str = Field(..., max_length=2000)


class CallOut(Schema):
    id: int
    person_id: int
    person: str
    month: dt.date
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal
    note: str
    adjusted_commit: Decimal | None
    adjusted_best_case: Decimal | None
    adjusted_pipeline: Decimal | None
    reason: str
    adjusted_by: str | None


def _call_out(call: ForecastCall) -> CallOut:
    return CallOut(
        id=call.pk,
        person_id=call.person_id,
        person=str(call.person),
        month=call.month,
        commit=call.commit,
        best_case=call.best_case,
        pipeline=call.pipeline,
        note=call.note,
        adjusted_commit=call.adjusted_commit,
        adjusted_best_case=call.adjusted_best_case,
        adjusted_pipeline=call.adjusted_pipeline,
        reason=call.reason,
        adjusted_by=str(call.adjusted_by) if call.adjusted_by else None,
    )


class LevelOut(Schema):
    key: str
    name: str
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal
    called: int
    people: int
    system: float | None
    target: float | None
    gap: float | None


class RollupOut(Schema):
    month: dt.date
    calls: list[CallOut]
    units: list[LevelOut]


@router.get("/calls", response=RollupOut, operation_id="list_forecast_calls")
def list_calls(request: HttpRequest, month: dt.date | None = MONTH):
    """The calls of a month (default: this one) of the people one sees, and each unit's
    total (everyone in it) with the system forecast, the target and the gap."""
    month = month_start(month or timezone.localdate())
    people, units = calls.rollup(request.user, month)
    return RollupOut(
        month=month,
        calls=[_call_out(p.call) for p in people if p.call is not None],
        units=[
            LevelOut(
                key=u.key,
                name=u.name,
                commit=u.commit,
                best_case=u.best_case,
                pipeline=u.pipeline,
                called=u.called,
                people=u.people,
                system=u.system,
                target=u.target,
                gap=u.gap,
            )
            for u in units
        ],
    )


@router.post(
    "/calls",
    response={200: CallOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="submit_forecast_call",
)
def submit_call(request: HttpRequest, payload: CallIn):
    """One's own call of a month (from this month on)."""
    me = vis.person_of(request.user)
    if me is None:
        raise ValidationError(_("Only a person in the organisation calls a forecast."))
    call = calls.submit(
        person=me,
        month=payload.month,
        values={
            "commit": payload.commit,
            "best_case": payload.best_case,
            "pipeline": payload.pipeline,
        },
        note=payload.note,
        by=request.user,
    )
    return _call_out(call)


@router.post(
    "/calls/{call_id}/adjustment",
    response={200: CallOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="adjust_forecast_call",
)
def adjust_call(request: HttpRequest, payload: AdjustIn, call_id: int = CALL_ID):
    """A manager's adjustment of someone's call, with the reason."""
    call = get_object_or_404(
        ForecastCall.objects.filter(person__in=vis.visible_people(request.user)), pk=call_id
    )
    call = calls.adjust(
        call=call,
        values={
            "commit": payload.commit,
            "best_case": payload.best_case,
            "pipeline": payload.pipeline,
        },
        reason=payload.reason,
        by=request.user,
    )
    return _call_out(call)
