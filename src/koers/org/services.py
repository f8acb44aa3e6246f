"""Operations that change the organisation: units, people, memberships."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.audit import snapshot
from koers.core.errors import field_error
from koers.core.services import record_save
from koers.org.models import ManagerLink, OrgUnit, Person, UnitMembership


def _path_for(unit: OrgUnit) -> str:
    prefix = unit.parent.path if unit.parent_id else ""
    return f"{prefix}{unit.pk:06d}."


@transaction.atomic
def unit_save(*, unit: OrgUnit, by: Any) -> OrgUnit:
    """Create or move a unit; keeps the materialised path of its whole subtree right."""
    old_path = OrgUnit.objects.filter(pk=unit.pk).values_list("path", flat=True).first()
    if unit.parent_id and old_path and unit.parent.path.startswith(old_path):
        raise field_error(unit, "parent", _("A unit cannot be placed under itself."))
    record_save(obj=unit, by=by)
    new_path = _path_for(unit)
    if new_path != old_path:
        OrgUnit.objects.filter(pk=unit.pk).update(path=new_path)
        if old_path:
            OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
                path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
            )
        unit.path = new_path
    return unit


@transaction.atomic
def person_save(*, person: Person, by: Any, on: dt.date | None = None) -> Person:
    """Create or change a person. A change of unit closes the current membership the day
    before ``on`` (default: today) and opens a new one, so history stays intact."""
    before = snapshot(Person.objects.filter(pk=person.pk).first())
    old_unit = before["unit"] if before else None
    old_manager = before["manager"] if before else None
    record_save(obj=person, by=by, before=before)
    if old_unit != person.unit_id:
        day = on or (person.start_date if old_unit is None else timezone.localdate())
        person_move_membership(person=person, unit_id=person.unit_id, on=day)
    if before is None or old_manager != person.manager_id:
        day = on or (person.start_date if before is None else timezone.localdate())
        person_move_manager(person=person, manager_id=person.manager_id, on=day)
    return person


def person_move_manager(*, person: Person, manager_id: int | None, on: dt.date) -> None:
    """From ``on`` the person reports to ``manager_id``; the earlier line ends the day
    before, so roll-ups of earlier credit keep going to the earlier manager."""
    open_ones = ManagerLink.objects.filter(person=person, valid_to__isnull=True)
    open_ones.filter(valid_from__lt=on).update(valid_to=on - dt.timedelta(days=1))
    open_ones.filter(valid_from__gte=on).delete()
    ManagerLink.objects.create(person=person, manager_id=manager_id, valid_from=on)


def person_move_membership(*, person: Person, unit_id: int, on: dt.date) -> None:
    open_ones = UnitMembership.objects.filter(person=person, valid_to__isnull=True)
    open_ones.filter(valid_from__lt=on).update(valid_to=on - dt.timedelta(days=1))
    open_ones.filter(valid_from__gte=on).delete()
    UnitMembership.objects.create(person=person, unit_id=unit_id, valid_from=on)
