"""Measure → Forecast: a unit's, person's or product group's history and its forecast
(every method and their combination, with the 80% band and the weights), and Measure →
Forecast accuracy: how the frozen snapshots and the backtest compare with the actuals."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.engine import forecast as engine
from koers.engine.periods import add_months
from koers.forecast import selectors
from koers.forecast.models import ForecastRun, ForecastValue
from koers.forecast.series import series_history
from koers.jobs.models import Job
from koers.jobs.services import submit
from koers.kit.widgets import LongSelect
from koers.measure.catalogue import kpi_name
from koers.measure.memo import kept, memo
from koers.measure.selectors import newest_ids
from koers.org import visibility as vis
from koers.org.models import Role

FITTERS = {Role.DIRECTOR, Role.ADMIN}


def method_names() -> dict[str, str]:
    return {
        "seasonal_naive": _("Seasonal naive"),
        "ets": _("Exponential smoothing (ETS)"),
        "theta": _("Theta"),
        "arima": _("ARIMA"),
        "trend": _("Trend (Holt)"),
        "combined": _("Combined"),
    }


class SeriesForm(forms.Form):
    series = forms.ChoiceField(label=gettext_lazy("Forecast of"), widget=LongSelect)
    kpi = forms.ChoiceField(label=gettext_lazy("KPI"))

    def __init__(self, *args: Any, scopes: list[selectors.Scope], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["series"].choices = [(s.key, s.name) for s in scopes]
        self.fields["kpi"].choices = [(k, kpi_name(k)) for k in ("revenue", "volume")]


def _default_scope(user: Any, scopes: list[selectors.Scope]) -> str | None:
    me = vis.person_of(user)
    preferred = []
    if me is not None:
        preferred = [f"unit:{me.unit_id}", f"person:{me.pk}"]
        if vis.role_of(user) == Role.SALESPERSON:
            preferred.reverse()
    keys = [s.key for s in scopes]
    return next((k for k in preferred if k in keys), keys[0] if keys else None)


def _after_job(request: HttpRequest, job: Job) -> HttpResponse:
    """Back to the page when the job is done (its message shown), else to its progress."""
    if job.status == job.Status.DONE:
        messages.success(request, job.summary)
        return redirect(request.get_full_path())
    if job.status == job.Status.FAILED:
        messages.error(request, job.message)
        return redirect(request.get_full_path())
    return redirect("job_detail", pk=job.pk)


def forecast_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":  # fit now (the nightly job does this otherwise)
        if vis.role_of(user) not in FITTERS:
            raise PermissionDenied(_("Only a director or an administrator fits the forecast."))
        return _after_job(request, submit("forecast.fit", args={}, by=user))
    scopes = selectors.visible_scopes(user)
    data = request.GET.copy()
    data.setdefault("kpi", "revenue")
    default = _default_scope(user, scopes)
    if default:
        data.setdefault("series", default)
    form = SeriesForm(data, scopes=scopes)
    run = selectors.latest()
    context: dict[str, Any] = {
        "form": form,
        "run": run,
        "may_fit": vis.role_of(user) in FITTERS,
    }
    if run is not None and form.is_valid() and selectors.may_see(user, form.cleaned_data["series"]):
        key, kpi = form.cleaned_data["series"], form.cleaned_data["kpi"]
        today = timezone.localdate()

        def series() -> dict[str, Any]:
            found = _series_context(run, key, kpi)
            found["pace"] = selectors.pace(key, kpi, today)
            found["headline"] = _headline(run, key, kpi, found["pace"], today)
            return found

        # the same for everyone who may see the series: kept until a fit or the facts change
        context.update(kept("forecast_series", (run.pk, key, kpi), series))
    return render(request, "forecast/forecast.html", context, status=400 if form.errors else 200)


def best_method(weights: list[Any]) -> tuple[str, float | None, float | None]:
    """The method to lead with for a series, by how it forecast the series' last months
    when they were held back: one method when it was clearly best (its sMAPE at most two
    thirds of the next best's), else the combined forecast. Returns the method and the
    sMAPEs of the best and the next best."""
    measured = sorted((w for w in weights if w.smape is not None), key=lambda w: w.smape)
    if len(measured) < 2:
        return engine.COMBINED, None, None
    best, second = measured[0], measured[1]
    if best.smape <= second.smape * 2 / 3:
        return best.method, best.smape, second.smape
    return engine.COMBINED, best.smape, second.smape


def _headline(run: Any, key: str, kpi: str, pace: Any, today: Any) -> dict[str, Any] | None:
    """One number to lead with: where this month ends (sold so far plus the rest of the
    month by the method the backtest of this series picks), its 80% range, and why."""
    from koers.engine.periods import month_start
    from koers.forecast.models import ForecastValue

    method, best, second = best_method(selectors.series_weights(run, key, kpi))
    row = (
        ForecastValue.objects.filter(
            run=run, series=key, kpi=kpi, method=method, month=month_start(today)
        )
        .values("value", "lo", "hi")
        .first()
    )
    if row is None:
        return None
    sold = pace.month_sold

    def ends(value: float) -> float:
        return sold + max(value - sold, 0.0)

    return {
        "month": month_start(today),
        "value": ends(row["value"]),
        "lo": ends(row["lo"]),
        "hi": ends(row["hi"]),
        "sold": sold,
        "method": method_names().get(method, method),
        "combined": method == engine.COMBINED,
        "best": best,
        "second": second,
    }


def _series_context(run: Any, key: str, kpi: str) -> dict[str, Any]:
    names = method_names()
    frame = selectors.series_forecast(run, key, kpi)
    past = series_history(key, kpi, add_months(run.as_of, -24), run.as_of)
    months = sorted(set(frame["month"].to_list()))
    by_method = {
        method: dict(zip(part["month"].to_list(), part.iter_rows(named=True), strict=True))
        for (method,), part in frame.group_by("method")
    }
    combined = by_method.get(engine.COMBINED, {})
    figure = {
        "type": "forecast",
        "title": _("%(kpi)s per month: history and forecast") % {"kpi": kpi_name(kpi)},
        "money": kpi == "revenue",
        "x": [m.isoformat() for m in past["period"].to_list()],
        "y": past["value"].round(2).to_list(),
        "x_ahead": [m.isoformat() for m in months],
        "combined": [round(combined[m]["value"], 2) for m in months if m in combined],
        "lo": [round(combined[m]["lo"], 2) for m in months if m in combined],
        "hi": [round(combined[m]["hi"], 2) for m in months if m in combined],
        "history_name": _("Actual"),
        "combined_name": names[engine.COMBINED],
        "band_name": _("80% interval"),
        "methods": [
            {"name": names[m], "y": [round(by_method[m][x]["value"], 2) for x in months]}
            for m in engine.METHODS
            if m in by_method
        ],
    }
    rows = [
        {
            "month": m,
            "combined": combined.get(m),
            "methods": [by_method.get(x, {}).get(m, {}).get("value") for x in engine.METHODS],
        }
        for m in months
    ]
    weights = [
        {"method": names.get(w.method, w.method), "smape": w.smape, "weight": w.weight}
        for w in selectors.series_weights(run, key, kpi)
    ]
    return {
        "figure_json": json.dumps(figure),
        "rows": rows,
        "method_labels": [names[m] for m in engine.METHODS],
        "weights": weights,
        "money": kpi == "revenue",
        "key": key,
    }


def accuracy_page(request: HttpRequest) -> HttpResponse:
    """Accuracy per method: of the snapshots (forecasts frozen weekly and monthly, against
    the months that have since closed) and of the latest rolling-origin backtest; per
    person and per manager's unit for those the user sees."""
    today = timezone.localdate()
    if request.method == "POST":  # a backtest now (a worker runs it when a broker is set)
        if vis.role_of(request.user) not in FITTERS:
            raise PermissionDenied(_("Only a director or an administrator runs a backtest."))
        return _after_job(request, submit("forecast.backtest", args={}, by=request.user))
    kpi = request.GET.get("kpi") if request.GET.get("kpi") in ("revenue", "volume") else "revenue"

    def figures() -> dict[str, Any]:
        names = method_names()
        visible = {s.key: s.name for s in selectors.visible_scopes(request.user)}
        forecasts = selectors.snapshot_forecasts(today, kpi)  # read once, grouped twice
        snapshots = selectors.snapshot_accuracy(today, ("series", "method"), kpi, forecasts)
        backtests = selectors.backtest_accuracy(by=("series", "method"), kpi=kpi)
        by_period = selectors.snapshot_accuracy(
            today, ("series", "as_of", "method"), kpi, forecasts
        )
        by_series = _by_series(snapshots if not snapshots.is_empty() else backtests, visible)
        return {
            "snapshot_methods": _by_method(snapshots, visible, names),
            "backtest_methods": _by_method(backtests, visible, names),
            # every series the reader sees (5,200 rows for a director at scale 100): kept
            # as HTML, not rendered on each view
            "by_series_html": render_to_string(
                "forecast/accuracy_series.html", {"by_series": by_series}
            ),
            "trend": _trend(by_period, visible),
        }

    # kept per scope until the actuals (the facts) or the stored forecasts change: every
    # snapshot's forecasts are read and measured against their months
    version = newest_ids(ForecastRun, ForecastValue)
    context = {
        "kpi": kpi,
        "kpis": [(k, kpi_name(k)) for k in ("revenue", "volume")],
        **memo("forecast_accuracy_figures", request.user, (kpi, version), figures),
        "backtest": selectors.latest("backtest"),
        "snapshots": selectors.snapshot_count(),
        "may_backtest": vis.role_of(request.user) in FITTERS,
    }
    context["by_series_html"] = mark_safe(context["by_series_html"])  # noqa: S308 - ours
    return render(request, "forecast/accuracy.html", context)


def _visible(frame: pl.DataFrame, visible: dict[str, str]) -> pl.DataFrame:
    if frame.is_empty():
        return frame
    return frame.filter(pl.col("series").is_in(list(visible)))


def _pooled(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """Accuracy per ``by`` with the series' months pooled: each rate weighted by its months
    (MAPE by the months it covers), bias as the series' median."""
    weighted = {"within_5": "_5", "within_10": "_10", "smape": "_s"}
    return (
        frame.with_columns(
            (pl.col("mape") * pl.col("months")).alias("_m"),
            *[(pl.col(c) * pl.col("months")).alias(t) for c, t in weighted.items()],
        )
        .group_by(by)
        .agg(
            (
                pl.col("_m").sum() / pl.col("months").filter(pl.col("mape").is_not_null()).sum()
            ).alias("mape"),
            *[(pl.col(t).sum() / pl.col("months").sum()).alias(c) for c, t in weighted.items()],
            pl.col("bias").median().alias("bias"),
            pl.col("months").sum(),
        )
    )


def _by_method(frame: pl.DataFrame, visible: dict[str, str], names: dict[str, str]) -> list[dict]:
    """Accuracy per method over the series the user sees (their months pooled)."""
    frame = _visible(frame, visible)
    if frame.is_empty():
        return []
    return [
        {**row, "name": names.get(row["method"], row["method"])}
        for row in _pooled(frame, "method").sort("smape").iter_rows(named=True)
    ]


def _by_series(frame: pl.DataFrame, visible: dict[str, str]) -> list[dict]:
    """The combined forecast's accuracy per person and per unit the user sees."""
    frame = _visible(frame, visible)
    if frame.is_empty():
        return []
    rows = frame.filter(pl.col("method") == engine.COMBINED).sort("series")
    return [
        {**row, "name": visible[row["series"]], "kind": row["series"].partition(":")[0]}
        for row in rows.iter_rows(named=True)
        if row["series"] in visible
    ]


def _trend(frame: pl.DataFrame, visible: dict[str, str]) -> list[dict]:
    """The combined forecast's accuracy per snapshot, over the series the user sees: is
    the forecast getting better?"""
    frame = _visible(frame, visible)
    if frame.is_empty():
        return []
    combined = frame.filter(pl.col("method") == engine.COMBINED)
    return list(_pooled(combined, "as_of").sort("as_of").iter_rows(named=True))
