"""The kinds of background job: each app declares its own in its ``jobs`` module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Outcome:
    """How a job ended, in words for the person who asked, and where to see its result."""

    summary: str
    url: str = ""  # "{job}" in it becomes the job's number
    # what the page that asked shows when the job is done (kept in the cache for a day)
    value: Any = None
    # the work goes on elsewhere (parts on other workers): the job stays running until
    # that work calls ``execution.complete`` or ``execution.fail``
    later: bool = False


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    run: Callable[[dict[str, Any], Any], Outcome]  # (arguments, requesting user)
    # the work and the job's "done" commit together: a worker killed half-way leaves
    # nothing applied, and a retry starts from a clean slate
    atomic: bool = True


KINDS: dict[str, Kind] = {}


def job(code: str, label: str | Promise, *, atomic: bool = True) -> Callable[..., Any]:
    """Declare ``fn(args, by) -> Outcome`` as the job kind ``code``."""

    def declare(fn: Callable[[dict[str, Any], Any], Outcome]) -> Callable[..., Any]:
        KINDS[code] = Kind(code, label, fn, atomic)
        return fn

    return declare


def kind_of(code: str) -> Kind:
    return KINDS[code]
