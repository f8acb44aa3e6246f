"""The setup a new installation asks of its first administrator (``koers.org.setup``), and
the same page later for an administrator to review the organisation's settings."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.org import onboarding, setup
from koers.org.visibility import Role, role_of


def _months() -> list[tuple[int, str]]:
    from django.utils.dates import MONTHS

    return [(number, str(MONTHS[number]).capitalize()) for number in range(1, 13)]


class SetupForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Organisation's name"), max_length=120)
    currency = forms.CharField(
        label=gettext_lazy("Reporting currency"),
        max_length=3,
        help_text=gettext_lazy("Every figure is shown and paid in it (EUR, USD, GBP …)."),
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    fiscal_month = forms.TypedChoiceField(
        label=gettext_lazy("The fiscal year starts in"), coerce=int
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"))
    statuses = forms.MultipleChoiceField(
        label=gettext_lazy("Order statuses that count as revenue"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("A cancelled order line never counts."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_month"].choices = _months()
        self.fields["language"].choices = [(code, _(name)) for code, name in settings.LANGUAGES]
        self.fields["statuses"].choices = onboarding.statuses_known()


def _initial() -> dict:
    found = setup.chosen()
    if found:
        return {
            "name": found.name,
            "currency": found.currency,
            "fiscal_month": found.fiscal_month,
            "language": found.language,
            "statuses": list(found.statuses),
        }
    from koers.org.models import OrgUnit

    top = OrgUnit.objects.filter(parent=None).order_by("pk").first()
    return {
        "name": top.name if top else "",
        "currency": setup.currency_setting(),
        "fiscal_month": setup.fiscal_start_month(),
        "language": settings.LANGUAGE_CODE,
        "statuses": setup.revenue_statuses(),
    }


def setup_page(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) != Role.ADMIN:
        raise PermissionDenied(_("Only an administrator sets up the organisation."))
    first = setup.is_new()
    form = SetupForm(request.POST or None, initial=_initial())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            onboarding.set_up(
                name=data["name"],
                currency=data["currency"],
                fiscal_month=data["fiscal_month"],
                language=data["language"],
                statuses=data["statuses"],
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The organisation's settings are saved."))
            response = redirect("import_history" if first else "home")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, data["language"], samesite="Lax")
            return response
    context = {"form": form, "first": first}
    return render(request, "ui/setup.html", context, status=400 if form.errors else 200)
