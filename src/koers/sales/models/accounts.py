"""Accounts, territories and products."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from koers.core.fields import CurrencyField, MoneyField
from koers.org.models import EffectiveDated, OrgUnit, Person

EXTERNAL_ID = {"max_length": 64, "unique": True, "null": True, "blank": True}


class Account(models.Model):
    """A customer or prospect, with its place in the customer relationship cycle."""

    class Lifecycle(models.TextChoices):
        POTENTIAL = "potential", _("Potential customer")
        NEW = "new", _("New customer")
        LOYAL = "loyal", _("Loyal customer")
        EX = "ex", _("Ex-customer")

    # Selling to these is new business; to loyal and ex-customers, existing business.
    NEW_BUSINESS = ("potential", "new")

    class SizeClass(models.TextChoices):
        SMALL = "small", _("Small (< 50 employees)")
        MEDIUM = "medium", _("Medium (50-249)")
        LARGE = "large", _("Large (250-999)")
        ENTERPRISE = "enterprise", _("Enterprise (1000+)")

    external_id = models.CharField(_("external id"), **EXTERNAL_ID)
    name = models.CharField(_("name"), max_length=160, db_index=True)
    segment = models.CharField(_("segment"), max_length=60, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=80, blank=True)
    size_class = models.CharField(
        _("size class"), max_length=12, choices=SizeClass.choices, blank=True
    )
    lifecycle = models.CharField(
        _("lifecycle stage"), max_length=10, choices=Lifecycle.choices, default=Lifecycle.POTENTIAL
    )
    country = models.CharField(_("country"), max_length=2, default="NL")
    city = models.CharField(_("city"), max_length=80, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    owner = models.ForeignKey(
        Person,
        verbose_name=_("account owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    created_on = models.DateField(_("created on"), null=True, blank=True)
    potential = MoneyField(
        _("yearly potential"),
        null=True,
        blank=True,
        help_text=_(
            "What the customer could buy from us in a year: the basis of targets "
            "set as a share of potential."
        ),
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["owner", "lifecycle"]),
            models.Index(fields=["country", "segment"]),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Give both coordinates or neither.")})


class Territory(models.Model):
    """A sales territory (rayon) within a unit."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="territories"
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class TerritoryAccount(EffectiveDated):
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territory"),
        on_delete=models.CASCADE,
        related_name="account_assignments",
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="territory_assignments",
    )

    class Meta:
        verbose_name = _("territory account assignment")
        verbose_name_plural = _("territory account assignments")
        indexes = [models.Index(fields=["account", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.account} → {self.territory}"


class TerritoryPerson(EffectiveDated):
    class Kind(models.TextChoices):
        PRIMARY = "primary", _("Primary")
        OVERLAY = "overlay", _("Overlay (specialist)")

    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territory"),
        on_delete=models.CASCADE,
        related_name="person_assignments",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="territory_assignments",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PRIMARY)

    class Meta:
        verbose_name = _("territory assignment")
        verbose_name_plural = _("territory assignments")
        indexes = [models.Index(fields=["person", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.person} → {self.territory}"


class ProductGroup(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    external_id = models.CharField(_("article number"), **EXTERNAL_ID)
    name = models.CharField(_("name"), max_length=160)
    group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("product group"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    list_price = MoneyField(_("list price"))
    standard_cost = MoneyField(_("standard cost"), null=True, blank=True)
    currency = CurrencyField(_("currency"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def margin_pct(self) -> Decimal | None:
        """Gross margin as a percentage of list price, or None without a cost."""
        if self.standard_cost is None or not self.list_price:
            return None
        return (self.list_price - self.standard_cost) / self.list_price * 100

    def clean(self) -> None:
        if self.list_price is not None and self.list_price < 0:
            raise ValidationError({"list_price": _("A list price cannot be negative.")})
        if self.standard_cost is not None and self.standard_cost < 0:
            raise ValidationError({"standard_cost": _("A cost cannot be negative.")})


class Bilingual(models.Model):
    """Configured names that users see in their own language."""

    name_en = models.CharField(_("name (English)"), max_length=80)
    name_nl = models.CharField(_("name (Dutch)"), max_length=80)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_nl if (get_language() or "en").startswith("nl") else self.name_en
