"""Plan → Target rounds: the list of rounds, a new top-down proposal, and one round's page
where each role takes its step (submit, agree, open, approve, revise)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from koers.kit.fields import LocalDecimalField
from koers.kit.forms import attach_errors
from koers.measure.catalogue import definitions, kpi_name
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Role
from koers.plan import services
from koers.plan.drivers import round_flags
from koers.plan.models import TargetProposal, TargetRound
from koers.sales.models import ProductGroup


class ProposeForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    kpi = forms.ChoiceField(label=gettext_lazy("KPI"))
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.all(), label=gettext_lazy("Unit"))
    total = LocalDecimalField(
        label=gettext_lazy("Target for the year"), max_digits=18, decimal_places=2, min_value=0
    )
    product_group = forms.ModelChoiceField(
        queryset=ProductGroup.objects.order_by("name"),
        required=False,
        label=gettext_lazy("Product group"),
        empty_label=gettext_lazy("overall"),
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Divided by"),
        choices=[c for c in TargetRound.Method.choices if c[0] != "hand"],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [
            (code, kpi_name(code))
            for code, spec in definitions().items()
            if not spec.ratio and not spec.custom
        ]


class NumberForm(forms.Form):
    value = LocalDecimalField(
        label=gettext_lazy("Your number for the year"), max_digits=18, decimal_places=2, min_value=0
    )
    note = forms.CharField(
        label=gettext_lazy("Substantiation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def rounds(request: HttpRequest) -> HttpResponse:
    planner = vis.role_of(request.user) in services.PLANNERS
    form = ProposeForm(
        request.POST if request.method == "POST" else None,
        initial={"year": timezone.localdate().year + 1, "kpi": "revenue", "method": "history"},
    )
    if request.method == "POST":
        if not planner:
            raise PermissionDenied(_("Only a director or an administrator plans targets."))
        if form.is_valid():
            try:
                made = services.round_propose(**form.cleaned_data, by=request.user)
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("The top-down proposal is ready."))
                return redirect("plan_round", pk=made.pk)
    me = vis.person_of(request.user)
    visible = vis.visible_target_rounds(request.user).select_related("unit", "product_group")
    context = {
        "rounds": visible.order_by("-year", "kpi", "-version")[:100],
        "form": form if planner else None,
        "me": me,
    }
    return render(request, "plan/rounds.html", context, status=400 if form.errors else 200)


PAGE_SIZE = 50


def _rows(request: HttpRequest, target_round: TargetRound, proposals: list[TargetProposal]):  # type: ignore[no-untyped-def]
    """The table's rows: each proposal with whether the viewer may agree it and, while the
    round is not yet approved, the reasons its number is improbable."""
    approved = target_round.status == TargetRound.Status.APPROVED  # judged before, not now
    flags = {} if approved else round_flags(target_round, proposals, timezone.localdate())
    money = definitions()[target_round.kpi].unit == "money"
    return [
        {
            "p": p,
            "may_agree": services.may_agree(request.user, p),
            "flags": flags.get(p.pk, []),
            "prefill": _prefill(p.standing, money),
        }
        for p in proposals
    ]


def _prefill(value: Decimal, money: bool) -> str:
    """A number as the agree grid shows it to type over: whole euros for money, in the
    reader's notation without thousands separators (so it reads back the same)."""
    from django.utils import formats

    if money:
        return formats.number_format(value.quantize(Decimal(1)), 0, use_l10n=True)
    return formats.number_format(value.normalize(), use_l10n=True)


