"""Structured logs: one line per request (method, path, status, duration, user) and the
settings' ``KOERS_LOG_FORMAT=json`` for a log collector."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

log = logging.getLogger("koers.request")


class RequestLogMiddleware:
    """Logs each request once, after the answer, with a request id that the answer also
    carries (``X-Request-ID``; one given by a proxy is kept)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        given = request.headers.get("X-Request-ID", "")
        request_id = given[:64] if given.isprintable() and given else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        if not log.isEnabledFor(logging.INFO):  # the default: no line to build
            return response
        user = getattr(request, "user", None)
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": getattr(user, "pk", None),
            },
        )
        return response
