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


class RootCauseAnalysis(models.Model):
    """A Five Times Why on a deviation: keep asking why until the real cause appears."""

    person = models.ForeignKey(
        Person, verbose_name=_("about"), on_delete=models.CASCADE, related_name="analyses"
    )
    kpi = models.CharField(_("KPI"), max_length=40)
    month = models.DateField(_("month"))
    title = models.CharField(_("deviation"), max_length=160)
    why_1 = models.TextField(_("why? (1)"))
    why_2 = models.TextField(_("why? (2)"), blank=True)
    why_3 = models.TextField(_("why? (3)"), blank=True)
    why_4 = models.TextField(_("why? (4)"), blank=True)
    why_5 = models.TextField(_("why? (5)"), blank=True)
    root_cause = models.TextField(_("root cause"))
    created_by = models.ForeignKey(
        "auth.User",
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded on"), auto_now_add=True)

    class Meta:
        verbose_name = _("five times why")
        verbose_name_plural = _("five times why analyses")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def whys(self) -> list[str]:
        return [w for w in (self.why_1, self.why_2, self.why_3, self.why_4, self.why_5) if w]


class RootCauseAction(models.Model):
    analysis = models.ForeignKey(
        RootCauseAnalysis,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("analysis"),
    )
    description = models.CharField(_("action"), max_length=240)
    owner = models.ForeignKey(
        Person, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    done = models.BooleanField(_("done"), default=False)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_date"]

    def __str__(self) -> str:
        return self.description
