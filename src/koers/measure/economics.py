"""Measure → Sales economics: break-even of a product (by the unit) or of a team or a new
salesperson (in revenue), what a price change asks of the volume, and the discount a
salesperson can afford (the formulas: ``koers.engine.economics``). Each calculator starts
from the organisation's own figures when asked (a product's price and cost over the last
twelve months, a unit's operating costs and gross margin) and takes any figure typed in
over them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Avg, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.engine import economics as econ
from koers.engine.money import quantize_money
from koers.engine.periods import last_twelve_months
from koers.kit.fields import LocalDecimalField
from koers.kit.widgets import LongSelect
from koers.measure.selectors import kpi_values
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person, Role
from koers.sales.models import Campaign, Product

ROLES = {Role.MANAGER, Role.DIRECTOR, Role.COMP_ADMIN, Role.ADMIN, Role.MARKETING}
DISCOUNTS = tuple(Decimal(d) for d in ("0.02", "0.05", "0.10", "0.15", "0.20"))
NEW_SALESPERSON = "new"
CAMPAIGN = "c"  # a campaign's basis: "c" and its id
CAMPAIGNS_OFFERED = 100  # the newest campaigns to start from


def _money(label: Any, required: bool = False) -> LocalDecimalField:
    return LocalDecimalField(
        label=label, required=required, max_digits=16, decimal_places=2, min_value=0
    )


def _percent(label: Any, low: int, high: int) -> LocalDecimalField:
    return LocalDecimalField(
        label=label, required=False, max_digits=7, decimal_places=2, min_value=low, max_value=high
    )


class UnitForm(forms.Form):
    """Break-even of something sold by the unit."""

    product = forms.ModelChoiceField(
        label=gettext_lazy("Start from a product"), queryset=None, required=False, widget=LongSelect
    )
    fixed = _money(gettext_lazy("Fixed costs (€)"))
    price = _money(gettext_lazy("Price per unit (€)"))
    cost = _money(gettext_lazy("Variable cost per unit (€)"))
    expected = LocalDecimalField(
        label=gettext_lazy("Expected units"),
        required=False,
        max_digits=14,
        decimal_places=0,
        min_value=0,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="u", **kwargs)
        self.fields["product"].queryset = Product.objects.filter(active=True).order_by("name")


class RevenueForm(forms.Form):
    """Break-even of something sold in money: a team, a new salesperson."""

    # every unit and campaign of a large organisation (10,000 at scale 100): one pass
    basis = forms.ChoiceField(label=gettext_lazy("Start from"), required=False, widget=LongSelect)
    fixed = _money(gettext_lazy("Fixed costs (€)"))
    margin = _percent(gettext_lazy("Gross margin (%)"), -100, 100)
    expected = _money(gettext_lazy("Expected revenue (€)"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="r", **kwargs)
        choices = [("", _("figures typed in"))]
        if vis.role_of(user) in vis.PAY_ROLES:  # their average pay is pay
            choices.append((NEW_SALESPERSON, _("a new salesperson")))
        choices += [(str(u.pk), str(u)) for u in vis.visible_units(user).order_by("path")]
        if vis.role_of(user) in vis.CAMPAIGN_COST_ROLES:  # what a campaign cost
            campaigns = Campaign.objects.order_by("-start_date", "name")[:CAMPAIGNS_OFFERED]
            choices += [
                (f"{CAMPAIGN}{c.pk}", _("campaign: %(name)s") % {"name": c.name}) for c in campaigns
            ]
        self.fields["basis"].choices = choices


class PriceForm(forms.Form):
    """A price change or a discount against the volume."""

    price = _money(gettext_lazy("Price per unit (€)"))
    cost = _money(gettext_lazy("Variable cost per unit (€)"))
    units = LocalDecimalField(
        label=gettext_lazy("Units sold"),
        required=False,
        max_digits=14,
        decimal_places=0,
        min_value=0,
    )
    change = _percent(gettext_lazy("Price change (%)"), -99, 1000)
    extra = _percent(gettext_lazy("Extra volume the discount brings (%)"), 0, 1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="p", **kwargs)


def economics_page(request: HttpRequest) -> HttpResponse:
    vis.require_role(request.user, ROLES)
    today = timezone.localdate()
    data = _filled_in(request, today) if request.GET else None
    unit_form, revenue_form = UnitForm(data), RevenueForm(data, user=request.user)
    price_form = PriceForm(data)
    context = {
        "unit_form": unit_form,
        "revenue_form": revenue_form,
        "price_form": price_form,
        **_by_the_unit(unit_form),
        **_in_revenue(revenue_form),
        **_price_and_discount(price_form),
    }
    return render(request, "measure/economics.html", context)


def _filled_in(request: HttpRequest, today: dt.date) -> Any:
    """The figures asked, with the empty ones filled in from the product or the team
    (or new salesperson) chosen, in the reader's number format: the form shows what the
    page computes with, and a figure typed in stays."""
    data = request.GET.copy()
    starts: list[tuple[str, dict[str, Decimal | None]]] = []
    product = data.get("u-product") or ""
    if product.isdigit():
        chosen = Product.objects.filter(active=True, pk=int(product)).first()
        if chosen is not None:
            starts.append(("u", product_figures(chosen, today)))
    basis = data.get("r-basis") or ""
    if basis == NEW_SALESPERSON and vis.role_of(request.user) in vis.PAY_ROLES:
        starts.append(("r", new_salesperson_figures(today)))
    elif (
        basis.startswith(CAMPAIGN)
        and basis[1:].isdigit()
        and vis.role_of(request.user) in vis.CAMPAIGN_COST_ROLES
    ):
        campaign = Campaign.objects.filter(pk=int(basis[1:])).first()
        if campaign is not None:
            starts.append(("r", campaign_figures(campaign, today)))
    elif basis.isdigit():
        unit = vis.visible_units(request.user).filter(pk=int(basis)).first()
        if unit is not None:
            starts.append(("r", unit_figures(unit, today)))
    for prefix, figures in starts:
        for name, value in figures.items():
            key = f"{prefix}-{name}"
            if value is not None and not (data.get(key) or "").strip():
                places = 0 if name == "expected" and prefix == "u" else 2
                data[key] = formats.number_format(value, places, use_l10n=True)
    return data


def _given(form: forms.Form, name: str) -> Decimal | None:
    return form.cleaned_data.get(name) if form.is_bound and form.is_valid() else None


def product_figures(product: Any, today: dt.date) -> dict[str, Decimal | None]:
    """A product's realised price and cost per unit and its units sold over the last
    twelve months (its list price and standard cost when it sold nothing)."""
    from koers.sales.models import OrderLine

    start, end = last_twelve_months(today)
    sold = OrderLine.objects.filter(product=product, order_date__range=(start, end)).aggregate(
        amount=Sum("reporting_amount"), cost=Sum("reporting_cost"), units=Sum("quantity")
    )
    units = sold["units"] or Decimal(0)
    if units > 0 and sold["amount"]:
        price = quantize_money(sold["amount"] / units)
        cost = quantize_money(sold["cost"] / units) if sold["cost"] is not None else None
    else:
        price, cost = product.list_price, product.standard_cost
    return {"price": price, "cost": cost, "expected": units}


def _by_the_unit(form: UnitForm) -> dict[str, Any]:
    fixed, price, cost = _given(form, "fixed"), _given(form, "price"), _given(form, "cost")
    expected = _given(form, "expected")
    used = {"fixed": fixed, "price": price, "cost": cost, "expected": expected}
    if None in (fixed, price, cost):
        return {"unit_used": used, "unit_result": None}
    result = econ.break_even(fixed, price, cost, expected or None)
    return {"unit_used": used, "unit_result": result, "unit_chart": _chart(result, price, cost)}


def _chart(result: econ.BreakEven, price: Decimal, cost: Decimal) -> str:
    """Revenue and total costs against the volume, up to past break-even and the
    expected volume."""
    top = max(result.units or 0, int(result.expected_units or 0), 10)
    top = int(top * 1.5)
    step = max(top // 20, 1)
    volumes = list(range(0, top + 1, step))
    return json.dumps(
        {
            "type": "breakeven",
            "title": _("Revenue and costs by the volume sold"),
            "x": volumes,
            "revenue": [float(price * v) for v in volumes],
            "costs": [float(result.fixed_costs + cost * v) for v in volumes],
            "fixed": [float(result.fixed_costs)] * len(volumes),
            "here": result.units,
            "names": [_("Revenue"), _("Total costs"), _("Fixed costs")],
            "here_label": _("break-even"),
            "x_title": _("Units"),
        }
    )


def unit_figures(unit: OrgUnit, today: dt.date) -> dict[str, Decimal | None]:
    """A unit's operating costs, gross margin (% of revenue) and revenue over the last
    twelve months, its people below it included: the figures of the KPI pages."""
    from koers.measure.models import OperatingCost

    start, end = last_twelve_months(today)
    units = OrgUnit.objects.subtree_of(unit)
    costs = OperatingCost.objects.filter(unit__in=units, month__range=(start, end)).aggregate(
        t=Sum("amount")
    )["t"]
    values = kpi_values(Person.objects.in_subtree(unit), start, end)
    revenue, margin = values.get("revenue"), values.get("gross_margin")
    return {
        "fixed": costs,
        "margin": _margin_percent(revenue, margin),
        "expected": quantize_money(Decimal(str(revenue))) if revenue else None,
    }


def _margin_percent(revenue: float | None, margin: float | None) -> Decimal | None:
    """Gross margin as a percentage of revenue, to two decimals."""
    if not revenue or margin is None:
        return None
    return Decimal(str(round(margin / revenue * 100, 2)))


def new_salesperson_figures(today: dt.date) -> dict[str, Decimal | None]:
    """A new salesperson: the average base salary of the salespeople and the
    organisation's gross margin over the last twelve months."""
    start, end = last_twelve_months(today)
    sellers = Person.objects.filter(role=Role.SALESPERSON).active_on(today)
    salary = sellers.filter(base_salary__gt=0).aggregate(a=Avg("base_salary"))["a"]
    values = kpi_values(Person.objects.filter(role__in=vis.SELLING_ROLES), start, end)
    revenue, margin = values.get("revenue"), values.get("gross_margin")
    return {
        "fixed": quantize_money(salary) if salary is not None else None,
        "margin": _margin_percent(revenue, margin),
        "expected": None,
    }


