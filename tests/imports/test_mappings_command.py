"""`koers mappings`: saved mappings managed from the command line, the same ones the wizard,
the API and the watched folder use; a mapping keeps its comments; mistakes are named."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from koers.imports.models import ImportMapping
from koers.imports.saved import load_mapping_by_name

TEXT = """# the CRM's sales teams
kind: people
columns: {manager: manager, regional_office: unit}
also: {sales_agent: [external_id]}
distinct: {regional_office: units, manager: managers}
"""


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("mappings", *args, stdout=out)
    return out.getvalue()


def test_add_list_show_and_export_a_mapping(db, tmp_path):
    path = tmp_path / "teams.yaml"
    path.write_text(TEXT, encoding="utf-8")
    assert "Saved “crm-teams” (people)." in _run("add", "crm-teams", str(path))
    assert "crm-teams" in _run("list") and "1 saved mappings." in _run("list")
    shown = _run("show", "crm-teams")
    assert shown.startswith("# the CRM's sales teams")  # as written, comments included
    name, mapping = load_mapping_by_name("crm-teams")  # what the API and the wizard read
    assert mapping.distinct == {"regional_office": "units", "manager": "managers"}
    out = tmp_path / "out.yaml"
    _run("export", "crm-teams", str(out))
    assert out.read_text(encoding="utf-8") == TEXT
    path.write_text(TEXT.replace("people", "accounts"), encoding="utf-8")
    with pytest.raises(CommandError, match="distinct"):
        _run("add", "crm-teams", str(path))
    assert ImportMapping.objects.get(name="crm-teams").kind == "people"  # unchanged


def test_an_unknown_mapping_or_file_is_named(db, tmp_path):
    with pytest.raises(CommandError, match="No saved mapping “nope”"):
        _run("show", "nope")
    with pytest.raises(CommandError, match="No such file"):
        _run("add", "x", str(tmp_path / "missing.yaml"))
