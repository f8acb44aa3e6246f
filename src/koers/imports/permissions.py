"""What an import may write: exactly what the importing role may write through the forms
and the API, field by field (``koers.org.write_rules``), refused whole otherwise with the
fields named."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.utils.translation import gettext as _

from koers.imports.specs import Kind, model_for_table
from koers.org.visibility import EDIT_ROLES, can_import, person_of, role_of
from koers.org.write_rules import PERSONAL_PAY, my_groups, refusal, refused_fields

# Kinds whose table has no form of its own: the record kind whose rule applies.
RULE_OF = {
    "sales_stagechange": "sales.opportunity",
    "plan_target": "plan.target",
}
# Targets decide quotas and so pay: set by the director, and the pay and system roles.
IMPORT_ONLY_ROLES: dict[str, set[str]] = {}
# The column that names the person a row is about, per kind with one.
PERSON_COLUMN = {"plan_target": "person_id", "measure_expense": "person_id"}
# The column that names the unit a row is about as a group: about everyone in it.
UNIT_COLUMN = {"plan_target": "unit_id"}


def field_name(column: str) -> str:
    return column.removesuffix("_id")


def check_kind(user: Any, spec: Kind) -> None:
    """PermissionDenied unless ``user`` may write records of ``spec``'s kind at all."""
    if user is None:
        return
    if not can_import(user):
        raise PermissionDenied(_("Your role may not import data."))
    model = model_for_table(spec.table)
    label = RULE_OF.get(spec.table, model._meta.label_lower)
    roles = EDIT_ROLES.get(label) or IMPORT_ONLY_ROLES.get(label, set())
    if role_of(user) not in roles:
        raise PermissionDenied(
            _("Your role may not import %(kind)s.") % {"kind": model._meta.verbose_name_plural}
        )


def check_changes(
    user: Any, spec: Kind, written: set[str], own_written: set[str], about_me: bool
) -> None:
    """PermissionDenied naming the fields, unless ``user`` may write every field the
    import writes (``written``: columns it sets on new records or changes on existing
    ones; ``own_written``: those it changes on the user's own record)."""
    if user is None:
        return
    model = model_for_table(spec.table)
    label = model._meta.label_lower
    if about_me and (label in PERSONAL_PAY or spec.table in PERSON_COLUMN):
        raise PermissionDenied(
            _("A file may not set %(kind)s about yourself: they decide your own pay.")
            % {"kind": model._meta.verbose_name_plural}
        )
    fields = [f for f in map(field_name, sorted(own_written)) if _is_field(model, f)]
    refused = refused_fields(user, model, fields, own=True)
    if refused:
        raise PermissionDenied(refusal(model, refused, own=True))
    fields = [f for f in map(field_name, sorted(written)) if _is_field(model, f)]
    refused = refused_fields(user, model, fields, own=False)
    if refused:
        raise PermissionDenied(refusal(model, refused, own=False))


def my_rows(user: Any, spec: Kind, frame: pl.DataFrame) -> pl.Series:
    """Which rows of ``frame`` (resolved, with ``id`` for existing records) are the user's
    own person record or about the user."""
    me = person_of(user) if user is not None else None
    if me is None or frame.height == 0:
        return pl.Series([False] * frame.height, dtype=pl.Boolean)
    if spec.table == "org_person" and "id" in frame.columns:
        return frame["id"].fill_null(-1) == me.pk
    mine = pl.Series([False] * frame.height, dtype=pl.Boolean)
    column, group = PERSON_COLUMN.get(spec.table), UNIT_COLUMN.get(spec.table)
    if column and column in frame.columns:
        mine = mine | (frame[column].fill_null(-1) == me.pk)
    if group and group in frame.columns:
        mine = mine | frame[group].is_in(my_groups(me)).fill_null(False)
    return mine


def _is_field(model: Any, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:  # a virtual import column, not a field
        return False
    return True
