"""Stored forecasts: each fit of every series (the latest is what the pages show), frozen
snapshots (whose accuracy is measured once the actuals arrive) and backtests.

A series is a scope and a KPI: ``unit:7`` (everyone in unit 7 and below), ``person:12``
or ``group:3`` (a product group, organisation-wide), on ``revenue`` (euros) or ``volume``
(units)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ForecastRun(models.Model):
    class Kind(models.TextChoices):
        FIT = "fit", _("Nightly fit")
        SNAPSHOT = "snapshot", _("Snapshot")
        BACKTEST = "backtest", _("Backtest")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    as_of = models.DateField(
        _("as of"), help_text=_("The first month forecast: only the months before it were seen.")
    )
    horizon = models.PositiveSmallIntegerField(_("months ahead"))
    series = models.PositiveIntegerField(_("series"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    created_at = models.DateTimeField(_("made on"), auto_now_add=True)

    class Meta:
        verbose_name = _("forecast run")
        verbose_name_plural = _("forecast runs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "as_of"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.as_of:%Y-%m}"


class ForecastValue(models.Model):
    """One method's forecast of one series for one month, with its 80% interval; for a
    backtest also the origin it was made from and the actual that followed."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="values")
    series = models.CharField(max_length=40)
    kpi = models.CharField(max_length=20)
    method = models.CharField(max_length=20)
    month = models.DateField()
    value = models.FloatField()
    lo = models.FloatField(null=True)
    hi = models.FloatField(null=True)
    origin = models.DateField(null=True)
    actual = models.FloatField(null=True)

    class Meta:
        indexes = [models.Index(fields=["run", "series", "kpi"])]

    def __str__(self) -> str:
        return f"{self.series} {self.kpi} {self.method} {self.month:%Y-%m}"


class ForecastWeight(models.Model):
    """A method's weight in a series' combined forecast, and the holdout error behind it."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="weights")
    series = models.CharField(max_length=40)
    kpi = models.CharField(max_length=20)
    method = models.CharField(max_length=20)
    smape = models.FloatField(null=True)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["run", "series", "kpi"])]

    def __str__(self) -> str:
        return f"{self.series} {self.kpi} {self.method}: {self.weight:.2f}"
