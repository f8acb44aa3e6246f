"""Sales process, opportunities with their stage history and credit splits, activities,
campaigns and leads."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from koers.core.fields import CurrencyField, MoneyField, PercentField
from koers.org.models import Person
from koers.sales.models.accounts import EXTERNAL_ID, Account, Bilingual, ProductGroup


class SalesProcess(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    is_default = models.BooleanField(_("default process"), default=False)

    class Meta:
        verbose_name = _("sales process")
        verbose_name_plural = _("sales processes")

    def __str__(self) -> str:
        return self.name


class Stage(Bilingual):
    """A funnel stage with the default win probability used by the weighted pipeline."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    process = models.ForeignKey(
        SalesProcess,
        verbose_name=_("sales process"),
        on_delete=models.CASCADE,
        related_name="stages",
    )
    code = models.SlugField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.OPEN)
    probability = PercentField(_("probability %"), default=Decimal("0"))

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["process", "order"]
        constraints = [
            models.UniqueConstraint(fields=["process", "code"], name="stage_code_per_process")
        ]


class CloseReason(Bilingual):
    class Kind(models.TextChoices):
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)

    class Meta:
        verbose_name = _("close reason")
        verbose_name_plural = _("close reasons")
        ordering = ["kind", "name_en"]


class Source(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")


class Opportunity(models.Model):
    class ForecastCategory(models.TextChoices):
        PIPELINE = "pipeline", _("Pipeline")
        BEST_CASE = "best_case", _("Best case")
        COMMIT = "commit", _("Commit")

    external_id = models.CharField(_("external id"), **EXTERNAL_ID)
    name = models.CharField(_("name"), max_length=160)
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="opportunities"
    )
    owner = models.ForeignKey(  # indexed by its composite indexes, which lead with it
        Person,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
        db_index=False,
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    product_group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("product group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    amount = MoneyField(_("amount"), validators=[MinValueValidator(Decimal("0"))])
    currency = CurrencyField(_("currency"))
    # the amount in the reporting currency at the rate of the day it was created
    reporting_amount = MoneyField(_("amount (reporting currency)"), null=True, editable=False)
    created_on = models.DateField(_("created on"))
    expected_close_date = models.DateField(_("expected close date"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.ForeignKey(
        CloseReason,
        verbose_name=_("won/lost reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=10,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    is_new_business = models.BooleanField(_("new business"), default=False)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_on", "name"]
        indexes = [
            models.Index(fields=["owner", "stage"]),
            models.Index(fields=["expected_close_date"]),
            models.Index(fields=["closed_on"]),
            models.Index(fields=["created_on"]),
            models.Index(fields=["owner", "created_on"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        from koers.sales.currency import converted

        if self.created_on and self.currency:
            self.reporting_amount = converted(self.amount, self.currency, self.created_on)
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.stage.kind == Stage.Kind.OPEN

    def clean(self) -> None:
        errors: dict[str, str] = {}
        dates = self.created_on and self.expected_close_date
        if dates and self.expected_close_date < self.created_on:
            errors["expected_close_date"] = _("The expected close date lies before creation.")
        if self.stage_id:
            closed = self.stage.kind != Stage.Kind.OPEN
            if closed and not self.closed_on:
                errors["closed_on"] = _("A won or lost opportunity needs a close date.")
            if not closed and self.closed_on:
                errors["closed_on"] = _("An open opportunity has no close date.")
            if self.close_reason_id and self.close_reason.kind != self.stage.kind:
                errors["close_reason"] = _("The reason does not match a won or lost stage.")
        if self.closed_on and self.created_on and self.closed_on < self.created_on:
            errors["closed_on"] = _("The close date lies before creation.")
        if self.created_on and self.currency and not errors:
            from koers.sales.currency import missing_rate_message, rate_on

            if rate_on(self.currency, self.created_on) is None:
                errors["currency"] = missing_rate_message(self.currency, self.created_on)
        if errors:
            raise ValidationError(errors)


class StageChange(models.Model):
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="stage_history",
    )
    # indexed by (stage, changed on)
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, db_index=False
    )
    changed_on = models.DateField(_("changed on"))

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["opportunity", "changed_on", "id"]
        indexes = [models.Index(fields=["stage", "changed_on"])]

    def __str__(self) -> str:
        return f"{self.opportunity}: {self.stage} ({self.changed_on})"


class OpportunitySplit(models.Model):
    """A share of an opportunity's credit; an opportunity's splits add up to 100%."""

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="splits",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="splits"
    )
    percent = PercentField(_("share %"))

    class Meta:
        verbose_name = _("credit split")
        verbose_name_plural = _("credit splits")
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "person"], name="one_split_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.percent}%"


class Activity(models.Model):
    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")
        MEETING = "meeting", _("Meeting")
        DEMO = "demo", _("Demo")
        QUOTE = "quote", _("Quote")
        LEAD = "lead", _("Lead")

    class Outcome(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEUTRAL = "neutral", _("Neutral")
        NEGATIVE = "negative", _("Negative")
        NO_SHOW = "no_show", _("No show")

    external_id = models.CharField(_("external id"), **EXTERNAL_ID)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=0)
    # owner and account are indexed by the composite indexes that lead with them
    owner = models.ForeignKey(
        Person,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    subject = models.CharField(_("subject"), max_length=160, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    amount = MoneyField(_("quote value"), null=True, blank=True)
    currency = CurrencyField(_("currency"))

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date"]
        indexes = [
            models.Index(fields=["owner", "date"]),
            models.Index(fields=["kind", "date"]),
            models.Index(fields=["account", "date"]),
            # the list's order: the newest 50 read from the index, not sorted from all
            models.Index(fields=["-date", "id"], name="activity_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"

    def clean(self) -> None:
        linked = self.opportunity_id and self.account_id
        if linked and self.opportunity.account_id != self.account_id:
            raise ValidationError({"opportunity": _("The opportunity belongs to another account.")})


class Campaign(models.Model):
    """A marketing campaign of any kind; a trade fair also has its stand, staff days,
    visitors and the invitations sent before it. Its costs are its cost lines
    (``CampaignCost``); the budget is what was planned."""

    class Kind(models.TextChoices):
        TRADE_FAIR = "trade_fair", _("Trade fair")
        WEBINAR = "webinar", _("Webinar")
        MAILING = "mailing", _("Mailing")
        ONLINE = "online", _("Online")
        EVENT = "event", _("Event")
        OTHER = "other", _("Other")

    external_id = models.CharField(_("external id"), **EXTERNAL_ID)
    name = models.CharField(_("name"), max_length=160)
    # a database default too: imports and the demo write rows set-based
    kind = models.CharField(
        _("type"), max_length=12, choices=Kind.choices, default=Kind.OTHER, db_default=Kind.OTHER
    )
    channel = models.CharField(_("channel"), max_length=60, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    budget = MoneyField(_("budget"), default=Decimal("0"))
    currency = CurrencyField(_("currency"))
    # a trade fair
    stand_m2 = models.DecimalField(
        _("stand (m²)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    staff_days = models.DecimalField(
        _("staff days"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    visitors = models.PositiveIntegerField(_("visitors to the stand"), null=True, blank=True)
    invitations = models.PositiveIntegerField(_("invitations sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date lies before the start date.")})


class Lead(models.Model):
    class Quality(models.TextChoices):
        COLD = "cold", _("Cold")
        WARM = "warm", _("Warm")
        HOT = "hot", _("Hot")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        WORKING = "working", _("Working")
        QUALIFIED = "qualified", _("Qualified")
        DISQUALIFIED = "disqualified", _("Disqualified")
        CONVERTED = "converted", _("Converted to opportunity")

    external_id = models.CharField(_("external id"), **EXTERNAL_ID)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    company_name = models.CharField(_("company"), max_length=160)
    contact_name = models.CharField(_("contact"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default="new")
    created_on = models.DateField(_("created on"))
    owner = models.ForeignKey(  # indexed by the composite index that leads with it
        Person,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,
    )
    opportunity = models.OneToOneField(
        Opportunity,
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lead",
    )
    converted_on = models.DateField(_("converted on"), null=True, blank=True)
    quality = models.CharField(
        _("quality"), max_length=4, choices=Quality.choices, blank=True, default="", db_default=""
    )
    # the day sales took the lead on (the agreed follow-up time runs from its creation)
    accepted_on = models.DateField(_("accepted by sales on"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_on"]
        indexes = [
            models.Index(fields=["created_on", "source"]),
            models.Index(fields=["owner", "created_on"]),
        ]

    def __str__(self) -> str:
        return self.company_name

    def clean(self) -> None:
        converted = self.status == self.Status.CONVERTED
        if converted and not (self.opportunity_id and self.converted_on):
            raise ValidationError(
                {"opportunity": _("A converted lead needs its opportunity and conversion date.")}
            )
        if self.converted_on and self.created_on and self.converted_on < self.created_on:
            raise ValidationError({"converted_on": _("The conversion lies before creation.")})
        if self.accepted_on and self.created_on and self.accepted_on < self.created_on:
            raise ValidationError(
                {"accepted_on": _("Sales cannot accept a lead before it exists.")}
            )