def round_page(request: HttpRequest, pk: int) -> HttpResponse:
    from django.core.paginator import Paginator

    target_round = get_object_or_404(
        TargetRound.objects.select_related("unit", "product_group"), pk=pk
    )
    visible = (
        target_round.proposals.filter(person__in=vis.visible_people(request.user))
        .select_related("person", "person__unit")
        .order_by("person__unit__name", "person__last_name", "pk")
    )
    if not visible.exists() and not vis.sees_everything(request.user):
        raise PermissionDenied(_("You are not in this round."))
    me = vis.person_of(request.user)
    mine = visible.filter(person=me).first() if me else None
    form = NumberForm(
        initial={"value": mine.bottom_up, "note": mine.substantiation} if mine else None
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            form = _act(request, target_round, action, mine, form)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if form is None:
                return redirect("plan_round", pk=target_round.pk)
    page = Paginator(visible, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _rows(request, target_round, list(page.object_list))
    my_flags = _rows(request, target_round, [mine])[0]["flags"] if mine else []
    team = None
    if me is not None and vis.role_of(request.user) == Role.SALESPERSON:
        # never the live bottom-up total: it rises by exactly a colleague's new number;
        # the agreed total only once every number in the team is agreed
        team = target_round.proposals.filter(person__unit=me.unit_id).aggregate(
            top=Sum("top_down"),
            agreed_total=Sum("agreed"),
            people=Count("pk"),
            done=Count("pk", filter=Q(agreed__isnull=False)),
        )
        if team["done"] < team["people"]:
            team["agreed_total"] = None
    from django.db.models.functions import Coalesce

    sums = visible.aggregate(
        sum_top=Sum("top_down"),
        sum_bottom=Sum("bottom_up"),
        sum_agreed=Sum("agreed"),
        sum_standing=Sum(Coalesce("agreed", "bottom_up", "top_down")),
    )
    totals = {
        "top_down": sums["sum_top"],
        "bottom_up": sums["sum_bottom"],
        "agreed": sums["sum_agreed"],
        "standing": sums["sum_standing"],
    }
    context = {
        "page": page,
        "totals": totals,
        "grid": target_round.status == TargetRound.Status.OPEN
        and any(r["may_agree"] for r in rows),
        "my_flags": my_flags,
        "round": target_round,
        "kpi": kpi_name(target_round.kpi),
        "money": definitions()[target_round.kpi].unit == "money",
        "rows": rows,
        "mine": mine,
        "form": form,
        "team": team,
        "planner": vis.role_of(request.user) in services.PLANNERS,
        "may_upload": vis.role_of(request.user) in {*services.PLANNERS, Role.MANAGER},
        "gaps": services.gaps_by_unit(target_round) if vis.sees_everything(request.user) else [],
        "versions": TargetRound.objects.filter(
            year=target_round.year, kpi=target_round.kpi, unit=target_round.unit
        ).order_by("version"),
    }
    return render(request, "plan/round.html", context, status=400 if form and form.errors else 200)


def _agree_many(request: HttpRequest, target_round: TargetRound) -> int:
    """The grid: every row whose number was changed (or the one row whose Agree button was
    pressed) agreed under the same rule as one at a time, all of them or none."""
    from django.db import transaction

    field = LocalDecimalField(max_digits=18, decimal_places=2, min_value=0)
    only = request.POST.get("only", "")
    chosen = []
    for key, typed in request.POST.items():
        if not key.startswith("agreed_") or not key[7:].isdigit():
            continue
        pk = int(key[7:])
        if only and str(pk) != only:
            continue
        if not only and typed.strip() == request.POST.get(f"was_{pk}", "").strip():
            continue  # untouched: not agreed by looking at it
        chosen.append((pk, Decimal(field.clean(typed))))
    if not chosen:
        raise ValidationError(_("Change a number in the grid first, or press its Agree."))
    proposals = {p.pk: p for p in target_round.proposals.filter(pk__in=[pk for pk, _v in chosen])}
    with transaction.atomic():
        for pk, value in chosen:
            if pk not in proposals:
                raise ValidationError(_("A row of the grid is not in this round."))
            services.proposal_agree(proposals[pk], value=value, comment="", by=request.user)
    return len(chosen)


def _act(request, target_round, action: str, mine, form):  # type: ignore[no-untyped-def]
    """One step; returns None when done, or the form with its problems."""
    by = request.user
    if action == "submit":
        form = NumberForm(request.POST)
        if mine is None:
            raise PermissionDenied(_("You are not in this round."))
        if not form.is_valid():
            return form
        services.proposal_submit(
            mine, value=form.cleaned_data["value"], substantiation=form.cleaned_data["note"], by=by
        )
        messages.success(request, _("Your number is submitted."))
    elif action == "agree":
        proposal = get_object_or_404(
            TargetProposal, pk=request.POST.get("proposal", 0), round=target_round
        )
        value = LocalDecimalField(max_digits=18, decimal_places=2, min_value=0).clean(
            request.POST.get("agreed", "")
        )
        services.proposal_agree(
            proposal, value=Decimal(value), comment=request.POST.get("comment", ""), by=by
        )
        messages.success(request, _("Agreed."))
    elif action == "agree_many":
        count = _agree_many(request, target_round)
        messages.success(
            request,
            ngettext("%(n)s number agreed.", "%(n)s numbers agreed.", count) % {"n": count},
        )
    elif action == "upload":
        from koers.plan.round_upload import apply_numbers

        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(_("Choose a file to upload."))
        count = apply_numbers(target_round, upload.read(), upload.name, by=by)
        messages.success(request, _("%(n)s rows applied.") % {"n": count})
    elif action == "open":
        services.round_open(target_round, by=by)
        messages.success(request, _("The round is open for bottom-up numbers."))
    elif action == "approve":
        count = services.round_approve(target_round, by=by)
        messages.success(request, _("Approved: %(n)s monthly targets written.") % {"n": count})
    elif action == "revise":
        made = services.round_revise(target_round, reason=request.POST.get("reason", ""), by=by)
        messages.success(request, _("Version %(v)s is open.") % {"v": made.version})
    else:
        raise ValidationError(_("Unknown step."))
    return None
