"""Territory design for a unit: its salespeople's accounts redistributed by the optimiser
(``koers.engine.territories``), shown before and after, and applied as effective-dated
territory assignments (each person's territory in the unit) and new account owners."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from koers.core.audit import audit_change
from koers.engine import sizing
from koers.engine import territories as engine
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person, Role
from koers.sales.models import Account, Territory, TerritoryAccount, TerritoryPerson

KEPT = 60 * 60  # a design waits an hour to be applied


def may_design(user: Any, unit: OrgUnit) -> bool:
    """The director and administrators for any unit; a manager for her own and below."""
    role = vis.role_of(user)
    if role in {Role.DIRECTOR, Role.ADMIN}:
        return True
    return role == Role.MANAGER and vis.visible_units(user).filter(pk=unit.pk).exists()


def _inputs(unit: OrgUnit) -> tuple[list[engine.Account], list[engine.Person]]:
    people = list(
        Person.objects.filter(unit=unit, role=Role.SALESPERSON, end_date__isnull=True).order_by(
            "pk"
        )
    )
    rows = Account.objects.filter(owner__in=[p.pk for p in people]).values_list(
        "pk", "size_class", "potential", "latitude", "longitude", "owner"
    )
    accounts = [
        engine.Account(
            pk,
            sizing.workload_hours({size or "": 1}),
            float(potential or 0),
            float(lat) if lat is not None else None,
            float(lon) if lon is not None else None,
            owner,
        )
        for pk, size, potential, lat, lon, owner in rows
    ]
    return accounts, [engine.Person(p.pk, float(p.fte)) for p in people]


def design_for(unit: OrgUnit, *, by: Any, seconds: float = 60.0) -> dict[str, Any]:
    """A design for the unit's salespeople, kept under a key for ``apply_design``."""
    if by is not None and not may_design(by, unit):
        raise PermissionDenied(_("You may design territories only for your own units."))
    accounts, people = _inputs(unit)
    if len(people) < 2 or not accounts:
        raise ValidationError(_("A territory design needs two salespeople with accounts."))
    found = engine.design(accounts, people, seconds=seconds)
    key = uuid.uuid4().hex
    cache.set(f"koers:territory:{key}", (unit.pk, found.assignment), KEPT)
    hours = {a.id: a.hours for a in accounts}
    names = {p.pk: str(p) for p in Person.objects.filter(pk__in=[p.id for p in people])}
    now = {a.id: a.person for a in accounts}
    rows = []
    for person in people:
        before = sum(hours[a] for a, p in now.items() if p == person.id)
        after = sum(hours[a] for a, p in found.assignment.items() if p == person.id)
        rows.append({"name": names[person.id], "fte": person.fte, "before": before, "after": after})
    moved_names = dict(Account.objects.filter(pk__in=found.moved).values_list("pk", "name"))
    return {
        "key": key,
        "design": found,
        "people": rows,
        "moves": [
            {
                "account": moved_names[a],
                "from": names.get(now[a], "–"),
                "to": names[found.assignment[a]],
            }
            for a in found.moved
        ],
    }


@transaction.atomic
def apply_design(key: str, *, valid_from: dt.date, by: Any) -> int:
    """Write a kept design: for each moved account, its territory assignment ends the day
    before ``valid_from`` and one in the new person's territory starts; its owner becomes
    the new person. Each person gets a territory in the unit where they had none.
    Returns the number of accounts moved."""
    kept = cache.get(f"koers:territory:{key}")
    if kept is None:
        raise ValidationError(_("This design is no longer kept: design again."))
    unit = OrgUnit.objects.get(pk=kept[0])
    if by is not None and not may_design(by, unit):
        raise PermissionDenied(_("You may design territories only for your own units."))
    from koers.reward.selectors import first_open_day

    opens = first_open_day()
    if opens is not None and valid_from < opens:
        # an account's territory credits its sales: a date in an approved or paid month
        # would move pay that is signed off
        raise ValidationError(
            {
                "valid_from": _(
                    "A design applies from the open pay month on: %(date)s or later. "
                    "Months up to then are approved or paid."
                )
                % {"date": formats.date_format(opens, "DATE_FORMAT")}
            }
        )
    assignment: dict[int, int] = kept[1]
    owners = dict(Account.objects.filter(pk__in=list(assignment)).values_list("pk", "owner"))
    moved = {a: p for a, p in assignment.items() if owners.get(a) != p}
    territory_of: dict[int, Territory] = {}
    for person in Person.objects.filter(pk__in=set(assignment.values())):
        held = (
            TerritoryPerson.objects.filter(person=person, territory__unit=unit)
            .filter(TerritoryPerson.valid_on_q(valid_from))
            .select_related("territory")
            .first()
        )
        if held is None:
            territory, _created = Territory.objects.get_or_create(
                code=f"{unit.code}-{person.pk}",
                defaults={"name": _("Territory of %(name)s") % {"name": person}, "unit": unit},
            )
            TerritoryPerson.objects.create(
                territory=territory, person=person, valid_from=valid_from
            )
        else:
            territory = held.territory
        territory_of[person.pk] = territory
    day_before = valid_from - dt.timedelta(days=1)
    TerritoryAccount.objects.filter(account__in=list(moved), valid_from__lt=valid_from).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    ).update(valid_to=day_before)
    TerritoryAccount.objects.filter(account__in=list(moved), valid_from__gte=valid_from).delete()
    TerritoryAccount.objects.bulk_create(
        TerritoryAccount(territory=territory_of[p], account_id=a, valid_from=valid_from)
        for a, p in moved.items()
    )
    for person_id in set(moved.values()):
        Account.objects.filter(pk__in=[a for a, p in moved.items() if p == person_id]).update(
            owner_id=person_id
        )
    # answers without a person of their own count for the account's owner: their months'
    # figures change hands too
    from koers.measure.freshness import mark_stale, months_of
    from koers.sales.models import NpsResponse

    mark_stale(
        months_of(
            NpsResponse.objects.filter(account__in=list(moved), person__isnull=True).values_list(
                "responded_on", flat=True
            )
        )
    )
    audit_change(
        actor=by,
        action="update",
        obj=unit,
        before={"owners": {str(a): owners[a] for a in moved}},
        after={"owners": {str(a): p for a, p in moved.items()}, "from": valid_from.isoformat()},
    )
    cache.delete(f"koers:territory:{key}")
    return len(moved)
