"""Stored forecasts: each fit of every series (the latest is what the pages show), frozen
snapshots (whose accuracy is measured once the actuals arrive) and backtests.

A series is a scope and a KPI: ``unit:7`` (everyone in unit 7 and below), ``person:12``
or ``group:3`` (a product group, organisation-wide), on ``revenue`` (euros) or ``volume``
(units)."""

from __future__ import annotations

from decimal import Decimal

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


class ForecastCall(models.Model):
    """A salesperson's (or manager's own) call of a month's revenue: commit (what they
    stand for), best case and pipeline (everything that could still land). A manager may
    adjust it with a reason; the adjusted figures then count in every roll-up, beside the
    person's own."""

    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"))
    commit = models.DecimalField(_("commit"), max_digits=18, decimal_places=2)
    best_case = models.DecimalField(_("best case"), max_digits=18, decimal_places=2)
    pipeline = models.DecimalField(_("pipeline"), max_digits=18, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    submitted_at = models.DateTimeField(_("called on"))
    adjusted_commit = models.DecimalField(
        _("adjusted commit"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    adjusted_best_case = models.DecimalField(
        _("adjusted best case"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    adjusted_pipeline = models.DecimalField(
        _("adjusted pipeline"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    adjusted_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("adjusted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason for the adjustment"), blank=True)
    adjusted_at = models.DateTimeField(_("adjusted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("forecast call")
        verbose_name_plural = _("forecast calls")
        ordering = ["month", "person"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="one_call_per_person_month")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.month:%Y-%m}"

    @property
    def adjusted(self) -> bool:
        return self.adjusted_at is not None

    def final(self, part: str) -> Decimal:
        """The figure that counts: the manager's adjustment where there is one."""
        adjusted = getattr(self, f"adjusted_{part}")
        return adjusted if adjusted is not None else getattr(self, part)


class OskaFactor(models.Model):
    """A factor of the OSKA order-scoring matrix (relationship, budget confirmed, decision
    maker reached, competition, timing, or the organisation's own) with its weight."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("OSKA factor")
        verbose_name_plural = _("OSKA factors")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return str(self.display_name)

    @property
    def display_name(self) -> str:
        """The default factors in the reader's language; the organisation's own as named."""
        defaults = {
            "relationship": _("Relationship with the customer"),
            "budget": _("Budget confirmed"),
            "decision_maker": _("Decision maker reached"),
            "competition": _("Our position against the competition"),
            "timing": _("Timing: a decision date agreed"),
        }
        return str(defaults.get(self.code, self.name))


class OskaScore(models.Model):
    """One scoring of an opportunity on the OSKA matrix: each factor 0 (no) to 3 (fully),
    the weighted total as a share of the maximum (0–100) and the probability it maps to."""

    opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="oska_scores",
    )
    scored_on = models.DateField(_("scored on"))
    scores = models.JSONField(_("scores"), default=dict)
    total = models.DecimalField(_("score %"), max_digits=5, decimal_places=1)
    probability = models.DecimalField(_("probability %"), max_digits=5, decimal_places=1)
    scored_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("scored by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("OSKA score")
        verbose_name_plural = _("OSKA scores")
        ordering = ["-scored_on", "-pk"]
        indexes = [models.Index(fields=["opportunity", "scored_on"])]

    def __str__(self) -> str:
        return f"{self.opportunity} {self.scored_on}: {self.total}"
