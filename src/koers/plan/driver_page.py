"""Plan → Driver model: what the revenue of the next twelve months (each month from its
best source: ``horizon``) takes, for me, my team or a unit, at the rates measured over the
last twelve months, with what-if levers that recompute at once (HTMX)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from koers.engine.driver_model import Levers, model
from koers.engine.periods import add_months, month_end, month_start
from koers.kit.fields import optional_number
from koers.measure import selectors as msel
from koers.measure.memo import memo
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person, Role
from koers.plan import horizon, services
from koers.plan.drivers import measured_rates


class LeverForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False, label=_("Unit"))
    win_rate_points = optional_number(_("Win rate + points"), 5, 1, -100, 100)
    deal_size_pct = optional_number(_("Deal size + %"), 6, 1, -100, 1000)
    lead_conversion_pct = optional_number(_("Opportunities per lead + %"), 6, 1, -100, 1000)
    extra_fte = optional_number(_("Extra FTE"), 5, 1, -100, 100)

    def levers(self) -> Levers:
        data = self.cleaned_data if self.is_valid() else {}
        return Levers(
            **{
                name: float(data.get(name) or 0)
                for name in ("win_rate_points", "deal_size_pct", "lead_conversion_pct", "extra_fte")
            }
        )


def _scope(user: Any, unit: OrgUnit | None) -> tuple[Any, OrgUnit | None, str]:
    """The people of the model: a chosen unit (that the user sees), my team, or me."""
    role, me = vis.role_of(user), vis.person_of(user)
    if unit is not None:
        people = Person.objects.filter(
            unit__in=OrgUnit.objects.subtree_of(unit), role__in=vis.SELLING_ROLES
        )
        return people, unit, str(unit)
    if role == Role.SALESPERSON and me is not None:
        return Person.objects.filter(pk=me.pk), None, str(me)
    if role == Role.MANAGER and me is not None:
        unit = vis.managed_unit(user)
        return vis.visible_sellers(user), unit, str(unit) if unit is not None else str(me)
    root = OrgUnit.objects.filter(parent=None).first()
    return vis.visible_sellers(user), root, str(root) if root else ""


def driver_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.method == "POST":
        return _adopt(request, today)
    form = LeverForm(request.GET or None)
    form.fields["unit"].queryset = vis.visible_units(request.user).order_by("name")
    unit = form.cleaned_data.get("unit") if form.is_valid() else None
    people, unit, label = _scope(request.user, unit)
    first = month_start(today)

    def basis():  # type: ignore[no-untyped-def]
        plan = horizon.revenue_months(people, unit, first, today)
        pipeline = msel.open_pipeline(people, month_end(add_months(first, 11)), today)
        return plan, measured_rates(people, today), pipeline.value

    plan, rates, pipeline = memo(
        "drivers", request.user, (unit.pk if unit else "", first, today), basis
    )
    levers = form.levers() if form.is_bound else Levers()
    result = model([p.value for p in plan], rates, pipeline, levers)
    context = {
        "form": form,
        "may_adopt": unit is not None and vis.role_of(request.user) in services.PLANNERS,
        "unit": unit,
        "label": label,
        "rates": levers.apply(rates),
        "measured": rates,
        "sources": horizon.sources_in_words(plan),
        "rows": list(zip(plan, result.months, strict=True)),
        "result": result,
        "totals": {
            f: result.total(f)
            for f in (
                "target",
                "from_deals",
                "deals",
                "decided",
                "new_opportunities",
                "leads",
                "quotes",
                "visits",
                "hours_needed",
                "hours_available",
            )
        },
    }
    return render(request, "plan/drivers.html", context)


def _adopt(request: HttpRequest, today: dt.date) -> HttpResponse:
    """Adopt the model's visits and quotes (with the levers as chosen) as the monthly
    targets of the unit's salespeople."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    form = LeverForm(request.POST)
    form.fields["unit"].queryset = vis.visible_units(request.user).order_by("name")
    chosen = form.cleaned_data.get("unit") if form.is_valid() else None
    people, unit, _label = _scope(request.user, chosen)
    if unit is None:
        messages.error(request, gettext("Choose a unit to adopt its activity targets."))
        return redirect("plan_drivers")
    first = month_start(today)
    plan = horizon.revenue_months(people, unit, first, today)
    pipeline = msel.open_pipeline(people, month_end(add_months(first, 11)), today).value
    result = model([p.value for p in plan], measured_rates(people, today), pipeline, form.levers())
    months = [add_months(first, i) for i in range(12)]
    try:
        count = services.adopt_activity_targets(
            unit=unit,
            months=months,
            needs={
                "visits": [m.visits for m in result.months],
                "quotes": [m.quotes for m in result.months],
            },
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("%(n)s visit and quote targets adopted.") % {"n": count})
    return redirect(f"{request.path}?{request.POST.urlencode()}")
