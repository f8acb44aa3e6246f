"""Validation errors that name the record, the field and what is wrong."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def record_label(obj: Any) -> str:
    """“Opportunity 'Pumps for Acme'” or “new opportunity”, in the user's language."""
    verbose = str(obj._meta.verbose_name)
    if getattr(obj, "pk", None) is None and not str(obj).strip():
        return _("new %(kind)s") % {"kind": verbose}
    return f"{capfirst(verbose)} “{obj}”"


def field_error(obj: Any, field: str, message: str, code: str = "invalid") -> ValidationError:
    """A ValidationError for ``field`` whose text starts with the record it is about."""
    return ValidationError({field: ValidationError(f"{record_label(obj)}: {message}", code=code)})


def full_clean_named(obj: Any, exclude: list[str] | None = None) -> None:
    """Run model validation and prefix every message with the record's label."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        label = record_label(obj)
        named = {
            field: [ValidationError(f"{label}: {m}") for m in messages]
            for field, messages in exc.message_dict.items()
        }
        raise ValidationError(named) from exc
