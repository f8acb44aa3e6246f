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
from koers.kit.fields import optional_number
from koers.measure.memo import memo_html
from koers.measure.selectors import newest_ids
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person, Role
from koers.sales.models import Account

CLASSES = tuple(sizing.VISITS_A_YEAR)  # "" is an account without a class


class SizingForm(forms.Form):
    hours_per_visit = optional_number(_("Hours per visit, travel included"), 5, 2, 0, 24)
    selling_hours = optional_number(_("Selling hours per FTE a year"), 6, 0, 1, 3000)
    enterprise = optional_number(_("Visits a year: enterprise"), 4, 1, 0)
    large = optional_number(_("large"), 4, 1, 0)
    medium = optional_number(_("medium"), 4, 1, 0)
    small = optional_number(_("small or unknown"), 4, 1, 0)

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

    # the table is a function of the scope's accounts and people and the parameters: kept
    # per scope until the facts change (an edit of an account or a person is audited) or
    # an account or person is added (every unit of a large organisation: 0.15 s a view)
    parameters = "-".join(f"{k}{v}" for k, v in sorted(visits.items()))
    version = (parameters, hours_per_visit, selling, newest_ids(Account, Person))
    table = memo_html(
        "sizing_table",
        request.user,
        version,
        "plan/sizing_table.html",
        lambda: _table(request.user, visits, hours_per_visit, selling),
    )
    return render(request, "plan/sizing.html", {"form": form, "table": table})


def _table(user: Any, visits: Any, hours_per_visit: float, selling: float) -> dict[str, Any]:
    """The sizing of ``user``'s salespeople per unit, and in total."""
    sellers = vis.visible_sellers(user).filter(role=Role.SALESPERSON)
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
    return {"rows": rows, "total": total}
