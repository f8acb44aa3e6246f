"""Model fields shared by every app: money, currency, percentages."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from koers.engine.money import is_known_currency


def validate_currency(value: str) -> None:
    if not is_known_currency(value):
        raise ValidationError(
            _("“%(value)s” is not a known currency code (use ISO 4217, such as EUR)."),
            code="unknown_currency",
            params={"value": value},
        )


class MoneyField(models.DecimalField):
    """An amount in a currency held by a sibling field; exact to the cent."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


class CurrencyField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("default", "EUR")
        kwargs.setdefault("validators", [validate_currency])
        super().__init__(*args, **kwargs)


class PercentField(models.DecimalField):
    """A percentage 0-100 with two decimals (a credit split of 33.33%)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault(
            "validators", [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
        )
        super().__init__(*args, **kwargs)
