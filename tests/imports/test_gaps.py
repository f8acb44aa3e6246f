"""What real exports lack: a person without a unit or start date comes in, placed in
"Unassigned" with the import's date, and is flagged until an administrator fixes it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from koers.imports.models import DataQualityFlag
from koers.imports.samples import sample_path
from koers.imports.services import import_file
from koers.org.models import OrgUnit, Person
from tests.conftest import TODAY

FILE = (
    "external_id;first_name;last_name;unit;start_date\n"
    "N-1;Nina;Zonder;;\n"
    "N-2;Noor;Met;VBT-NL-WEST;2024-05-01\n"
)


@pytest.fixture
def base(funnel):
    call_command("import", "units", str(sample_path("units")), stdout=io.StringIO())


def _import(dry_run: bool = False):
    return import_file(kind="people", raw=FILE.encode(), filename="p.csv", by=None, dry_run=dry_run)


def test_a_person_without_unit_or_start_date_comes_in_flagged(base):
    run = _import().run
    assert run.status == "committed" and run.created == 2
    nina, noor = Person.objects.get(external_id="N-1"), Person.objects.get(external_id="N-2")
    assert nina.unit.code == "UNASSIGNED" and nina.start_date == TODAY
    assert noor.unit.code == "VBT-NL-WEST"
    flags = {(f.record_id, f.field) for f in DataQualityFlag.objects.all()}
    assert flags == {(nina.pk, "unit"), (nina.pk, "start_date")}
    # the same file again: nothing new to flag twice for a person already placed
    _import()
    assert DataQualityFlag.objects.filter(field="unit").count() == 2


def test_a_dry_run_leaves_no_unassigned_unit_behind(base):
    assert _import(dry_run=True).run.created == 2
    assert not OrgUnit.objects.filter(code="UNASSIGNED").exists()
    assert not Person.objects.filter(external_id="N-1").exists()


def test_the_data_quality_list_resolves_a_fixed_person(base, client, cast):
    _import()
    nina = Person.objects.get(external_id="N-1")
    client.force_login(cast.user("ada"))
    page = client.get(reverse("data_quality")).content.decode()
    assert "Nina" in page and "Unassigned" in page
    nina.unit = OrgUnit.objects.get(code="VBT-NL-WEST")
    nina.save()
    page = client.get(reverse("data_quality")).content.decode()
    assert 'data-field="unit"' not in page and 'data-field="start_date"' in page
    flag = DataQualityFlag.objects.get(field="start_date")
    client.post(reverse("data_quality"), {"flag": flag.pk})
    assert 'data-testid="no-flags"' in client.get(reverse("data_quality")).content.decode()
    client.force_login(cast.user("mia"))
    assert client.get(reverse("data_quality")).status_code == 403
