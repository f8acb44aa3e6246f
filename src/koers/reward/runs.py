"""Calculation runs as the compensation administrator works them: calculate a month, check
it person by person, adjust, hold, approve, lock and hand the payroll file over."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from koers.engine.periods import month_start
from koers.kit.fields import LocalDecimalField
from koers.org import visibility as vis
from koers.org.models import Person
from koers.reward.jobs import month_job
from koers.reward.models import Adjustment, CalcRun, Hold
from koers.reward.selectors import run_of_month, runs_with_totals
from koers.reward.services import run_advance, run_month
from koers.reward.services.approval import (
    RunMoved,
    adjustment_approve,
    approval_blockers,
    approval_warnings,
)
from koers.reward.services.payouts import add_adjustment, payroll_csv, place_hold, release_hold

CALCULATE_ROLES = vis.PAY_EDIT_ROLES  # calculate, adjust, hold
APPROVE_ROLES = vis.PAY_ROLES  # see every run, approve and lock


class MonthForm(forms.Form):
    month = forms.DateField(
        label=gettext_lazy("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


class AdjustmentForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=Person.objects.all())
    amount = LocalDecimalField(label=gettext_lazy("Amount (€)"), max_digits=14, decimal_places=2)
    component = forms.CharField(label=gettext_lazy("Component"), required=False, max_length=40)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class HoldForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=Person.objects.all())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


def runs(request: HttpRequest) -> HttpResponse:
    vis.require_role(request.user, APPROVE_ROLES)
    form = MonthForm(request.POST or None, initial={"month": month_start(timezone.localdate())})
    if request.method == "POST":
        vis.require_role(request.user, CALCULATE_ROLES)
        if form.is_valid():
            job = month_job(form.cleaned_data["month"], request.user)
            if job.status == job.Status.FAILED:  # refused at once (run inline)
                form.add_error(None, job.message)
            elif job.status == job.Status.DONE and job.url:
                messages.success(request, job.summary)
                return redirect(job.url)
            else:  # a worker calculates it: its page shows how far it is
                return redirect("job_detail", pk=job.pk)
    rows = runs_with_totals()
    return render(
        request,
        "reward/runs.html",
        {
            "runs": rows,
            "form": form,
            "may_calculate": vis.role_of(request.user) in CALCULATE_ROLES,
        },
        status=400 if request.method == "POST" else 200,
    )


def run_detail(request: HttpRequest, month: str) -> HttpResponse:
    vis.require_role(request.user, APPROVE_ROLES)
    run = run_of_month(month)
    payouts = list(run.payouts.select_related("person__unit").order_by("person__last_name"))
    totals = run.payouts.aggregate(
        earned=Sum("earned"),
        adjustments=Sum("adjustments"),
        draw_topup=Sum("draw_topup"),
        recovered=Sum("recovered"),
        held=Sum("held"),
        released=Sum("released"),
        paid=Sum("paid"),
        converted=Sum("converted"),
    )
    components = (
        run.lines.filter(payable=True)
        .values("plan", "plan__name", "component")
        .annotate(
            people=Count("person", distinct=True),
            total=Sum("earnings"),
            corrections=Sum("earnings", filter=Q(correction_of__isnull=False)),
        )
        .order_by("plan__name", "component")
    )
    names = _component_names(run)
    components = [
        {**c, "name": names.get((c["plan"], c["component"]), c["component"])} for c in components
    ]
    corrections = list(run.lines.filter(correction_of__isnull=False).select_related("person"))
    for line in corrections:
        line.component_name = names.get((line.plan_id, line.component), line.component)
    may_calculate = vis.role_of(request.user) in CALCULATE_ROLES and run.status == "open"
    checks, blockers = [], []
    if run.status == "open":
        checks, blockers = approval_warnings(run, timezone.localdate()), approval_blockers(run)
    context = {
        "run": run,
        "payouts": payouts,
        "totals": {k: v or Decimal(0) for k, v in totals.items()},
        "components": components,
        "corrections": corrections,
        "adjustments": Adjustment.objects.filter(month=run.month).select_related(
            "person", "created_by", "approved_by"
        ),
        "holds": Hold.objects.filter(
            Q(released_on__isnull=True) | Q(released_on__gte=run.month)
        ).select_related("person"),
        "may_calculate": may_calculate,
        "may_advance": run.status != "locked",
        "may_approve": vis.role_of(request.user) in APPROVE_ROLES,
        "checks": blockers + checks,
        "needs_confirm": bool(checks) if run.status == "open" else run.status == "approved",
        "adjustment_form": AdjustmentForm(prefix="adj"),
        "hold_form": HoldForm(prefix="hold"),
    }
    return render(request, "reward/run_detail.html", context)


def _component_names(run: CalcRun) -> dict[tuple[int, str], str]:
    """(plan id, component code) → the component's name in the reader's language."""
    from django.utils.translation import get_language

    from koers.reward.documents import PlanDocumentError, parse_plan
    from koers.reward.models import Plan

    nl = (get_language() or "en").startswith("nl")
    names = {}
    for plan in Plan.objects.filter(pk__in=run.lines.values("plan")):
        try:
            spec = parse_plan(plan.document)
        except PlanDocumentError:
            continue
        for s in spec.components:
            names[(plan.pk, s.component.code)] = s.name_nl if nl else s.name_en
    return names


def _back(run: CalcRun) -> HttpResponse:
    return redirect("reward_run", month=f"{run.month:%Y-%m}")


def _fail(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _cleaned(form: forms.Form) -> dict[str, Any]:
    """The form's data, or a ValidationError naming each field's problem."""
    if not form.is_valid():
        raise ValidationError(
            [
                f"{form.fields[k].label if k in form.fields else k}: {' '.join(v)}"
                for k, v in form.errors.items()
            ]
        )
    return form.cleaned_data


@require_POST
def run_action(request: HttpRequest, month: str, action: str) -> HttpResponse:
    """Recalculate, approve or lock a month; add an adjustment; place or release a hold."""
    run = run_of_month(month)
    if action in ("advance", "approve-adjustment"):
        vis.require_role(request.user, APPROVE_ROLES)
    else:
        vis.require_role(request.user, CALCULATE_ROLES)
    try:
        if action == "recalculate":
            run_month(run.month, by=request.user)
            messages.success(request, _("Recalculated."))
        elif action == "advance":
            run = run_advance(
                run,
                by=request.user,
                expected=request.POST.get("from", ""),
                confirmed=request.POST.get("confirm") == "yes",
            )
            messages.success(request, _("Now %(status)s.") % {"status": run.get_status_display()})
        elif action == "approve-adjustment":
            number = request.POST.get("adjustment", "")
            found = Adjustment.objects.filter(
                month=run.month, pk=int(number) if number.isdigit() else 0
            ).first()
            if found is None:
                raise Http404(_("No such adjustment."))
            adjustment_approve(adjustment=found, by=request.user)
            messages.success(request, _("Adjustment approved."))
        elif action == "adjust":
            data = _cleaned(AdjustmentForm(request.POST, prefix="adj"))
            add_adjustment(month=run.month, by=request.user, **data)
            messages.success(request, _("Adjustment added."))
        elif action == "hold":
            data = _cleaned(HoldForm(request.POST, prefix="hold"))
            place_hold(month=run.month, by=request.user, **data)
            messages.success(request, _("Payouts held."))
        elif action == "release":
            number = request.POST.get("hold", "")
            hold = Hold.objects.filter(pk=int(number)).first() if number.isdigit() else None
            if hold is None:
                raise Http404(_("No such hold."))
            release_hold(hold, on=timezone.localdate(), by=request.user)
            messages.success(request, _("Hold released; what was held is paid in the open month."))
        else:
            raise Http404(action)
    except ValidationError as error:
        _fail(request, error)
    except RunMoved as moved:  # the page as it is now, with what happened, as a 409
        messages.error(request, moved_message(str(moved)))
        request.method = "GET"
        page = run_detail(request, month)
        page.status_code = 409
        return page
    return _back(run)


def moved_message(status: str) -> str:
    return _(
        "Nothing changed: this month is already %(status)s (another click or another person "
        "moved it first). Check the month and take the next step on purpose."
    ) % {"status": status}


def payroll(request: HttpRequest, month: str) -> HttpResponse:
    vis.require_role(request.user, APPROVE_ROLES)
    run = run_of_month(month)
    try:
        from django.utils.translation import get_language

        text = payroll_csv(run, dutch=(get_language() or "en").startswith("nl"))
    except ValidationError as error:
        _fail(request, error)
        return _back(run)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payroll-{run.month:%Y-%m}.csv"'
    return response
