"""Plan → Sales-force size: the FTE each team needs for the accounts it serves (the
workload method, ``koers.engine.sizing``) against the FTE it has."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from koers.engine import sizing
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Role
from koers.sales.models import Account
from koers.ui.fields import LocalDecimalField

CLASSES = tuple(sizing.VISITS_A_YEAR)  # "" is an account without a class


class SizingForm(forms.Form):
    hours_per_visit = LocalDecimalField(
        label=_("Hours per visit, travel included"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=24,
    )
    selling_hours = LocalDecimalField(
        label=_("Selling hours per FTE a year"),
        required=False,
        max_digits=6,
        decimal_places=0,
        min_value=1,
        max_value=3000,
    )
    enterprise = LocalDecimalField(
        label=_("Visits a year: enterprise"),
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=0,
    )
    large = LocalDecimalField(
        label=_("large"), required=False, max_digits=4, decimal_places=1, min_value=0
    )
    medium = LocalDecimalField(
        label=_("medium"), required=False, max_digits=4, decimal_places=1, min_value=0
    )
    small = LocalDecimalField(
        label=_("small or unknown"), required=False, max_digits=4, decimal_places=1, min_value=0
    )

    def parameters(self) -> tuple[dict[str, float], float, float]:
        data = self.cleaned_data if self.is_valid() else {}
        visits = {
            cls: float(data.get(cls) if data.get(cls) is not None else sizing.VISITS_A_YEAR[cls])
            for cls in CLASSES[:-1]
        }
        visits[""] = visits["small"]
        hours = data.get("hours_per_visit")
        selling = data.get("selling_hours")
        return (
            visits,
            float(hours if hours is not None else sizing.HOURS_PER_VISIT),
            float(selling if selling is not None else sizing.SELLING_HOURS_A_YEAR),
        )


def sizing_page(request: HttpRequest) -> HttpResponse:
    form = SizingForm(request.GET or None)
    visits, hours_per_visit, selling = form.parameters()
    sellers = vis.visible_sellers(request.user).filter(role=Role.SALESPERSON)
    fte = dict(sellers.values("unit").annotate(f=Sum("fte")).order_by().values_list("unit", "f"))
    counts: dict[int, dict[str, int]] = {}
    for row in (
        Account.objects.filter(owner__in=sellers.values("pk"))
        .values("owner__unit", "size_class")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(row["owner__unit"], {})[row["size_class"] or ""] = row["n"]
    rows: list[dict[str, Any]] = []
    for unit in OrgUnit.objects.filter(pk__in=set(fte) | set(counts)).order_by("name"):
        result = sizing.size(
            counts.get(unit.pk, {}), float(fte.get(unit.pk) or 0), visits, hours_per_visit, selling
        )
        accounts = counts.get(unit.pk, {})
        rows.append(
            {"unit": unit, "accounts": accounts, "count": sum(accounts.values()), "sizing": result}
        )
    total = sizing.size(
        {c: sum(r["accounts"].get(c, 0) for r in rows) for c in CLASSES},
        sum(float(v or 0) for v in fte.values()),
        visits,
        hours_per_visit,
        selling,
    )
    context = {
        "form": form,
        "rows": rows,
        "total": total,
    }
    return render(request, "plan/sizing.html", context)
