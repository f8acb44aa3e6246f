"""The audit trail in plain words, in the reader's language: who did what to which record,
and each field from what to what (names of fields and records, not ids and dicts)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey, Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ACTIONS = {
    "create": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
    "calculate": gettext_lazy("calculated"),
    "approve": gettext_lazy("approved"),
    "lock": gettext_lazy("locked"),
    "split": gettext_lazy("changed the credit split of"),
    "invite": gettext_lazy("invited to log in:"),
}
SKIPPED = {"id", "path", "password"}


def _model(label: str) -> type[Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


class _Names:
    """Related records named once per page, not once per cell."""

    def __init__(self) -> None:
        self.seen: dict[tuple[type[Model], Any], str] = {}

    def of(self, model: type[Model], pk: Any) -> str:
        key = (model, pk)
        if key not in self.seen:
            found = model._default_manager.filter(pk=pk).first()
            self.seen[key] = str(found) if found is not None else f"#{pk}"
        return self.seen[key]


def _shown(model: type[Model] | None, name: str, value: Any, names: _Names) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | dict):  # rows of a relation (a credit split), or a document
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(len(value))
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if isinstance(field, ForeignKey):
            return names.of(field.related_model, value)
        if field is not None and getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _label(model: type[Model] | None, name: str) -> str:
    if model is None:
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name.replace("_", " ")
    label = getattr(field, "verbose_name", None)
    if label is None:  # a reverse relation: an order line's credit split, say
        label = field.related_model._meta.verbose_name_plural
    return str(label)


def describe(event: Any, names: _Names) -> dict[str, Any]:
    """What the event says: action, record kind and name, and the changed fields."""
    model = _model(event.model)
    before, after = event.before or {}, event.after or {}
    changes = []
    for name in sorted(set(before) | set(after)):
        if name in SKIPPED or before.get(name) == after.get(name):
            continue
        old, new = before.get(name), after.get(name)
        if event.action == "create" and new in (None, "", [], {}):
            continue
        changes.append(
            {
                "field": _label(model, name),
                "before": _shown(model, name, old, names),
                "after": _shown(model, name, new, names),
            }
        )
    return {
        "action": str(ACTIONS.get(event.action, event.action)),
        "kind": str(model._meta.verbose_name) if model is not None else event.model,
        "record": event.object_repr,
        "changes": changes,
        "created": event.action == "create",
    }


def described(events: Any) -> list[tuple[Any, dict[str, Any]]]:
    names = _Names()
    return [(e, describe(e, names)) for e in events]
