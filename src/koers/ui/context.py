"""Template context shared by every page: the role and the navigation it may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from koers.org.visibility import person_of, role_of
from koers.ui.navigation import navigation_html


def koers_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    return {
        "me": person_of(user),
        "my_role": role,
        "nav_html": navigation_html(user, request.path),
    }
