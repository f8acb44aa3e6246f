"""Targets per KPI and month, for a person or for a unit. Set here by import; the Plan phase
will derive them top-down and substantiate them bottom-up.

A person's target is their own. A unit's target is the group's (a team bonus target, a
region's budget): it is never added to the members' own targets. A group's target is its
unit target where one is set, otherwise the sum over the distinct people in it of their own
targets (for a ratio KPI, their average); ``koers.measure.selectors.target_values`` and the
Reward quotas both read it that way."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from koers.org.models import OrgUnit, Person


def validate_kpi(code: str) -> None:
    from koers.measure.catalogue import definitions

    if code not in definitions():
        raise ValidationError(_("“%(code)s” is not a KPI Koers knows."), params={"code": code})


class Target(models.Model):
    """What a person, or a unit as a whole, should reach on a KPI in a month: euros for
    money, a number for a count, a percentage for a rate."""

    kpi = models.CharField(_("KPI"), max_length=40, validators=[validate_kpi])
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="targets",
        null=True,
        blank=True,
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="targets",
        null=True,
        blank=True,
        help_text=_("A target of the unit as a whole, instead of a person's own."),
    )
    month = models.DateField(_("month"))
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["month", "kpi"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "person", "month"],
                condition=models.Q(person__isnull=False),
                name="one_target_per_kpi_person_month",
            ),
            models.UniqueConstraint(
                fields=["kpi", "unit", "month"],
                condition=models.Q(unit__isnull=False),
                name="one_target_per_kpi_unit_month",
            ),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, unit__isnull=True)
                | models.Q(person__isnull=True, unit__isnull=False),
                name="target_for_a_person_or_a_unit",
            ),
        ]
        indexes = [models.Index(fields=["month", "kpi"])]

    def __str__(self) -> str:
        return f"{self.kpi} {self.person or self.unit} {self.month:%Y-%m}: {self.value}"

    def clean(self) -> None:
        if (self.person_id is None) == (self.unit_id is None):
            raise ValidationError(_("A target is for a person or for a unit: choose one."))
        if self.month and self.month.day != 1:
            raise ValidationError({"month": _("A target is for a month: use its first day.")})
        if self.value is not None and self.value < 0:
            raise ValidationError({"value": _("A target cannot be negative.")})


class TargetRound(models.Model):
    """One planning round of a year's target on one KPI for a unit and everyone below it:
    the director's top-down proposal, each person's bottom-up number, the managers'
    agreement and the director's approval, which writes the monthly targets. A change
    after approval is a new version of the round, with its reason."""

    class Method(models.TextChoices):
        HISTORY = "history", _("Share of last year")
        POTENTIAL = "potential", _("Share of potential")
        FTE = "fte", _("Equal per FTE")
        WORKLOAD = "workload", _("By workload")
        HAND = "hand", _("By hand")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft: top-down proposal")
        OPEN = "open", _("Open for bottom-up numbers")
        APPROVED = "approved", _("Approved and locked")

    year = models.PositiveIntegerField(_("year"))
    kpi = models.CharField(_("KPI"), max_length=40, validators=[validate_kpi])
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    total = models.DecimalField(_("target for the year"), max_digits=18, decimal_places=2)
    method = models.CharField(
        _("divided by"), max_length=10, choices=Method.choices, default=Method.HISTORY
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    reason = models.TextField(_("reason for this version"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("target round")
        verbose_name_plural = _("target rounds")
        ordering = ["-year", "kpi", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "kpi", "unit", "version"], name="one_target_round_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.kpi} · {self.unit} v{self.version}"


class TargetProposal(models.Model):
    """One person's year in a round: the top-down proposal, their own bottom-up number with
    its substantiation, and the number their manager agreed."""

    round = models.ForeignKey(
        TargetRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="proposals"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    top_down = models.DecimalField(_("top-down"), max_digits=18, decimal_places=2)
    bottom_up = models.DecimalField(
        _("bottom-up"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    substantiation = models.TextField(_("substantiation"), blank=True)
    agreed = models.DecimalField(
        _("agreed"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("target proposal")
        verbose_name_plural = _("target proposals")
        ordering = ["round", "person"]
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="one_proposal_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.person}"

    @property
    def final(self):  # type: ignore[no-untyped-def]
        """What approval makes the target: the agreed number, else the top-down one."""
        return self.agreed if self.agreed is not None else self.top_down

    @property
    def gap(self):  # type: ignore[no-untyped-def]
        """Bottom-up minus top-down (None before a bottom-up number)."""
        return None if self.bottom_up is None else self.bottom_up - self.top_down
