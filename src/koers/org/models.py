"""Organisation: units as a tree, the people in them, who may see what, and the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from koers.core.fields import CurrencyField, MoneyField


class Role(models.TextChoices):
    SALESPERSON = "salesperson", _("Salesperson")
    MANAGER = "manager", _("Sales manager")
    DIRECTOR = "director", _("Sales director")
    COMP_ADMIN = "compadmin", _("Compensation administrator")
    ADMIN = "admin", _("Administrator")
    MARKETING = "marketing", _("Marketing")


class OrgUnitQuerySet(models.QuerySet["OrgUnit"]):
    def subtree_of(self, unit: OrgUnit) -> OrgUnitQuerySet:
        return self.filter(path__startswith=unit.path)


class OrgUnit(models.Model):
    """A node of the organisation: company, country or region, team.

    ``path`` is a materialised path ("0001.0004.0012.") kept by the services so
    that a whole subtree is one indexed prefix query.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        COUNTRY = "country", _("Country")
        REGION = "region", _("Region")
        TEAM = "team", _("Team")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    country = models.CharField(_("country"), max_length=2, blank=True)
    team_selling = models.BooleanField(
        _("team selling"),
        default=False,
        help_text=_("The unit sells as a team; individual bonuses do not fit here."),
    )

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count(".") - 1 if self.path else 0

    def clean(self) -> None:
        if self.parent_id and self.pk and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("A unit cannot be placed under itself.")})
        if self.kind != self.Kind.COMPANY and not self.parent_id:
            raise ValidationError({"parent": _("Only the company has no parent unit.")})


class PersonQuerySet(models.QuerySet["Person"]):
    def active_on(self, day: dt.date) -> PersonQuerySet:
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)

    def in_subtree(self, unit: OrgUnit) -> PersonQuerySet:
        return self.filter(unit__path__startswith=unit.path)


class Person(models.Model):
    """Someone in the sales organisation, with or without a login."""

    class Focus(models.TextChoices):
        HUNTER = "hunter", _("Hunter (new business)")
        FARMER = "farmer", _("Farmer (existing customers)")
        MIXED = "mixed", _("Mixed")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    external_id = models.CharField(
        _("external id"), max_length=64, unique=True, null=True, blank=True
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    email = models.EmailField(_("e-mail"), blank=True)
    job_title = models.CharField(_("job title"), max_length=80, blank=True)
    role = models.CharField(
        _("role"), max_length=12, choices=Role.choices, default=Role.SALESPERSON
    )
    sales_focus = models.CharField(
        _("sales focus"), max_length=8, choices=Focus.choices, default=Focus.MIXED
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="people"
    )
    fte = models.DecimalField(
        _("FTE"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1.00"))],
    )
    start_date = models.DateField(_("employed from"))
    end_date = models.DateField(_("employed until"), null=True, blank=True)
    base_salary = MoneyField(_("annual base salary"), default=Decimal("0"))
    currency = CurrencyField(_("currency"))
    show_on_leaderboard = models.BooleanField(_("shown by name on leaderboards"), default=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["unit", "role"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return str(self)

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date lies before the start date.")})
        if self.base_salary is not None and self.base_salary < 0:
            raise ValidationError({"base_salary": _("A base salary cannot be negative.")})
        if self.manager_id and self.pk and self.manager_id == self.pk:
            raise ValidationError({"manager": _("Nobody can be their own manager.")})


class EffectiveDated(models.Model):
    """An assignment valid from ``valid_from`` up to and including ``valid_to``."""

    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("“Valid until” lies before “valid from”.")})

    @classmethod
    def valid_on_q(cls, day: dt.date) -> Q:
        return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class ManagerLink(EffectiveDated):
    """Who a person reported to over time; roll-ups of credit use the one valid on the day
    of the credit."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="manager_links"
    )
    manager = models.ForeignKey(
        Person,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("reporting line")
        verbose_name_plural = _("reporting lines")
        ordering = ["person", "valid_from"]

    def __str__(self) -> str:
        return f"{self.person} → {self.manager} ({self.valid_from})"


class UnitMembership(EffectiveDated):
    """Which unit a person belonged to over time; calculations use the one valid that day."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships"
    )

    class Meta:
        verbose_name = _("unit membership")
        verbose_name_plural = _("unit memberships")
        ordering = ["person", "valid_from"]
        indexes = [models.Index(fields=["unit", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.person} @ {self.unit} ({self.valid_from})"


class AuditEvent(models.Model):
    """Who changed what, when, with the values before and after."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40)
    model = models.CharField(_("record type"), max_length=60)
    object_id = models.CharField(_("record id"), max_length=40)
    object_repr = models.CharField(_("record"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at"]
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class Organisation(models.Model):
    """The installation's own settings, asked of the first administrator (``koers.org.setup``):
    one row. Until it exists the deployment's settings (``KOERS_REPORTING_CURRENCY``,
    ``KOERS_FISCAL_YEAR_START_MONTH``, ``KOERS_REVENUE_STATUSES``, ``LANGUAGE_CODE``) hold."""

    name = models.CharField(_("organisation's name"), max_length=120)
    reporting_currency = CurrencyField(_("reporting currency"), default="EUR")
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    language = models.CharField(_("language"), max_length=5, default="nl")
    revenue_statuses = models.JSONField(_("order statuses that count as revenue"), default=list)
    set_up_at = models.DateTimeField(_("set up on"), auto_now=True)
    set_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set up by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")

    def __str__(self) -> str:
        return self.name
