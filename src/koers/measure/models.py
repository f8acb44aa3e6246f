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


class PyramidSettings(models.Model):
    """Thresholds of the customer pyramid: minimum revenue over twelve months, in euros."""

    top = models.PositiveIntegerField(_("top customer from (€ per 12 months)"), default=250_000)
    large = models.PositiveIntegerField(_("large customer from"), default=50_000)
    medium = models.PositiveIntegerField(_("medium customer from"), default=10_000)

    class Meta:
        verbose_name = _("customer pyramid thresholds")
        verbose_name_plural = _("customer pyramid thresholds")

    def __str__(self) -> str:
        return f"{self.top} / {self.large} / {self.medium}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not self.top > self.large > self.medium > 0:
            raise ValidationError(_("The thresholds must fall: top above large above medium."))
