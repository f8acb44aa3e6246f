"""Liveness and readiness answer without a login and name what is not usable."""

from __future__ import annotations

import json
import logging
from unittest import mock

import pytest

pytestmark = pytest.mark.django_db


def test_live_and_ready_answer_without_a_login(client):
    assert client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    answer = ready.json()
    assert (answer["status"], answer["database"]["status"], answer["cache"]["status"]) == (
        "ok",
        "ok",
        "ok",
    )
    assert answer["broker"]["status"].startswith("none configured")
    assert client.get("/healthz").json()["status"] == "ok"  # the older address stays


def test_ready_names_a_broken_database(client):
    with mock.patch("koers.ops.health.connection.cursor", side_effect=Exception("db down")):
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["database"]["status"] == "error: db down"
    assert client.get("/health/live").status_code == 200  # a restart would not help


def test_ready_names_an_unreachable_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/health/ready")
    assert response.status_code == 503 and response.json()["broker"]["status"].startswith("error")


def test_ready_with_the_real_broker(client, settings):
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("no Redis on this machine")
    settings.CELERY_BROKER_URL = url
    assert client.get("/health/ready").json()["broker"]["status"] == "ok"


def test_each_request_is_logged_once_as_json(client, settings, caplog):
    from pythonjsonlogger.json import JsonFormatter

    with caplog.at_level(logging.INFO, logger="koers.request"):
        response = client.get("/health/live", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    (record,) = [r for r in caplog.records if r.name == "koers.request"]
    line = json.loads(JsonFormatter("%(levelname)s %(name)s %(message)s").format(record))
    assert (line["method"], line["path"], line["status"], line["request_id"]) == (
        "GET",
        "/health/live",
        200,
        "abc-123",
    )
