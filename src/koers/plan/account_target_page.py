"""Plan → Account targets: a person's year target divided over their accounts, by last
year's purchases, potential, equally or by hand; previewed first, written by a director or
an administrator."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.kit.fields import LocalDecimalField
from koers.kit.widgets import LongSelect
from koers.measure.catalogue import kpi_name
from koers.org import visibility as vis
from koers.org.models import Person
from koers.plan import account_targets
from koers.sales.models import Account

METHOD_NAMES = {
    "history": gettext_lazy("Share of last year"),
    "potential": gettext_lazy("Share of potential"),
    "equal": gettext_lazy("Equally"),
    "hand": gettext_lazy("By hand"),
}


class DivideForm(forms.Form):
    # every seller of a large organisation (4,400 at scale 100): written in one pass
    person = forms.ModelChoiceField(
        queryset=Person.objects.none(), label=gettext_lazy("Person"), widget=LongSelect
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    kpi = forms.ChoiceField(label=gettext_lazy("KPI"))
    method = forms.ChoiceField(label=gettext_lazy("Divided by"), choices=list(METHOD_NAMES.items()))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = vis.visible_sellers(user).order_by("last_name", "first_name")
        self.fields["person"].queryset = people  # type: ignore[attr-defined]
        self.fields["kpi"].choices = [(k, kpi_name(k)) for k in account_targets.KPIS]
        person = self.data.get("person") if self.is_bound else None
        if person and str(person).isdigit():
            accounts = Account.objects.filter(owner=int(person), owner__in=people.values("pk"))
            for account in accounts.order_by("name", "pk"):
                self.fields[f"hand_{account.pk}"] = LocalDecimalField(
                    label=account.name,
                    required=False,
                    max_digits=18,
                    decimal_places=2,
                    min_value=0,
                )

    def hand(self) -> dict[int, Any]:
        return {
            int(name[5:]): value
            for name, value in self.cleaned_data.items()
            if name.startswith("hand_") and value is not None
        }


def account_target_page(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    me = vis.person_of(request.user)
    initial = {
        "year": timezone.localdate().year,
        "kpi": "revenue",
        "method": "history",
        "person": me.pk if me else None,
    }
    form = DivideForm(data or None, user=request.user, initial=initial)
    division, complete = None, False
    if form.is_bound and form.is_valid():
        division, complete = _divide(form)
    if request.method == "POST" and complete and division is not None:
        if not account_targets.may_divide(request.user, division.person):
            raise PermissionDenied(_("Only a director or an administrator divides targets."))
        written = account_targets.write(division, by=request.user)
        messages.success(
            request,
            _("Written: %(n)s account targets of %(person)s.")
            % {"n": written, "person": division.person},
        )
        keep = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        return redirect(f"{request.path}?{urlencode(keep)}")
    rows = [
        (row, form[f"hand_{row.account.pk}"] if f"hand_{row.account.pk}" in form.fields else None)
        for row in (division.rows if division else [])
    ]
    context = {
        "form": form,
        "division": division,
        "rows": rows,
        "choices": [form[name] for name in ("person", "year", "kpi", "method")],
        "may_write": complete
        and division is not None
        and account_targets.may_divide(request.user, division.person),
    }
    return render(request, "plan/account_targets.html", context, status=400 if form.errors else 200)


def _divide(form: DivideForm) -> tuple[account_targets.Division | None, bool]:
    """The division the form asks for, and whether it is complete (may be written). By
    hand, a table to type in is shown even before the amounts add up: it starts from last
    year's shares (or equal ones), and the typed amounts stay as typed."""
    data = form.cleaned_data
    args = {"year": data["year"], "kpi": data["kpi"]}
    hand = form.hand()
    if data["method"] != "hand" or hand:
        try:
            return account_targets.divide(
                data["person"], method=data["method"], hand=hand, **args
            ), True
        except ValidationError as error:
            form.add_error(None, error)
            if data["method"] != "hand":
                return None, False
    for method in ("history", "equal"):
        try:
            start = account_targets.divide(data["person"], method=method, **args)
        except ValidationError as error:
            if method == "equal" and not form.non_field_errors():
                form.add_error(None, error)
            continue
        start.method = "hand"
        shown = form.data.copy()  # a bound form shows its data: start the empty inputs
        for row in start.rows:
            name = f"hand_{row.account.pk}"
            if name in form.fields and not form.data.get(name):
                shown[name] = row.year
        form.data = shown
        return start, False
    return None, False
