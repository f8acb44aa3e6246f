"""The production stack, as docs/deploy.md installs it: gunicorn, a Celery worker and
Celery beat against PostgreSQL and Redis. A month asked of the web server's API is
calculated by the worker, equal to the month calculated in-process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from koers.reward.models import CalcRun
from koers.reward.services.components import compute_month
from tests.reward.conftest import planned  # noqa: F401 (the fixture)
from tests.reward.test_calc import NOV
from tests.reward.test_parts import hierarchy  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)

REDIS = "redis://127.0.0.1:6379"


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


SECRET = "stack-test-" + "k" * 50


def _start(tmp_path, settings, *, workers: int = 1, beat: bool = True, env: dict | None = None):  # type: ignore[no-untyped-def]
    """gunicorn, ``workers`` Celery worker processes and (``beat``) Celery beat against the
    test database and Redis; yields (base url, processes, logs)."""
    if connection.vendor != "postgresql" or not _redis_answers():
        pytest.skip("the production stack needs PostgreSQL and Redis")
    port = _free_port()
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "KOERS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "KOERS_HTTPS": "false",
        "KOERS_DATA_DIR": str(tmp_path),
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": f"{REDIS}/13",
        "CACHE_URL": f"{REDIS}/12",
        "KOERS_LOG_FORMAT": "json",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
        **(env or {}),
    }
    bin_dir = Path(sys.executable).parent
    commands = {
        "web": [
            str(bin_dir / "gunicorn"),
            "koers.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "120",
        ],
    }
    for n in range(1, workers + 1):
        commands[f"worker{n}"] = [
            str(bin_dir / "celery"),
            "-A",
            "koers",
            "worker",
            "--hostname",
            f"worker{n}@%h",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ]
    if beat:
        commands["beat"] = [
            str(bin_dir / "celery"),
            "-A",
            "koers",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ]
    settings.SECRET_KEY = SECRET  # a token made here works there (it signs the login)
    import redis

    redis.Redis.from_url(f"{REDIS}/13").flushdb()  # no task of an earlier run
    logs = {name: (tmp_path / f"{name}.log").open("w+") for name in commands}
    processes = {
        name: subprocess.Popen(
            command, env=environment, stdout=logs[name], stderr=subprocess.STDOUT
        )
        for name, command in commands.items()
    }
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(lambda: _get(f"{base}/health/ready")[0] == 200, "the web server to be ready", logs)
        for name in commands:  # every worker consuming, so that each takes its share
            if name.startswith("worker"):
                log = tmp_path / f"{name}.log"
                _wait(lambda log=log: " ready." in log.read_text(), f"{name} to be ready", logs)
        yield base, processes, logs
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def stack(tmp_path, settings):
    yield from _start(tmp_path, settings)


@pytest.fixture
def two_workers(tmp_path, settings):
    """The stack with two worker processes and a month split in four parts."""
    yield from _start(tmp_path, settings, workers=2, beat=False, env={"KOERS_RUN_PARTITIONS": "4"})


def _get(url: str, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except OSError:
        return 0, {}


def _post(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={**headers, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _wait(done, what: str, logs, seconds: float = 90) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.5)
    tails = {}
    for name, log in logs.items():
        log.flush()
        log.seek(0)
        tails[name] = log.read()[-3000:]
    raise AssertionError(f"waited in vain for {what}: {tails}")


def _month_through_the_api(cast, base: str, logs) -> dict:  # type: ignore[no-untyped-def]
    from koers.api.services import token_create

    _record, raw = token_create(user=cast.user("cora"), name="stack")
    auth = {"Authorization": f"Bearer {raw}"}
    status, answer = _post(f"{base}/api/v1/reward/runs", {"month": "2026-11"}, auth)
    assert status == 202, answer
    job_url = base + answer["job_url"]
    _wait(lambda: _get(job_url, auth)[1].get("status") in ("done", "failed"), "the job", logs)
    job = _get(job_url, auth)[1]
    assert job["status"] == "done", job
    assert job["summary"] and job["url"] == "/reward/runs/2026-11/"
    return job


def _stored_month() -> list[tuple[int, str, int]]:
    run = CalcRun.objects.get(month=NOV)
    return sorted(
        (line.person_id, line.component, int(line.earnings * 100))
        for line in run.lines.filter(correction_of__isnull=True)
    )


def test_a_month_runs_through_the_worker_of_the_production_stack(planned, stack):  # noqa: F811
    base, processes, logs = stack
    expected = sorted(
        (line["person_id"], line["component"], line["earnings_cents"])
        for line in compute_month(NOV).lines
    )
    _month_through_the_api(planned, base, logs)
    assert _stored_month() == expected
    ready = _get(f"{base}/health/ready")[1]
    assert ready["broker"]["status"] == "ok" and ready["cache"]["status"] == "ok"
    logs["beat"].flush()
    logs["beat"].seek(0)
    assert "beat: Starting" in logs["beat"].read()
    assert all(p.poll() is None for p in processes.values())  # all still up


def test_a_month_in_parts_on_two_workers_equals_the_month_in_one(hierarchy, two_workers):  # noqa: F811
    """Four parts over two real worker processes: each part on a worker, the month
    written once all are in, equal to the month calculated in-process to the cent."""
    from koers.reward.models import RunPart
    from koers.reward.services import run_month
    from tests.reward.test_parts import month_of

    base, processes, logs = two_workers
    run_month(NOV, by=None)
    whole = month_of(NOV)
    CalcRun.objects.filter(month=NOV).delete()
    job = _month_through_the_api(hierarchy, base, logs)
    assert "4" in job["summary"]
    assert month_of(NOV) == whole
    parts = list(RunPart.objects.filter(job_id=job["id"]).order_by("index"))
    assert [(p.index, p.status) for p in parts] == [(k, "done") for k in range(4)]
    # both worker processes took parts
    assert len({p.worker.rsplit(":", 1)[-1] for p in parts}) == 2, [p.worker for p in parts]
    assert all(p.poll() is None for p in processes.values())
