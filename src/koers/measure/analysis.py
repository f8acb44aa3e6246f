"""Deviations and Five Times Why: flag, analyse down to the root cause, act, follow up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from statistics import mean
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.services import record_save
from koers.engine.deviations import deviations
from koers.engine.periods import add_months, month_start
from koers.measure import selectors as sel
from koers.measure.catalogue import definition, definitions, kpi_name
from koers.measure.memo import memo, memo_page
from koers.measure.models import RootCauseAction, RootCauseAnalysis
from koers.org import visibility as vis
from koers.org.models import Person, Role

WATCHED = ("revenue", "quotes", "visits", "new_opportunities", "win_rate", "margin_pct", "nps")
THRESHOLD = 25.0
ATTAINMENT_FLOOR = 80.0  # percent of target


def visible_analyses(user: Any):
    return RootCauseAnalysis.objects.filter(person__in=vis.visible_people(user).values("pk"))


def may_analyse(user: Any, person: Person) -> bool:
    """Managers and directors for their people; a salesperson for themselves (ownership)."""
    if not vis.visible_people(user).filter(pk=person.pk).exists():
        return False
    return vis.role_of(user) in {Role.MANAGER, Role.DIRECTOR, Role.ADMIN, Role.SALESPERSON}


def deviations_for(user: Any) -> list[dict[str, Any]]:
    """The deviations of the people ``user`` sees, largest first: computed once per scope,
    day and refresh of the facts. The deviations page and Steer's coaching signals read it."""
    return memo("deviations", user, (), lambda: _deviations(user))


def deviations_page(request: HttpRequest) -> HttpResponse:
    """The deviations are computed once per scope, day and refresh of the facts
    (``koers.measure.memo``); the analyses already made are looked up on each view."""
    from django.core.paginator import Paginator

    def context() -> dict[str, Any]:
        found = deviations_for(request.user)
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
        done = {(a.person_id, a.kpi, a.month): a for a in visible_analyses(request.user)}
        rows = [
            {**row, "analysis": done.get((row["person"].pk, row["code"], row["month"]))}
            for row in page.object_list
        ]
        return {"rows": rows, "page": page, "threshold": THRESHOLD, "floor": ATTAINMENT_FLOOR}

    # an analysis is an audited change, which raises the version the page is kept against
    return memo_page(
        request,
        "deviations_page",
        (request.GET.urlencode(),),
        ("measure/deviations.html", "measure/deviations_body.html"),
        context,
    )


PAGE_SIZE = 50  # the largest deviations first


@dataclass(frozen=True)
class Named:
    """A person on the deviations list: what the page shows and links to, light enough to
    keep thousands in the cache."""

    pk: int
    name: str

    def __str__(self) -> str:
        return self.name


def _deviations(user: Any) -> list[dict[str, Any]]:
    today = timezone.localdate()
    last_full = month_start(today) - dt.timedelta(days=1)
    start = add_months(month_start(today), -10)
    people = vis.visible_sellers(user)
    names = {p.pk: Named(p.pk, str(p)) for p in people.only("pk", "first_name", "last_name")}
    rows = []
    for code in WATCHED:
        flagged = deviations(
            sel.monthly_series(people, code, start, last_full),
            higher_is_better=definition(code).higher_is_better,
            threshold=THRESHOLD,
        )
        recent = flagged.filter(flagged["month"] >= add_months(month_start(today), -3))
        for person_id, month, value, baseline, change in recent.select(
            "person_id", "month", "value", "baseline", "deviation_pct"
        ).rows():
            rows.append(
                {
                    "person": names[person_id],
                    "code": code,
                    "kpi": kpi_name(code),
                    "month": month,
                    "value": value,
                    "baseline": baseline,
                    "change": change,
                    "unit": definition(code).unit,
                    "points": _points(code, value, baseline),
                }
            )
    rows += _below_target(people, names, month_start(last_full), last_full)
    rows.sort(key=lambda r: r["change"])
    return rows


def _points(code: str, value: float | None, baseline: float | None) -> int | None:
    """A score or a percentage deviates in points (an NPS from 5 to −20 is 25 points
    down, not −500%); None for counts and amounts, which deviate in percent."""
    if definition(code).unit not in ("score", "percent") or value is None or baseline is None:
        return None
    return round(value - baseline) or None


