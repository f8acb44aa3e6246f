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


def test_starts_with_debug_off_and_a_real_secret(tmp_path):
    result = _start({"DEBUG": "false", "SECRET_KEY": "x" * 50, "KOERS_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0 and "started" in result.stdout


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
