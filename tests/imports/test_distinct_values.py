"""Reference data from repeated values: a CRM's sales-teams file (agent, manager, regional
office on every row, no units or managers table) comes in through a mapping alone; an org
chart with only a reports-to column needs nothing else."""

from __future__ import annotations

import pytest

from koers.imports.saved import MappingError, parse_mapping
from koers.imports.services import import_file
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person

TEAMS = (
    "sales_agent,manager,regional_office\n"
    "Anna Snelling,Dustin Brinkmann,Central\n"
    "Cecily Lampkin,Dustin Brinkmann,Central\n"
    "Moses Frase,Melvin Marxen,Central\n"
    "Darcel Schlecht,Rocco Neubert,East\n"
    "Boris Faz,Rocco Neubert,East\n"
    "Wilburn Farren,Summer Sewald,West\n"
)
MAPPING = """kind: people
columns:
  manager: manager
  regional_office: unit
also:
  sales_agent: [external_id]
split:
  sales_agent: {into: [first_name, last_name]}
distinct:
  regional_office: units
  manager: managers
constants:
  role: salesperson
"""


def _import(text: str = TEAMS, dry_run: bool = False):
    return import_file(
        kind="people",
        raw=text.encode(),
        filename="sales_teams.csv",
        by=None,
        saved=parse_mapping(MAPPING),
        dry_run=dry_run,
    ).run


def test_a_crms_sales_teams_file_makes_its_offices_and_managers(db):
    """Into an empty Koers: it was refused on every repeat ("appears more than once")."""
    run = _import()
    assert run.status == "committed" and run.created == 6, run.errors
    offices = {u.code: u for u in OrgUnit.objects.exclude(parent=None)}
    assert {"Central", "East", "West"} <= set(offices)
    dustin = Person.objects.get(external_id="Dustin Brinkmann")
    assert dustin.role == "manager" and dustin.unit.code == "Central"
    assert (dustin.first_name, dustin.last_name) == ("Dustin", "Brinkmann")
    anna = Person.objects.get(external_id="Anna Snelling")
    assert (anna.manager, anna.unit.code, anna.first_name) == (dustin, "Central", "Anna")
    # the same file again: nothing new, nothing made twice
    again = _import()
    assert (again.created, again.unchanged) == (0, 6)
    assert Person.objects.filter(role="manager").count() == 4


def test_each_regional_manager_sees_their_own_agents(db):
    from tests.factories import UserFactory

    _import()
    dustin = Person.objects.get(external_id="Dustin Brinkmann")
    dustin.user = UserFactory(username="dustin")
    dustin.save()
    seen = {p.external_id for p in vis.visible_people(dustin.user)}
    assert seen == {"Dustin Brinkmann", "Anna Snelling", "Cecily Lampkin"}


def test_a_trial_or_refused_import_leaves_no_office_or_manager_behind(db):
    assert _import(dry_run=True).created == 6
    assert not OrgUnit.objects.filter(code="Central").exists()
    assert not Person.objects.filter(external_id="Dustin Brinkmann").exists()


def test_distinct_is_for_people_and_names_units_or_managers():
    with pytest.raises(MappingError, match="units or managers"):
        parse_mapping(MAPPING.replace("manager: managers", "manager: bosses"))


def test_an_org_chart_with_only_a_reports_to_column_needs_nothing_else(db):
    text = "id;name;reports_to\n1;Ada Top;\n2;Bert Mid;1\n3;Cas Low;2\n4;Dina Low;2\n"
    mapping = parse_mapping(
        "kind: people\ncolumns:\n  id: external_id\n  reports_to: manager\n"
        "split:\n  name: {into: [first_name, last_name]}\n"
    )
    run = import_file(
        kind="people", raw=text.encode(), filename="o.csv", by=None, saved=mapping
    ).run
    assert run.status == "committed" and run.created == 4, run.errors
    bert = Person.objects.get(external_id="2")
    assert bert.manager.external_id == "1"
    assert {p.manager.external_id for p in Person.objects.filter(external_id__in=["3", "4"])} == {
        "2"
    }
