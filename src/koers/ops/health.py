"""Liveness and readiness for a load balancer or an orchestrator, without a login.

``/health/live``: the process answers (nothing else is asked: a restart would not help a
database that is down). ``/health/ready``: it can serve, so send it traffic: the database
answers and is migrated, the cache answers, and the broker, when one is configured."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

_migrated = False  # once the database is migrated it stays so for this process


def _database() -> str:
    global _migrated
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    if not _migrated:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            return "not migrated: run `koers migrate`"
        _migrated = True
    return "ok"


def _cache() -> str:
    key = "koers:health"
    cache.set(key, "ok", 10)
    return "ok" if cache.get(key) == "ok" else "does not keep what it is given"


def _broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "none configured (jobs run in the server's threads)"
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
        broker.ensure_connection(max_retries=1, timeout=2)
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
}


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """200 with each dependency's state when all are usable; 503 naming what is not."""
    answer: dict[str, object] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            state = check()
        except Exception as error:  # any failure of a dependency means not ready
            state = f"error: {str(error)[:200]}"
        ok = state == "ok" or state.startswith("none configured")
        healthy &= ok
        answer[name] = {"status": state, "ms": round((time.monotonic() - started) * 1000, 1)}
    answer["status"] = "ok" if healthy else "error"
    return JsonResponse(answer, status=200 if healthy else 503)
