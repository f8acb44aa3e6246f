"""Values read once per request: a setting every amount on a page asks for (the reporting
currency's symbol, hundreds of times on a page of campaigns) is read from the shared
cache on its first use in the request and kept for the rest of it, never longer, so a
change (a currency switch) shows on the next page. Outside a request every call reads
afresh."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

T = TypeVar("T")
_values: ContextVar[dict[str, Any] | None] = ContextVar("request_values", default=None)


def once_per_request(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, computed once in the current request (each call outside one)."""
    kept = _values.get()
    if kept is None:
        return compute()
    if key not in kept:
        kept[key] = compute()
    return kept[key]  # type: ignore[no-any-return]


class RequestMemoMiddleware:
    """Gives each request its own store of :func:`once_per_request` values."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _values.set({})
        try:
            return self.get_response(request)
        finally:
            _values.reset(token)


def forget(*keys: str) -> None:
    """Drop ``keys`` from the current request's values (a write in this request changed
    what they were computed from)."""
    kept = _values.get()
    for key in keys if kept is not None else ():
        kept.pop(key, None)  # type: ignore[union-attr]
