"""How far a piece of heavy work is: a step in words and a fraction done.

Work reports through ``report`` wherever it runs; inside a background job the report is
kept for the job's page (see ``koers.jobs``), elsewhere (a command, a test) it goes to
nothing. Kept apart from the database so a job that writes in one transaction can still
say how far it is."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Reporter = Callable[[float, str], None]

_reporter: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar(
    "koers_progress", default=None
)


def report(done: float, step: str = "") -> None:
    """Say that ``done`` (0..1) of the work is done, now at ``step`` (words for a user)."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter(max(0.0, min(1.0, float(done))), str(step))


@contextmanager
def reporting_to(reporter: Reporter) -> Iterator[None]:
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)
