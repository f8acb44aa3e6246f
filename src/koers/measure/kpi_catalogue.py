"""The KPI catalogue page: every KPI with its definition; administrators add their own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from koers.kit.forms import attach_errors
from koers.measure.catalogue import custom_kpis, definitions
from koers.measure.models import CustomKpi
from koers.measure.services import custom_kpi_save
from koers.org import visibility as vis
from koers.org.models import Role
from koers.sales.models import Account, Activity
from koers.sales.models.pipeline import Source


def may_define(user: Any) -> bool:
    return vis.role_of(user) == Role.ADMIN


def _choices(pairs) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [("", "—"), *[(str(v), str(label)) for v, label in pairs]]


class CustomKpiForm(forms.ModelForm):
    class Meta:
        model = CustomKpi
        fields = [
            "code",
            "name_en",
            "name_nl",
            "description_en",
            "description_nl",
            "timing",
            "level",
            "higher_is_better",
            "kind",
            "source",
            "measure",
            "activity_kind",
            "product_group",
            "segment",
            "business",
            "lead_source",
            "numerator",
            "denominator",
            "ratio_unit",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nl = (get_language() or "en").startswith("nl")
        additive = [
            (code, d.name_nl if nl else d.name_en)
            for code, d in definitions().items()
            if not d.ratio and code != self.instance.code
        ]
        segments = Account.objects.exclude(segment="").values_list("segment", flat=True).distinct()
        choice_fields = {
            "numerator": additive,
            "denominator": additive,
            "activity_kind": Activity.Kind.choices,
            "lead_source": Source.choices,
            "segment": [(s, s) for s in sorted(segments)],
        }
        for name, pairs in choice_fields.items():
            field = self.fields[name]
            self.fields[name] = forms.ChoiceField(
                label=field.label, choices=_choices(pairs), required=False
            )
        self.fields["measure"].required = self.fields["ratio_unit"].required = False
        if self.instance.pk:
            self.fields["code"].disabled = True  # facts and targets are stored under it

    def clean_measure(self) -> str:
        return self.cleaned_data.get("measure") or CustomKpi.Measure.COUNT

    def clean_ratio_unit(self) -> str:
        return self.cleaned_data.get("ratio_unit") or CustomKpi.RatioUnit.PERCENT


def catalogue_page(request: HttpRequest) -> HttpResponse:
    nl = (get_language() or "en").startswith("nl")
    customs = {c.code: c for c in custom_kpis()}
    rows = []
    for code, d in definitions().items():
        custom = customs.get(code)
        rows.append(
            {
                "code": code,
                "name": d.name_nl if nl else d.name_en,
                "description": (d.description_nl if nl else d.description_en)
                or (d.description_en or d.description_nl),
                "definition": d,
                "custom": custom,
            }
        )
    return render(
        request,
        "measure/catalogue.html",
        {"rows": rows, "may_define": may_define(request.user)},
    )


def custom_kpi_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    if not may_define(request.user):
        raise PermissionDenied(_("Only an administrator defines KPIs."))
    instance = None
    if code is not None:
        instance = CustomKpi.objects.filter(code=code).first()
        if instance is None:
            raise Http404(_("No such KPI."))
    form = CustomKpiForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            stored = custom_kpi_save(custom=form.save(commit=False), by=request.user)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("KPI “%(name)s” saved; %(n)s monthly figures computed from the history.")
                % {"name": form.instance.name_en, "n": stored},
            )
            return redirect("kpi_catalogue")
    return render(
        request,
        "measure/custom_kpi_form.html",
        {"form": form, "instance": instance},
        status=400 if request.method == "POST" else 200,
    )
