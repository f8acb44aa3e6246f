"""Currencies: exchange rates, the currency the stored amounts are in, and the switches
of the reporting currency. Read by ``koers.sales.currency``, which the other models use to
convert their amounts (so this module imports nothing of them)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from koers.core.fields import CurrencyField


class ExchangeRate(models.Model):
    """Units of the reporting currency for one unit of ``currency``, from ``date`` on."""

    currency = CurrencyField(_("currency"), default=None)
    date = models.DateField(_("valid from"))
    rate = models.DecimalField(
        _("rate to reporting currency"),
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="one_rate_per_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date}: {self.rate}"


class CurrencyBasis(models.Model):
    """The currency the stored reporting amounts (order lines, opportunities), the money
    targets and the calculated pay are in: one row. It is the reporting currency until
    every amount has been converted to another, so a changed setting never relabels an
    amount (``koers.sales.currency``)."""

    currency = CurrencyField(_("currency"), default=None)
    since = models.DateTimeField(_("since"), auto_now=True)

    class Meta:
        verbose_name = _("currency of the stored amounts")
        verbose_name_plural = _("currency of the stored amounts")

    def __str__(self) -> str:
        return str(self.currency)


class CurrencySwitch(models.Model):
    """A change of the reporting currency (``koers currency-switch``): every stored amount
    was converted from ``from_currency`` to ``to_currency``; pay already approved stayed as
    it was, in the currency it was calculated in. ``rate``: units of ``to_currency`` for one
    unit of ``from_currency`` on ``effective``, the first day of the open pay month, at which
    balances carried into that month and corrections pending then were converted."""

    from_currency = CurrencyField(_("from currency"), default=None)
    to_currency = CurrencyField(_("to currency"), default=None)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    effective = models.DateField(_("effective from"))
    at = models.DateTimeField(_("switched at"), auto_now_add=True)
    by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        verbose_name = _("currency switch")
        verbose_name_plural = _("currency switches")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.from_currency} → {self.to_currency} ({self.effective})"
