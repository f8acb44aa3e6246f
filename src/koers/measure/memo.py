"""Figures computed once per refresh of the facts and kept in the cache.

Every dashboard figure is a function of the facts (and of who looks: their scope) until
the facts are refreshed or a record edit leaves a month to refresh, both of which raise
``facts_version``; so a page computes its figures once per scope, day, language and
version, and every later view (by anyone with the same scope) reads them from the cache:
the local memory of one process, or Redis shared by all when ``CACHE_URL`` is set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from koers.measure.selectors import facts_version
from koers.org import visibility as vis
from koers.org.models import Role

T = TypeVar("T")
SECONDS = 15 * 60


def scope_of(user: Any) -> str:
    """Who sees the same figures: a salesperson and a manager each their own; the roles
    that see everything one scope each (their pages differ by role, not by person)."""
    role, me = vis.role_of(user), vis.person_of(user)
    scope = me.pk if role in {Role.SALESPERSON, Role.MANAGER} and me else "all"
    return f"{role}:{scope}"


def memo(
    name: str, user: Any, parts: tuple, compute: Callable[[], T], *, translated: bool = True
) -> T:
    """``compute()`` for ``user``'s scope, kept until the facts change (at most
    ``SECONDS``); per language unless the value holds no text in the reader's language
    (``translated=False``: figures only, computed once for every language)."""
    return kept(name, (scope_of(user), *parts), compute, translated=translated)


def kept(name: str, parts: tuple, compute: Callable[[], T], *, translated: bool = True) -> T:
    """``compute()`` kept until the facts change (at most ``SECONDS``), the same for
    every reader: :func:`memo` without a scope, for figures everyone sees alike."""
    key = ":".join(
        [
            "koers:memo",
            name,
            *map(str, parts),
            str(timezone.localdate()),
            (get_language() or "") if translated else "",
            str(facts_version()),
        ]
    )
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, SECONDS)
    return value


def memo_page(
    request: HttpRequest,
    name: str,
    parts: tuple,
    templates: tuple[str, str],
    context: Callable[[], dict[str, Any]],
    around: dict[str, Any] | None = None,
) -> HttpResponse:
    """A page whose content is a function of the facts and the viewer's scope: the content
    block (``templates[1]``, which must hold no per-session token or personal greeting) is
    rendered once per scope, ``parts``, day, language and version and kept; the page around
    it (``templates[0]``, its ``body`` and what ``around`` adds, such as the title's
    subject) is rendered for each request."""
    page, body = templates
    content = memo_html(name, request.user, parts, body, context, request=request)
    return render(request, page, {**(around or {}), "body": content})


def memo_html(
    name: str,
    user: Any,
    parts: tuple,
    template: str,
    context: Callable[[], dict[str, Any]],
    *,
    request: HttpRequest | None = None,
) -> SafeString:
    """``template`` rendered with ``context()`` once per ``user``'s scope, ``parts``, day,
    language and version of the facts (:func:`memo`), and kept as HTML: a table of
    thousands of rows, or fifty rows read from thousands, is rendered once, not on every
    view. The template must hold nothing of one session (a CSRF token, a greeting)."""

    def html() -> str:
        return render_to_string(template, context(), request=request)

    return mark_safe(memo(name, user, parts, html))  # noqa: S308 - our own template
