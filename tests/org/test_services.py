from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from koers.org.models import OrgUnit, UnitMembership
from koers.org.services import person_save, unit_save


def test_moving_a_unit_moves_its_whole_subtree(cast):
    region = unit_save(
        unit=OrgUnit(code="R", name="Region", kind="region", parent=cast.country), by=None
    )
    cast.noord.parent = region
    unit_save(unit=cast.noord, by=None)
    assert set(OrgUnit.objects.subtree_of(region)) == {region, cast.noord}
    assert set(OrgUnit.objects.subtree_of(cast.country)) == {
        cast.country,
        region,
        cast.noord,
        cast.zuid,
    }


def test_a_unit_cannot_be_placed_under_itself(cast):
    cast.country.parent = cast.noord
    with pytest.raises(ValidationError):
        unit_save(unit=cast.country, by=None)
    cast.country.refresh_from_db()
    assert cast.country.parent == cast.company


def test_changing_a_persons_unit_keeps_the_membership_history(cast):
    cast.rosa.unit = cast.zuid
    person_save(person=cast.rosa, by=None, on=dt.date(2026, 7, 1))
    history = list(
        UnitMembership.objects.filter(person=cast.rosa)
        .order_by("valid_from")
        .values_list("unit__code", "valid_from", "valid_to")
    )
    assert history == [
        ("NOORD", dt.date(2024, 1, 1), dt.date(2026, 6, 30)),
        ("ZUID", dt.date(2026, 7, 1), None),
    ]


def test_membership_valid_on_a_date(cast):
    cast.rosa.unit = cast.zuid
    person_save(person=cast.rosa, by=None, on=dt.date(2026, 7, 1))
    on = UnitMembership.valid_on_q
    assert UnitMembership.objects.get(on(dt.date(2026, 6, 30)), person=cast.rosa).unit == cast.noord
    assert UnitMembership.objects.get(on(dt.date(2026, 7, 1)), person=cast.rosa).unit == cast.zuid


def test_changing_a_persons_manager_keeps_the_reporting_history(cast):
    from koers.org.models import ManagerLink

    cast.rosa.manager = cast.max
    person_save(person=cast.rosa, by=None, on=dt.date(2026, 7, 1))
    history = list(
        ManagerLink.objects.filter(person=cast.rosa)
        .order_by("valid_from")
        .values_list("manager__first_name", "valid_from", "valid_to")
    )
    assert [h[0] for h in history] == [cast.mia.first_name, cast.max.first_name]
    assert history[0][2] == dt.date(2026, 6, 30) and history[1][1:] == (dt.date(2026, 7, 1), None)