def campaign_figures(campaign: Campaign, today: dt.date) -> dict[str, Decimal | None]:
    """A campaign: its cost lines as the fixed costs, the gross margin of the revenue
    attributed to it (position-based; the organisation's margin over the last twelve
    months while it brought none) and that revenue as the revenue expected."""
    from koers.measure.campaigns import campaign_returns

    found = campaign_returns([campaign], "position")[0]
    revenue, margin = found.attributed["revenue"], found.attributed["margin"]
    return {
        "fixed": found.cost,
        "margin": _margin_percent(float(revenue), float(margin))
        if revenue
        else new_salesperson_figures(today)["margin"],
        "expected": revenue or None,
    }


def _in_revenue(form: RevenueForm) -> dict[str, Any]:
    used = {name: _given(form, name) for name in ("fixed", "margin", "expected")}
    if used["fixed"] is None or used["margin"] is None:
        return {"revenue_used": used, "revenue_result": None}
    result = econ.break_even_revenue(used["fixed"], used["margin"] / 100, used["expected"])
    return {"revenue_used": used, "revenue_result": result}


def _price_and_discount(form: PriceForm) -> dict[str, Any]:
    price, cost, units = _given(form, "price"), _given(form, "cost"), _given(form, "units")
    if not price or cost is None:
        return {"price_result": None}
    out: dict[str, Any] = {
        "price_result": True,
        "discount_table": [
            {"discount": d * 100, "extra": (v * 100 if v is not None else None)}
            for d, v in econ.volume_for_discounts(price, cost, DISCOUNTS)
        ],
        "contribution": price - cost,
    }
    change = _given(form, "change")
    if change is not None and units:
        out["change"] = econ.price_change(price, cost, units, change / 100)
    extra = _given(form, "extra")
    if extra is not None and units:
        found = econ.affordable_discount(price, cost, units, extra / 100)
        out["affordable"] = found * 100 if found is not None else None
        out["affordable_asked"] = True
    return out
