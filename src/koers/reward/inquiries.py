"""Inquiries: raised on a statement line, listed with their service level, resolved by the
compensation administrator."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from koers.kit.forms import attach_errors
from koers.org import visibility as vis
from koers.reward.models import Inquiry, PayoutLine
from koers.reward.runs import CALCULATE_ROLES
from koers.reward.services.inquiries import inquiry_open, inquiry_resolve, sla_days


class InquiryForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=Inquiry.Reason.choices)
    message = forms.CharField(
        label=gettext_lazy("What looks wrong?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResolveForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Adjustment (€, optional)"),
        required=False,
        max_digits=14,
        decimal_places=2,
    )


def _line_or_404(request: HttpRequest, line_id: int) -> PayoutLine:
    line = PayoutLine.objects.select_related("run", "person").filter(pk=line_id).first()
    if line is None or not vis.can_see_pay(request.user, line.person):
        raise Http404(_("No such statement line."))
    return line


@require_POST
def raise_inquiry(request: HttpRequest, line_id: int) -> HttpResponse:
    line = _line_or_404(request, line_id)
    form = InquiryForm(request.POST)
    if form.is_valid():
        try:
            inquiry = inquiry_open(line=line, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("Inquiry #%(n)s sent; you get an answer by %(due)s.")
                % {"n": inquiry.pk, "due": f"{inquiry.due_on:%d-%m-%Y}"},
            )
            return redirect("statement_line", line_id=line.pk)
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("statement_line", line_id=line.pk)


def inquiries(request: HttpRequest) -> HttpResponse:
    """Open inquiries first, by due date; overdue ones stand out. Everyone sees the
    inquiries of the people whose pay they may see."""
    rows = Inquiry.objects.filter(
        person__in=vis.visible_people(request.user).values("pk")
    ).select_related("person", "line", "adjustment")
    status = request.GET.get("status", "open")
    if status in Inquiry.Status.values:
        rows = rows.filter(status=status)
    today = timezone.localdate()
    return render(
        request,
        "reward/inquiries.html",
        {
            "inquiries": rows.order_by("status", "due_on", "pk"),
            "status": status,
            "today": today,
            "sla_days": sla_days(),
            "overdue": rows.filter(status="open", due_on__lt=today).count(),
            "may_resolve": vis.role_of(request.user) in CALCULATE_ROLES,
            "form": ResolveForm(),
        },
    )


@require_POST
def resolve_inquiry(request: HttpRequest, pk: int) -> HttpResponse:
    vis.require_role(request.user, CALCULATE_ROLES)
    inquiry = Inquiry.objects.filter(pk=pk).first()
    if inquiry is None:
        raise Http404(_("No such inquiry."))
    form = ResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        inquiry_resolve(
            inquiry,
            answer=form.cleaned_data["answer"],
            amount=form.cleaned_data["amount"],
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Inquiry #%(n)s resolved.") % {"n": inquiry.pk})
    return redirect("reward_inquiries")
