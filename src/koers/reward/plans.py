"""Incentive plans: the list of plans and versions, a plan's document with its health
checks, editing as a new version, activation from a date, and modelling a draft."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from koers.jobs.services import job_row, job_value, page_job
from koers.kit.forms import attach_errors
from koers.org import visibility as vis
from koers.reward.documents import PlanSpec
from koers.reward.health import plan_health
from koers.reward.models import Plan, PlanAssignment
from koers.reward.services.plans import check_document, plan_activate, plan_save

VIEW_ROLES = vis.PAY_ROLES
DESIGN_ROLES = vis.PAY_EDIT_ROLES
TEMPLATE = """\
code: new-plan
name: New plan
components:
  - code: commission
    name: {en: Commission on revenue, nl: Provisie op omzet}
    measure: revenue
    period: month
    rule: marginal
    quota: revenue
    tiers:
      - {from: 0%, rate: 2%}
      - {from: 100%, rate: 4%}
"""


def _plan_or_404(pk: int) -> Plan:
    plan = Plan.objects.filter(pk=pk).first()
    if plan is None:
        raise Http404(_("No such plan."))
    return plan


def _people_on(plan: Plan, today: dt.date) -> list[PlanAssignment]:
    """Everyone on this plan's code now (on any version), for the health checks."""
    return list(
        PlanAssignment.objects.filter(plan__code=plan.code, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("person__unit")
    )


# a component's codes in the reader's words
WORDS = {
    "flat": gettext_lazy("flat rate"),
    "marginal": gettext_lazy("marginal tiers"),
    "retroactive": gettext_lazy("retroactive tiers"),
    "bonus": gettext_lazy("bonus on a payout curve"),
    "revenue": gettext_lazy("revenue"),
    "margin": gettext_lazy("gross margin"),
    "volume": gettext_lazy("volume"),
    "goals": gettext_lazy("goals (MBO)"),
    "month": gettext_lazy("month"),
    "quarter": gettext_lazy("quarter"),
    "year": gettext_lazy("year"),
    "ytd": gettext_lazy("year to date, paid monthly"),
    "booking": gettext_lazy("order date"),
    "invoice": gettext_lazy("invoice date"),
    "payment": gettext_lazy("payment date"),
    "individual": gettext_lazy("own sales"),
    "team": gettext_lazy("the team's sales"),
    "company": gettext_lazy("the company's sales"),
}


def _words(code: str) -> str:
    return str(WORDS.get(code, code))


def _components(spec: PlanSpec) -> list[dict[str, Any]]:
    from koers.measure.catalogue import kpi_name

    nl = (get_language() or "en").startswith("nl")
    rows = []
    for s in spec.components:
        c = s.component
        measure = kpi_name(c.kpi) if c.measure == "kpi" and c.kpi else _words(c.measure)
        rows.append(
            {
                "spec": s,
                "name": s.name_nl if nl else s.name_en,
                "c": c,
                "rule": _words(c.rule),
                "measure": measure,
                "period": _words(c.period),
                "basis": _words(c.basis),
                "scope": _words(c.scope),
                "modifier": kpi_name(c.modifier_kpi) if c.modifier_kpi else "",
            }
        )
    return rows


def plan_list(request: HttpRequest) -> HttpResponse:
    vis.require_role(request.user, VIEW_ROLES)
    today = timezone.localdate()
    plans = Plan.objects.annotate(
        people=Count(
            "assignments",
            filter=Q(assignments__valid_from__lte=today)
            & (Q(assignments__valid_to__isnull=True) | Q(assignments__valid_to__gte=today)),
        )
    ).order_by("code", "-version")
    return render(
        request,
        "reward/plans.html",
        {"plans": plans, "may_design": vis.role_of(request.user) in DESIGN_ROLES},
    )


class ActivateForm(forms.Form):
    effective_from = forms.DateField(
        label=gettext_lazy("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vis.require_role(request.user, VIEW_ROLES)
    plan = _plan_or_404(pk)
    spec = check_document(plan.document)
    today = timezone.localdate()
    form = ActivateForm(request.POST or None, initial={"effective_from": today.replace(day=1)})
    if request.method == "POST":
        vis.require_role(request.user, DESIGN_ROLES)
        if form.is_valid():
            try:
                moved = plan_activate(
                    plan, effective_from=form.cleaned_data["effective_from"], by=request.user
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Version %(v)s is active; %(n)s people moved to it.")
                    % {"v": plan.version, "n": moved},
                )
                return redirect("reward_plan", pk=plan.pk)
    current = (
        Plan.objects.filter(code=plan.code, status=Plan.Status.ACTIVE).exclude(pk=plan.pk).first()
    )
    return render(
        request,
        "reward/plan_detail.html",
        {
            "plan": plan,
            "components": _components(spec),
            "findings": plan_health(spec, _people_on(plan, today), today),
            "versions": Plan.objects.filter(code=plan.code).order_by("-version"),
            "current": current,
            "form": form,
            "may_design": vis.role_of(request.user) in DESIGN_ROLES,
        },
        status=400 if request.method == "POST" else 200,
    )


class PlanForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, required=False)
    document = forms.CharField(
        label=gettext_lazy("Plan document (YAML)"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false", "class": "code"}),
    )


def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Edit a plan as a new draft version. The health checks run on every check, before
    anything is saved."""
    vis.require_role(request.user, DESIGN_ROLES)
    base = _plan_or_404(pk) if pk else None
    initial = {"document": base.document if base else TEMPLATE, "name": base.name if base else ""}
    form = PlanForm(request.POST or None, initial=initial)
    findings, spec = [], None
    today = timezone.localdate()
    if request.method == "POST" and form.is_valid():
        try:
            spec = check_document(form.cleaned_data["document"])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            people = _people_on(base, today) if base else []
            findings = plan_health(spec, people, today)
            if "save" in request.POST:
                plan = plan_save(
                    document=form.cleaned_data["document"],
                    name=form.cleaned_data["name"],
                    by=request.user,
                )
                messages.success(
                    request, _("Saved as version %(v)s (draft).") % {"v": plan.version}
                )
                return redirect("reward_plan", pk=plan.pk)
    context = {
        "form": form,
        "base": base,
        "findings": findings,
        "checked": spec is not None,
        "components": _components(spec) if spec else [],
    }
    if request.htmx:
        return render(request, "reward/plan_form.html#check", context)
    return render(
        request,
        "reward/plan_form.html",
        context,
        status=400 if request.method == "POST" and form.errors else 200,
    )


def plan_yaml(request: HttpRequest, pk: int) -> HttpResponse:
    vis.require_role(request.user, VIEW_ROLES)
    plan = _plan_or_404(pk)
    response = HttpResponse(plan.document, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{plan.code}-v{plan.version}.yaml"'
    return response


def plan_model(request: HttpRequest, pk: int) -> HttpResponse:
    """This version (a draft) against the active version over the last 12 months."""
    vis.require_role(request.user, VIEW_ROLES)
    draft = _plan_or_404(pk)
    current = Plan.objects.filter(code=draft.code, status=Plan.Status.ACTIVE).first()
    if current is None:
        raise Http404(_("There is no active version to compare with."))
    check_document(draft.document)  # a broken draft is refused here, with the reason
    digest = hashlib.sha256(draft.document.encode()).hexdigest()[:16]
    job = page_job(
        request,
        "reward.plan_model",
        args={"draft": draft.pk, "current": current.pk},
        key=f"reward.plan_model:{draft.pk}:{current.pk}:{digest}:{timezone.localdate()}",
    )
    result = job_value(job)
    if result is None:  # a worker models it: the page follows its progress
        return render(
            request,
            "reward/plan_model.html",
            {"draft": draft, "current": current, "job": job_row(job)},
        )
    people = len(result.people) or 1

    def pct(part: int) -> Decimal:
        return Decimal(part) * 100 / people

    figure = json.dumps(
        {
            "type": "bars",
            "title": _("Payout against the target incentive, in percent"),
            "x": result.buckets,
            "series": [
                {"name": _("Current"), "y": result.current_distribution},
                {"name": _("Draft"), "y": result.draft_distribution},
            ],
            "y_title": _("People"),
        }
    )
    return render(
        request,
        "reward/plan_model.html",
        {
            "draft": draft,
            "current": current,
            "result": result,
            "figure": figure,
            "current_cos": result.cost_of_sales(result.current_total),
            "draft_cos": result.cost_of_sales(result.draft_total),
            "current_share": pct(result.current_at_target),
            "draft_share": pct(result.draft_at_target),
        },
    )
