"""Numbers as people type them: "1.234,56" and "1234,56" in Dutch, "1,234.56" in English,
with or without a euro sign, in every form that takes money, a quantity, a rate or a
score; and shown back the same way."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import get_language

SEPARATORS = {"nl": (".", ","), "en": (",", ".")}  # (thousands, decimal)


def parse_local_number(text: str, language: str | None = None) -> str:
    """``text`` written in ``language`` (default: the active one) as a plain number
    ("1234.56"); what cannot be read is returned as it is, for the field to refuse.

    A thousands separator counts only between groups of three digits ("10.000" is ten
    thousand in Dutch); in Dutch a single point not followed by three digits is read as a
    decimal point ("1.5"), as people who type English numbers mean it."""
    thousands, decimal = SEPARATORS.get((language or get_language() or "en")[:2], (",", "."))
    value = text.strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    sign = value[:1] if value[:1] in "+-" else ""
    value = value[len(sign) :]
    whole, _sep, fraction = value.partition(decimal)
    if thousands in whole:
        grouped = re.fullmatch(r"\d{1,3}(?:" + re.escape(thousands) + r"\d{3})+", whole)
        if grouped:
            whole = whole.replace(thousands, "")
        elif thousands == "." and not fraction and whole.count(".") == 1:
            return sign + whole  # "1.5" in Dutch: a decimal point after all
        else:
            return text
    return sign + whole + ("." + fraction if _sep else "")


class LocalDecimalField(forms.DecimalField):
    """A DecimalField that reads and shows numbers in the user's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(*args, **kwargs)
        self.widget.input_type = "text"  # a number input would refuse "1.234,56"
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = parse_local_number(value)
        return super().to_python(value)


def local_decimals(field: Any, **kwargs: Any) -> forms.Field | None:
    """``formfield_callback`` for model forms: decimal fields read the user's numbers."""
    from django.db import models

    if isinstance(field, models.DecimalField):
        return field.formfield(form_class=LocalDecimalField, **kwargs)
    return field.formfield(**kwargs)


def optional_number(
    label: Any, digits: int, places: int, low: int, high: int | None = None
) -> LocalDecimalField:
    """An optional number in the user's format, between ``low`` and ``high``: a lever or
    a parameter a page has a default for."""
    bounds = {"min_value": low, **({"max_value": high} if high is not None else {})}
    return LocalDecimalField(
        label=label, required=False, max_digits=digits, decimal_places=places, **bounds
    )
