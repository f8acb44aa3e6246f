"""Pre-aggregated KPI facts: one numerator and denominator per KPI, person and month."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from koers.org.models import Person


class KpiFact(models.Model):
    kpi = models.CharField(_("KPI"), max_length=40)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="kpi_facts"
    )
    month = models.DateField(_("month"))
    numerator = models.BigIntegerField(_("numerator"))
    denominator = models.BigIntegerField(_("denominator"))

    class Meta:
        verbose_name = _("KPI fact")
        verbose_name_plural = _("KPI facts")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "person", "month"], name="one_fact_per_kpi_person_month"
            )
        ]
        indexes = [models.Index(fields=["month", "kpi"]), models.Index(fields=["person", "month"])]

    def __str__(self) -> str:
        return f"{self.kpi} {self.person_id} {self.month}"
