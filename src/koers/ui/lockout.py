"""What a locked-out login sees: a clear page (429) in the user's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


def locked_out_message() -> Any:
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return _(
        "Too many wrong passwords: this account or this address is locked for %(minutes)s "
        "minutes. Try again later, or ask an administrator to lift the lock."
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(locked_out_message())}, status=429)
    return render(request, "ui/locked_out.html", {"message": locked_out_message()}, status=429)
