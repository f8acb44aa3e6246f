"""Every page needs a login, except the few listed here."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

from koers.org import setup
from koers.org.visibility import Role, role_of

OPEN_PREFIXES = (
    "/login/",
    "/oidc/",
    "/healthz",
    "/health/",
    "/static/",
    "/assets/",
    "/i18n/",
    "/admin/",
    "/api/",
    "/favicon",
    "/feedback/",  # a customer's feedback form, behind a signed single-use link
)


class LoginRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(OPEN_PREFIXES):
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """Pages after login and every API answer hold personal data (pay above all): no shared
    cache or browser history may keep them. Static files and the login page may be cached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/") or request.user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response


class NotFoundPageMiddleware:
    """Koers's own 404 page in every mode: in DEBUG Django would show its technical page,
    which lists every address of the application."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from koers.ui.errors import not_found

        response = self.get_response(request)
        technical = response.status_code == 404 and not getattr(response, "koers_page", False)
        if technical and not request.path.startswith("/api/"):
            return not_found(request)
        return response


# machine answers and files: no setup page and no organisation language (an API client asks
# for its language itself)
NOT_PAGES = ("/static/", "/assets/", "/api/", "/healthz", "/health/", "/favicon")
SETUP_OPEN = ("/setup/", "/logout/", "/login/", "/i18n/", "/oidc/")


class SetupFirstMiddleware:
    """A new installation (no organisation set up, no one in it) leads its administrator to
    the setup before anything else; the organisation's language is the default of everyone
    who has not chosen one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(NOT_PAGES):
            return self.get_response(request)
        if (
            request.user.is_authenticated
            and not request.path.startswith(SETUP_OPEN)
            and setup.is_new()
            and role_of(request.user) == Role.ADMIN
        ):
            return redirect("setup")
        language = setup.language()
        if language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
