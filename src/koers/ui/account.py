"""A person's own account: their API tokens (see, create, revoke) and their password."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from koers.api.models import ApiToken
from koers.api.services import token_create, token_revoke, token_state


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What is the token for?"), max_length=80)


STATES = {
    "working": gettext_lazy("working"),
    "revoked": gettext_lazy("revoked"),
    "expired": gettext_lazy("expired"),
    "ended": gettext_lazy("ended: the password changed"),
}


def tokens_page(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, created = token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
    tokens = ApiToken.objects.filter(user=request.user).select_related("user")
    rows = [(token, STATES[token_state(token)]) for token in tokens]
    context = {"form": form, "rows": rows, "created": created}
    return render(request, "ui/tokens.html", context, status=400 if form.errors else 200)


@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    if token_revoke(user=request.user, token_id=pk):
        messages.success(request, _("Token revoked: it no longer opens the API."))
    return redirect("account_tokens")


class PasswordChange(auth_views.PasswordChangeView):
    """Changing one's password ends every API token made under the old one."""

    template_name = "ui/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        messages.success(
            self.request, _("Password changed. Your API tokens from before no longer work.")
        )
        return super().form_valid(form)


class LoginPage(auth_views.LoginView):
    """The password login, with the company login beside it when it is set up, and the
    reason a company login was refused."""

    template_name = "ui/login.html"

    def get_context_data(self, **kwargs):
        from django.conf import settings

        from koers.org import company_login

        context = super().get_context_data(**kwargs)
        context["company_login"] = company_login.enabled()
        context["provider"] = settings.KOERS_OIDC_PROVIDER_NAME
        context["company_refused"] = self.request.session.pop(company_login.REFUSED, "")
        return context


login_page = LoginPage.as_view()


@require_POST
def person_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's page: an administrator invites the person to a password login."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import get_object_or_404

    from koers.org.invitations import invite, may_invite
    from koers.org.models import Person

    if not may_invite(request.user):
        raise PermissionDenied(_("Only an administrator invites people to log in."))
    person = get_object_or_404(Person, pk=pk)
    try:
        sent_to = invite(person=person, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("An invitation to choose a password was sent to %(email)s.") % {"email": sent_to},
        )
    return redirect("entity_detail", "people", person.pk)


class PasswordSet(auth_views.PasswordResetConfirmView):
    """The invitation's link: the person chooses a password, then logs in with it."""

    template_name = "ui/password_set.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is set: log in with it."))
        return super().form_valid(form)
