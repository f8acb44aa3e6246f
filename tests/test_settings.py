"""Configuration from the environment: working defaults, loud failures on bad values."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from koers.config import env_bool, env_list


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import django; django.setup(); print('started')"
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "koers.settings", **env}
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True)


def test_refuses_to_start_with_debug_off_and_the_demo_secret(tmp_path):
    result = _start({"DEBUG": "false", "KOERS_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


SECRET = "k7R-2pQ_v9Zx" * 5  # 60 characters, 11 different


def test_starts_with_debug_off_and_a_real_secret(tmp_path):
    env = {"DEBUG": "false", "SECRET_KEY": SECRET, "KOERS_DATA_DIR": str(tmp_path)}
    result = _start({**env, "KOERS_PUBLIC_URL": "https://koers.example.com"})
    assert result.returncode == 0 and "started" in result.stdout


def test_production_needs_the_public_address_for_its_mails(tmp_path):
    env = {"DEBUG": "false", "SECRET_KEY": SECRET, "KOERS_DATA_DIR": str(tmp_path)}
    result = _start(env)
    assert result.returncode != 0 and "Set KOERS_PUBLIC_URL" in result.stderr
    result = _start({**env, "KOERS_PUBLIC_URL": "koers.example.com"})
    assert result.returncode != 0 and "must start with https://" in result.stderr


@pytest.mark.parametrize("debug", ["true", "false"])
@pytest.mark.parametrize("key", ["x", "short-but-not-empty", "a" * 60])
def test_a_short_or_repetitive_secret_is_refused(tmp_path, debug, key):
    result = _start({"DEBUG": debug, "SECRET_KEY": key, "KOERS_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0 and "at least 50 random characters" in result.stderr


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": SECRET,
    "ALLOWED_HOSTS": "koers.example.com",
    "KOERS_BEHIND_PROXY": "true",
    "KOERS_PUBLIC_URL": "https://koers.example.com",
}


def _koers(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # the browser tests allow Django's ORM in Playwright's event loop; a server never does
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full = {**inherited, "DJANGO_SETTINGS_MODULE": "koers.settings", **env}
    return subprocess.run(
        [sys.executable, "-m", "koers.cli", *args], env=full, capture_output=True, text=True
    )


def test_the_deployment_check_is_clean_in_production(tmp_path):
    result = _koers(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "KOERS_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_demo_refuses_to_load_in_production_unless_forced(tmp_path):
    env = {**PRODUCTION, "KOERS_DATA_DIR": str(tmp_path)}
    assert _koers(["migrate", "--noinput", "-v", "0"], env).returncode == 0
    result = _koers(["demo"], env)
    assert result.returncode != 0 and "--force" in result.stderr


@pytest.mark.parametrize(
    "name,value",
    [
        ("DEBUG", "maybe"),
        ("LANGUAGE_CODE", "fr"),
        ("TIME_ZONE", "Mars/Olympus"),
        ("KOERS_FISCAL_YEAR_START_MONTH", "13"),
    ],
)
def test_bad_values_stop_the_start_with_the_variable_named(tmp_path, name, value):
    result = _start({name: value, "KOERS_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0 and name in result.stderr


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_bool("X_FLAG", False) is True
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_FLAG", "sure")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG", False)


def test_env_example_documents_every_variable():
    from pathlib import Path

    text = (Path(__file__).parents[1] / ".env.example").read_text()
    for name in [
        "DATABASE_URL",
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "KOERS_DATA_DIR",
        "CELERY_BROKER_URL",
        "LANGUAGE_CODE",
        "TIME_ZONE",
        "KOERS_HTTPS",
        "KOERS_BEHIND_PROXY",
        "KOERS_TRUSTED_PROXIES",
        "KOERS_HSTS_SECONDS",
        "KOERS_LOGIN_FAILURE_LIMIT",
        "KOERS_LOGIN_COOLOFF_MINUTES",
        "KOERS_TOKEN_DAYS",
        "KOERS_MAX_TOKENS",
        "KOERS_IMPORT_MAX_MB",
        "KOERS_IMPORT_MAX_ROWS",
        "KOERS_IMPORT_MAX_COLUMNS",
        "KOERS_IMPORT_MAX_CELL",
        "KOERS_IMPORT_KEEP_FAILED_DAYS",
    ]:
        assert f"# {name}=" in text, name


def test_koers_command_runs_django_commands():
    result = subprocess.run(
        [sys.executable, "-m", "koers.cli", "check"],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "koers.settings"},
    )
    assert result.returncode == 0, result.stderr
