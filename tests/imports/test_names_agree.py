"""Names that agree: a mapping takes a reference by the name the template and the command's
help use (``unit``, ``manager``) or as stored (``unit_id``); "formats" names only the file's
own columns; and a file refused whole is in the import history like every other attempt."""

from __future__ import annotations

import pytest

from koers.imports import services
from koers.imports.models import ImportRun
from koers.imports.reader import ImportFileError
from koers.imports.saved import parse_mapping
from koers.imports.services import import_file
from koers.org.models import Person

PEOPLE = "Nr;Voornaam;Achternaam;Team;Chef\nX-1;Xandra;Baas;;\nX-2;Xavier;Mede;;X-1\n"


@pytest.mark.parametrize("unit, manager", [("unit", "manager"), ("unit_id", "manager_id")])
def test_a_mapping_names_references_as_the_help_does_or_as_stored(cast, unit, manager):
    mapping = parse_mapping(
        "kind: people\ncolumns:\n  Nr: external_id\n  Voornaam: first_name\n"
        f"  Achternaam: last_name\n  Team: {unit}\n  Chef: {manager}\n"
    )
    assert mapping.columns["Team"] == "unit_id" and mapping.columns["Chef"] == "manager_id"
    run = import_file(
        kind="people", raw=PEOPLE.encode(), filename="p.csv", by=None, saved=mapping
    ).run
    assert run.status == "committed", run.errors
    assert Person.objects.get(external_id="X-2").manager.external_id == "X-1"


def test_the_help_and_a_wrong_mapping_name_the_same_columns(cast):
    from koers.imports.describe import describe

    shown = describe("people")  # what `koers import people --help` prints first
    assert "  manager  " in shown and "  unit  " in shown and "manager_id" not in shown
    with pytest.raises(ImportFileError) as refused:
        parse_mapping("kind: people\ncolumns:\n  Chef: boss\n")
    message = str(refused.value)
    assert "no column boss" in message and "manager" in message and "manager_id" not in message


def test_formats_name_only_the_files_own_columns(cast):
    text = "external_id;first_name;last_name\nF-1;Fleur;Vorm\n"
    run = import_file(kind="people", raw=text.encode(), filename="p.csv", by=None).run
    assert run.status == "committed"
    assert "start_date" not in run.formats and "end_date" not in run.formats


def test_a_file_refused_whole_is_in_the_history(cast):
    with pytest.raises(ImportFileError):
        import_file(kind="accounts", raw=b"name;city\nPompen;Utrecht\n", filename="a.csv", by=None)
    run = ImportRun.objects.get(filename="a.csv")
    assert run.status == ImportRun.Status.FAILED and run.error_count == 1
    assert "external_id" in run.errors[0]["message"]
    assert run.file  # the file as it came, for the audit trail


def test_a_crash_is_in_the_history_and_still_reported(cast, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "_resolve", broken)
    with pytest.raises(RuntimeError):
        import_file(
            kind="accounts", raw=b"external_id;name\nA-9;Pompen\n", filename="c.csv", by=None
        )
    run = ImportRun.objects.get(filename="c.csv")
    assert run.status == ImportRun.Status.FAILED
    assert "could not finish" in run.errors[0]["message"]
