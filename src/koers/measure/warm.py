"""No cold first view: after the facts are refreshed, the pages of the roles that see
everything (director, compensation administrator, administrator; marketing its campaign
pages) are computed ahead, in both languages, so the first person who opens them reads
them from the cache.

Each page is requested in-process as one login of that role would (the same view, the
same visibility, the same cache keys: ``koers.measure.memo``), never over the network."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from koers.org.models import Person, Role
from koers.org.visibility import ALL_SEEING

# the pages an all-seeing role opens first, whose figures are kept per refresh
PAGES = (
    "/",
    "/measure/kpis/?period=month",
    "/measure/kpis/?period=quarter",
    "/measure/kpis/?period=ytd",
    "/measure/customers/",
    "/measure/deviations/",
    "/measure/forecast/calls/",
    "/measure/forecast/win-probability/",
    "/measure/campaigns/",
    "/measure/sales-marketing/",
)
# marketing sees every lead and campaign: one scope for the role (its home leads to these)
MARKETING_PAGES = ("/measure/campaigns/", "/measure/sales-marketing/")


def _logins() -> list[tuple[Any, tuple[str, ...]]]:
    """One active login per role that sees everything of its kind (the pages differ by
    role, not by person), with the pages it opens first."""
    found: dict[str, Any] = {}
    people = (
        Person.objects.filter(role__in=[*ALL_SEEING, Role.MARKETING], user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    for person in people:
        found.setdefault(person.role, person.user)
    return [
        (user, MARKETING_PAGES if role == Role.MARKETING else PAGES) for role, user in found.items()
    ]


def planned() -> int:
    """How many pages :func:`warm_pages` computes: each role's pages in each language."""
    return sum(len(pages) for _user, pages in _logins()) * len(settings.LANGUAGES)


def warm_pages() -> int:
    """Request each page for each all-seeing login in each language; returns the number of
    pages computed (a page that fails is left to compute on its first view)."""
    from django.test import Client

    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
    done = 0
    for user, pages in _logins():
        client = Client(HTTP_HOST=host.lstrip("."))
        client.force_login(user)
        for language, _name in settings.LANGUAGES:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            for page in pages:
                response = client.get(page, secure=settings.SECURE_SSL_REDIRECT)
                done += response.status_code == 200
    return done