def _below_target(people, names: dict, month: dt.date, end: dt.date) -> list[dict]:
    """Last month's KPIs that reached less than ``ATTAINMENT_FLOOR`` percent of target."""
    targets = sel.targets_by_person(people, month)
    actuals = sel.kpi_values_by_person(people, month, end) if targets else {}
    rows = []
    for (person_id, code), target in targets.items():
        reached = sel.attainment(code, actuals.get(person_id, {}).get(code), target)
        if person_id in names and reached is not None and reached < ATTAINMENT_FLOOR:
            rows.append(
                {
                    "person": names[person_id],
                    "code": code,
                    "kpi": kpi_name(code),
                    "month": month,
                    "value": actuals[person_id][code],
                    "baseline": target,
                    "change": reached - 100,
                    "unit": definition(code).unit,
                    "against_target": True,
                }
            )
    return rows


class AnalysisForm(forms.ModelForm):
    class Meta:
        model = RootCauseAnalysis
        fields = ["title", "why_1", "why_2", "why_3", "why_4", "why_5", "root_cause"]
        widgets = {f"why_{i}": forms.Textarea(attrs={"rows": 2}) for i in range(1, 6)} | {
            "root_cause": forms.Textarea(attrs={"rows": 2})
        }


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), max_length=240, required=False)
    owner = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Owner"), required=False)
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("description") and not (data.get("owner") and data.get("due_date")):
            raise forms.ValidationError(_("An action needs an owner and a due date."))
        return data


ActionFormSet = forms.formset_factory(ActionForm, extra=3)


def analysis_new(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    person = vis.visible_people(request.user).filter(pk=source.get("person") or 0).first()
    code = source.get("kpi", "")
    try:
        month = dt.date.fromisoformat(source.get("month", ""))
    except ValueError:
        month = None
    if person is None or code not in definitions() or month is None:
        raise Http404(_("No such deviation."))
    if not may_analyse(request.user, person):
        raise PermissionDenied(_("Your role may not record this analysis."))
    initial = {"title": f"{kpi_name(code)} {person} {month:%m-%Y}"}
    form = AnalysisForm(request.POST or None, initial=initial)
    actions = ActionFormSet(request.POST or None, prefix="actions")
    for action_form in actions.forms:
        action_form.fields["owner"].queryset = vis.visible_people(request.user)
    if request.method == "POST" and form.is_valid() and actions.is_valid():
        with transaction.atomic():
            analysis = form.save(commit=False)
            analysis.person, analysis.kpi, analysis.month = person, code, month
            analysis.created_by = request.user
            record_save(obj=analysis, by=request.user)
            for data in actions.cleaned_data:
                if data.get("description"):
                    record_save(
                        obj=RootCauseAction(
                            analysis=analysis,
                            **{k: data[k] for k in ("description", "owner", "due_date")},
                        ),
                        by=request.user,
                    )
        return redirect("analysis_detail", pk=analysis.pk)
    context = {
        "form": form,
        "actions": actions,
        "person": person,
        "kpi": kpi_name(code),
        "code": code,
        "month": month,
    }
    return render(
        request,
        "measure/analysis_form.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def follow_up(analysis: RootCauseAnalysis, today: dt.date) -> dict[str, Any]:
    """The KPI before, at and after the deviation, and whether it recovered: the latest
    full month back within the threshold of the baseline."""
    person = Person.objects.filter(pk=analysis.person_id)
    series = dict(
        sel.kpi_trend(
            person,
            analysis.kpi,
            add_months(analysis.month, -6),
            month_start(today) - dt.timedelta(days=1),
        )
    )
    before = [v for m, v in series.items() if m < analysis.month and v is not None]
    after = [(m, v) for m, v in sorted(series.items()) if m > analysis.month and v is not None]
    baseline = mean(before) if before else None
    latest = after[-1][1] if after else None
    recovered = None
    if baseline and latest is not None:
        change = (latest - baseline) / abs(baseline) * 100
        better = definition(analysis.kpi).higher_is_better
        recovered = (change if better else -change) >= -THRESHOLD
    return {
        "baseline": baseline,
        "at": series.get(analysis.month),
        "after": after,
        "recovered": recovered,
        "unit": definition(analysis.kpi).unit,
    }


def analysis_detail(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = (
        visible_analyses(request.user).select_related("person", "created_by").filter(pk=pk).first()
    )
    if analysis is None:
        raise Http404(_("No such record."))
    context = {
        "analysis": analysis,
        "kpi": kpi_name(analysis.kpi),
        "actions": analysis.actions.select_related("owner"),
        "follow": follow_up(analysis, timezone.localdate()),
    }
    return render(request, "measure/analysis_detail.html", context)


def analyses_list(request: HttpRequest) -> HttpResponse:
    analyses = visible_analyses(request.user).select_related("person")[:200]
    return render(request, "measure/analyses.html", {"analyses": analyses})
