"""Measure → Forecast calls: my call of a month (commit, best case, pipeline) with what my
pipeline suggests, the calls of the people I see with their adjustments, and each unit's
total against the system forecast, the target and the gap; the quarter beside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.engine.periods import add_months, month_start
from koers.forecast import calls
from koers.forecast.models import ForecastCall
from koers.kit.fields import LocalDecimalField
from koers.kit.forms import attach_errors
from koers.measure.memo import memo, memo_html
from koers.org import visibility as vis
from koers.org.setup import fiscal_start_month


def _amount(label: Any) -> LocalDecimalField:
    return LocalDecimalField(label=label, max_digits=18, decimal_places=2, min_value=0)


class CallForm(forms.Form):
    commit = _amount(gettext_lazy("Commit"))
    best_case = _amount(gettext_lazy("Best case"))
    pipeline = _amount(gettext_lazy("Pipeline"))
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AdjustForm(forms.Form):
    commit = _amount(gettext_lazy("Commit"))
    best_case = _amount(gettext_lazy("Best case"))
    pipeline = _amount(gettext_lazy("Pipeline"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _month(request: HttpRequest, today: dt.date) -> dt.date:
    text = request.GET.get("month") or request.POST.get("month") or ""
    try:
        chosen = dt.date.fromisoformat(text + "-01") if len(text) == 7 else month_start(today)
    except ValueError:
        chosen = month_start(today)
    first = month_start(today)
    return min(max(chosen, add_months(first, -12)), add_months(first, 12))


PEOPLE_PER_PAGE = 100
CSRF_SLOT = "koers-csrf-token-slot"


def calls_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    month = _month(request, today)
    me = vis.person_of(request.user)
    may_call = me is not None and me.role in calls.CALLERS and month >= month_start(today)
    mine = ForecastCall.objects.filter(person=me, month=month).first() if me else None
    suggested = calls.suggestion(me, month, today) if me is not None and may_call else None
    form = None
    if may_call:
        initial = (
            {p: getattr(mine, p) for p in calls.PARTS} | {"note": mine.note} if mine else suggested
        )
        form = CallForm(
            request.POST if request.POST.get("action") == "call" else None, initial=initial
        )
    if request.method == "POST":
        response = _post(request, month, form)
        if response is not None:
            return response

    # kept per scope until a call, an adjustment or the facts change (each is audited)
    def rollup() -> tuple[list, list]:
        return memo(  # type: ignore[no-any-return]
            "forecast_calls", request.user, (month, 1), lambda: calls.rollup(request.user, month)
        )

    # the people in pages: a director's whole organisation is thousands of rows
    asked = request.GET.get("page", "")[:12]

    def people_table() -> dict[str, Any]:
        page = Paginator(rollup()[0], PEOPLE_PER_PAGE).get_page(asked)
        rows = page.object_list
        adjustable = calls.adjustable(request.user) if rows else set()
        people = [
            (
                row,
                AdjustForm(
                    prefix=f"a{row.call.pk}", initial={p: row.call.final(p) for p in calls.PARTS}
                )
                if row.call is not None and row.call.person_id in adjustable
                else None,
            )
            for row in rows
        ]
        return {
            "people": people,
            "page": page,
            "month": month,
            "csrf_token": CSRF_SLOT,  # the reader's own token goes in when shown
        }

    # the table with its adjust forms rendered once per reader (whose calls they may
    # adjust), month and page until the calls or the facts change: a view read the whole
    # organisation's rows from the cache and rendered a hundred forms (0.2 s a view)
    mine_key = me.pk if me is not None else None
    parts = (month, asked, mine_key)
    template = "forecast/calls_people.html"
    table = memo_html(
        "forecast_calls_people", request.user, parts, template, people_table, request=request
    )
    first = month_start(today)
    context = {
        "month": month,
        "months": [add_months(first, k) for k in range(-3, 4)],
        "form": form,
        "mine": mine,
        "suggested": suggested,
        "people_html": mark_safe(table.replace(CSRF_SLOT, get_token(request))),  # noqa: S308
        # the roll-ups hold no form: rendered once per scope, month and refresh
        "units_html": _rendered(request.user, "units", month, lambda: {"units": rollup()[1]}),
        "quarter_html": _rendered(
            request.user, "quarter", month, lambda: {"quarter": _quarter(request.user, month)}
        ),
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "forecast/calls.html", context, status=status)


def _post(request: HttpRequest, month: dt.date, form: CallForm | None) -> HttpResponse | None:
    back = redirect(f"{request.path}?month={month:%Y-%m}")
    if request.POST.get("action") == "call":
        if form is None:
            raise PermissionDenied(_("Everyone calls their own forecast, from this month on."))
        if not form.is_valid():
            return None
        try:
            calls.submit(
                person=vis.person_of(request.user),
                month=month,
                values={p: form.cleaned_data[p] for p in calls.PARTS},
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
            return None
        messages.success(
            request, _("Your call for %(month)s is in.") % {"month": _month_name(month)}
        )
        return back
    if request.POST.get("action") == "adjust":
        call = get_object_or_404(ForecastCall, pk=request.POST.get("call") or 0)
        if not calls.may_adjust(request.user, call):
            raise PermissionDenied(
                _("A manager adjusts the calls of her people; nobody adjusts their own.")
            )
        adjust = AdjustForm(request.POST, prefix=f"a{call.pk}")
        if adjust.is_valid():
            try:
                calls.adjust(
                    call=call,
                    values={p: adjust.cleaned_data[p] for p in calls.PARTS},
                    reason=adjust.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Adjusted: %(person)s.") % {"person": call.person})
        else:
            messages.error(
                request,
                " ".join(
                    f"{adjust.fields[k].label}: {' '.join(v)}" for k, v in adjust.errors.items()
                ),
            )
        return back
    return None


def _rendered(user: Any, part: str, month: dt.date, context: Callable[[], dict]) -> str:
    """The ``part`` table (units or quarter) as HTML, kept like its figures (``memo``):
    thousands of rows for a whole organisation are rendered once, not on every view."""
    template = f"forecast/calls_{part}.html"
    return memo_html(f"forecast_calls_{part}_html", user, (month,), template, context)


def _month_name(month: dt.date) -> str:
    from django.utils.formats import date_format

    return date_format(month, "F Y")


def _quarter(user: Any, month: dt.date) -> list[dict[str, Any]]:
    """The quarter of ``month``: each unit's calls, system forecast and target summed over
    its three months."""

    from koers.engine.periods import period_of

    start = period_of("quarter", month, fiscal_start_month())[0]
    _people, units = memo(
        "forecast_calls", user, (start, 3), lambda: calls.rollup(user, start, months=3)
    )
    return [
        {
            "name": level.name,
            "kind": level.kind,
            "commit": level.commit,
            "best_case": level.best_case,
            "pipeline": level.pipeline,
            "system": level.system or 0.0,
            "target": level.target,
            "months_called": level.months_called,
            "start": start,
        }
        for level in units
    ]
