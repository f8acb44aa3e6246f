"""Company logins: people log in with their company account (OpenID Connect: Microsoft Entra
ID, Google Workspace, Okta, Keycloak …) through mozilla-django-oidc, matched to a person by
e-mail. Enabled by ``KOERS_OIDC_CLIENT_ID`` and the provider's endpoints (docs/security.md).

The library checks the ID token's signature (the provider's published keys) and its nonce;
Koers also holds the token to its audience (this client), its issuer and its expiry, and lets
in only a current person with that e-mail address. A refusal says why on the login page and
logs the detail; nothing about the person is created or changed by a refused login.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from koers.org.auth import PersonBackend
from koers.org.invitations import login_for

LOGGER = logging.getLogger("koers.login")
REFUSED = "company_login_refused"
LEEWAY_SECONDS = 30  # clocks of the provider and Koers may differ a little


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


class Refused(SuspiciousOperation):
    """A company login that is not let in, with the reason a person may read."""


class CompanyLoginBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if enabled():
            super().__init__(*args, **kwargs)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        if not enabled() or request is None:
            return None
        try:
            user = super().authenticate(request, **kwargs)
        except Refused as refused:
            _refuse(request, str(refused))
            return None
        except (SuspiciousOperation, jwt.InvalidTokenError, requests.RequestException) as exc:
            LOGGER.warning("company login refused: %s", exc)
            _refuse(request, _("The company login could not be checked; try again."))
            return None
        if user is None and "code" in request.GET and REFUSED not in request.session:
            _refuse(request, _("The company login was not accepted."))
        return user

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> Any:
        """Refusals are the person's to read: not swallowed as the library would."""
        try:
            return super().get_or_create_user(access_token, id_token, payload)
        except Refused as refused:  # the library would log it and say nothing
            _refuse(self.request, str(refused))
            raise

    def _verify_jws(self, payload: str, key: Any) -> dict:
        """The signature as the library checks it, and the audience, issuer and expiry."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"unexpected algorithm {header.get('alg')!r}")
        issuer = getattr(settings, "KOERS_OIDC_ISSUER", "") or None
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Refused(_("The company login has expired: log in again.")) from exc
        except jwt.InvalidAudienceError as exc:
            LOGGER.warning("company login for another application: %s", exc)
            raise Refused(_("The company login was meant for another application.")) from exc
        except jwt.InvalidTokenError as exc:
            LOGGER.warning("company login token refused: %s", exc)
            raise Refused(_("The company login could not be checked; try again.")) from exc

    def verify_claims(self, claims: dict) -> bool:
        if not claims.get("email"):
            raise Refused(_("Your company account gives no e-mail address."))
        if claims.get("email_verified") is False:
            raise Refused(_("Your company account's e-mail address is not verified."))
        return True

    def filter_users_by_claims(self, claims: dict) -> list[Any]:
        """The login of the one current person with this e-mail address (made on a first
        company login); none when no one, or more than one, has it."""
        from koers.org.models import Person

        email = str(claims.get("email", "")).strip()
        today = timezone.localdate()
        people = list(
            Person.objects.filter(email__iexact=email)
            .exclude(end_date__lt=today)
            .select_related("user")[:2]
        )
        if len(people) != 1:
            LOGGER.info("company login for %s: %s people", email, len(people))
            raise Refused(
                _("No one in Koers has the e-mail address %(email)s: ask your administrator.")
                % {"email": email}
                if not people
                else _("More than one person in Koers has the e-mail address %(email)s.")
                % {"email": email}
            )
        person = people[0]
        user = person.user or login_for(person)
        if not user.is_active:
            raise Refused(_("Your login has been switched off: ask your administrator."))
        return [user]

    def get_user(self, user_id: Any) -> Any:
        return PersonBackend().get_user(user_id)


def _refuse(request: HttpRequest, message: str) -> None:
    request.session[REFUSED] = message


class CompanyLoginStart(OIDCAuthenticationRequestView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not enabled():
            raise Http404(_("Company logins are not set up."))
        request.session.pop(REFUSED, None)
        return super().dispatch(request, *args, **kwargs)


class CompanyLoginCallback(OIDCAuthenticationCallbackView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not enabled():
            raise Http404(_("Company logins are not set up."))
        return super().dispatch(request, *args, **kwargs)

    @property
    def failure_url(self) -> str:
        from django.urls import reverse

        return reverse("login") + "?company=refused"
