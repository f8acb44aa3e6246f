"""Recording who changed what, when, before and after."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.forms.models import model_to_dict


def snapshot(obj: Model | None) -> dict[str, Any] | None:
    """The record's field values as JSON-safe data (Decimals and dates as strings)."""
    if obj is None or obj.pk is None:
        return None
    return json.loads(json.dumps(model_to_dict(obj), cls=DjangoJSONEncoder))


def audit(*, actor: Any, action: str, obj: Model, before: dict[str, Any] | None) -> None:
    after = snapshot(obj) if action != "delete" else None
    if before != after:
        audit_change(actor=actor, action=action, obj=obj, before=before, after=after)


def audit_change(
    *,
    actor: Any,
    action: str,
    obj: Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Record a change as given (also one that is not the record's own fields, such as a
    credit split)."""
    from koers.org.models import AuditEvent

    AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        model=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )
