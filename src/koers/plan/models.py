"""Targets per KPI, person and month. Set here by import; the Plan phase will derive them
top-down and substantiate them bottom-up."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from koers.org.models import Person


def validate_kpi(code: str) -> None:
    from koers.measure.catalogue import definitions

    if code not in definitions():
        raise ValidationError(_("“%(code)s” is not a KPI Koers knows."), params={"code": code})


class Target(models.Model):
    """What a person should reach on a KPI in a month: euros for money, a number for a
    count, a percentage for a rate."""

    kpi = models.CharField(_("KPI"), max_length=40, validators=[validate_kpi])
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="targets"
    )
    month = models.DateField(_("month"))
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["month", "kpi"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "person", "month"], name="one_target_per_kpi_person_month"
            )
        ]
        indexes = [models.Index(fields=["month", "kpi"])]

    def __str__(self) -> str:
        return f"{self.kpi} {self.person} {self.month:%Y-%m}: {self.value}"

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError({"month": _("A target is for a month: use its first day.")})
        if self.value is not None and self.value < 0:
            raise ValidationError({"value": _("A target cannot be negative.")})
