"""Who may write which field of which record: one rule for every entry point.

Web forms, the API, imports and the admin all ask here. ``visibility.EDIT_ROLES`` says which
roles may change a kind of record at all; this module narrows that per field:

* fields that decide someone's rights or pay may be set only by the roles named in
  ``GUARDED`` (only an administrator changes a role; only the pay roles change a salary);
* marketing hands leads over but does not take them on for sales: the day sales accepted a
  lead and what it became are sales' to set (``GUARDED`` on leads);
* nobody sets a field of ``OWN_GUARDED`` on their own person record (their role, unit,
  manager, salary, FTE or dates), so nobody raises their own rights or pay;
* nobody writes a record of ``PERSONAL_PAY`` that is about themselves (their own goals,
  plan assignment, adjustments or holds), since those decide their own pay.

A write by ``by=None`` is the system's own (the demo, migrations, tests of the services)
and is not limited.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from koers.org.models import Person, Role
from koers.org.visibility import PAY_EDIT_ROLES, in_planning_scope, person_of, role_of

ORG_EDITORS = {Role.ADMIN, Role.DIRECTOR}

GUARDED: dict[str, dict[str, set[str]]] = {
    "org.person": {
        "role": {Role.ADMIN},
        "unit": ORG_EDITORS,
        "manager": ORG_EDITORS,
        "base_salary": PAY_EDIT_ROLES,
        "currency": PAY_EDIT_ROLES,
        "user": {Role.ADMIN},
    },
    "sales.lead": {
        field: {Role.ADMIN, Role.DIRECTOR, Role.MANAGER, Role.SALESPERSON}
        for field in ("accepted_on", "opportunity", "converted_on")
    },
}
OWN_GUARDED: dict[str, set[str]] = {
    "org.person": {
        "role",
        "unit",
        "manager",
        "base_salary",
        "currency",
        "fte",
        "start_date",
        "end_date",
        "user",
    },
}
PERSONAL_PAY = {
    "measure.expense",
    "reward.goal",
    "reward.planassignment",
    "reward.adjustment",
    "reward.hold",
    "plan.target",
}
# Records about a unit as a group (a unit's target) that are about everyone in it.
GROUP_PAY = {"plan.target"}
# A salesperson who shares a deal's credit but does not own it works the deal (stage,
# amount, dates) but does not move it to another account or owner, nor change its split.
CO_OWNER_FIXED: dict[str, set[str]] = {"sales.opportunity": {"account", "owner"}}


def co_owned(user: Any, obj: Model | None) -> bool:
    """Does a salesperson hold a share of ``obj`` without owning it?"""
    me = person_of(user)
    return (
        obj is not None
        and obj.pk is not None
        and _label(obj) in CO_OWNER_FIXED
        and role_of(user) == Role.SALESPERSON
        and me is not None
        and getattr(obj, "owner_id", None) != me.pk
    )


def _label(model: type[Model] | Model) -> str:
    return model._meta.label_lower


def is_own(user: Any, obj: Model | None, person_id: int | None = None) -> bool:
    """Is ``obj`` (or the record about ``person_id``) the user's own person or about them?"""
    me = person_of(user)
    if me is None:
        return False
    if isinstance(obj, Person):
        return obj.pk is not None and obj.pk == me.pk
    about = person_id if person_id is not None else getattr(obj, "person_id", None)
    if about is None and obj is not None and _label(obj) in GROUP_PAY:
        return in_unit(me, getattr(obj, "unit_id", None))
    return about is not None and about == me.pk


def my_groups(me: Person) -> list[int]:
    """The ids of ``me``'s unit and every unit above it, when ``me`` sells: their targets
    are targets of ``me``'s own group, which decide ``me``'s team pay."""
    from koers.org.models import OrgUnit
    from koers.org.visibility import SELLING_ROLES

    if me.unit_id is None or me.role not in SELLING_ROLES:
        return []
    path = me.unit.path
    prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "."]
    return list(OrgUnit.objects.filter(path__in=prefixes).values_list("pk", flat=True))


def in_unit(me: Person, unit_id: int | None) -> bool:
    """Does ``me`` sell in the unit ``unit_id`` or a unit below it?"""
    return unit_id is not None and unit_id in my_groups(me)


def refused_fields(user: Any, model: type[Model], fields: Iterable[str], *, own: bool) -> list[str]:
    """Of ``fields``, those the user may not write on a record of ``model`` (``own``: the
    user's own record, or one about them)."""
    if user is None:
        return []
    label, role = _label(model), role_of(user)
    if own and label in PERSONAL_PAY:
        return sorted(fields)
    guarded, own_guarded = GUARDED.get(label, {}), OWN_GUARDED.get(label, set())
    return sorted(
        f for f in fields if (f in guarded and role not in guarded[f]) or (own and f in own_guarded)
    )


def fixed_for(user: Any, obj: Model | None) -> set[str]:
    """Fields of ``obj`` the user may not change because they only co-own it."""
    return (
        CO_OWNER_FIXED.get(_label(obj), set()) if obj is not None and co_owned(user, obj) else set()
    )


def writable_fields(
    user: Any, model: type[Model], fields: Iterable[str], obj: Model | None
) -> list[str]:
    """The fields of ``fields`` a form or API may offer the user for ``obj`` (None: new)."""
    refused = set(refused_fields(user, model, fields, own=is_own(user, obj)))
    refused |= fixed_for(user, obj)
    return [f for f in fields if f not in refused]


def _values(obj: Model) -> dict[str, Any]:
    return json.loads(json.dumps(model_to_dict(obj), cls=DjangoJSONEncoder))


def changed_fields(obj: Model, before: dict[str, Any] | None) -> set[str]:
    """The fields ``obj`` changes against ``before`` (a new record: against a blank one)."""
    after = _values(obj)
    base = before if before is not None else _values(type(obj)())
    return {name for name, value in after.items() if base.get(name) != value}


def check_write(user: Any, obj: Model, before: dict[str, Any] | None) -> None:
    """PermissionDenied naming the fields, when ``user`` may not make this change."""
    if user is None:
        return
    changed = changed_fields(obj, before)
    own = is_own(user, obj) or (before is not None and _was_own(user, obj, before))
    refused = refused_fields(user, type(obj), changed, own=own)
    if before is not None:
        stored = type(obj)._default_manager.filter(pk=obj.pk).first()
        refused = sorted(set(refused) | (changed & fixed_for(user, stored)))
    if refused:
        raise PermissionDenied(refusal(type(obj), refused, own=own))
    if not in_planning_scope(user, obj):
        raise PermissionDenied(_("You may plan only for your own unit and the units below it."))


def _was_own(user: Any, obj: Model, before: dict[str, Any]) -> bool:
    """Was the record, as stored before this change, about the user?"""
    me = person_of(user)
    if me is None:
        return False
    if before.get("person") is not None:
        return before["person"] == me.pk
    return _label(obj) in GROUP_PAY and in_unit(me, before.get("unit"))


def refusal(model: type[Model], fields: Iterable[str], *, own: bool) -> str:
    """The message for refused fields, in the user's language, with the fields' names."""
    names = ", ".join(str(model._meta.get_field(f).verbose_name) for f in fields)
    if own:
        return _(
            "You may not change %(fields)s of a record about yourself: it decides your own "
            "rights or pay."
        ) % {"fields": names}
    return _("Your role may not change %(fields)s.") % {"fields": names}
