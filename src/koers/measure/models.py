"""Pre-aggregated KPI facts: one numerator and denominator per KPI, person and month."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from koers.core.fields import CurrencyField, MoneyField
from koers.engine import kpi
from koers.engine.custom_kpi import MONEY_MEASURES
from koers.org.models import OrgUnit, Person


class KpiFact(models.Model):
    kpi = models.CharField(_("KPI"), max_length=40)
    person = models.ForeignKey(  # indexed by (person, month)
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="kpi_facts",
        db_index=False,
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


class GroupSalesFact(models.Model):
    """Credited revenue and quantity per person, month and product group: the pre-aggregated
    basis of the volume, mix and price analysis. Refreshed with the KPI facts."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    product_group = models.ForeignKey(
        "sales.ProductGroup", on_delete=models.CASCADE, related_name="+"
    )
    revenue_cents = models.BigIntegerField()
    quantity = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["month", "person"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month} {self.product_group_id}"


class AccountMonthFact(models.Model):
    """An account's order revenue and gross margin (of the lines with a known cost) per
    month, in cents: the pre-aggregated basis of the customers page. Refreshed with the
    KPI facts."""

    account = models.ForeignKey(  # indexed by (account, month)
        "sales.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()
    revenue_cents = models.BigIntegerField()
    margin_cents = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["account", "month"]), models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month}"


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


class CustomKpi(models.Model):
    """A KPI an administrator defines without code: a measure over one source with filters,
    or the ratio of two additive KPIs. Its facts are kept with the built-in ones."""

    class Kind(models.TextChoices):
        MEASURE = "measure", _("Measure over a data source")
        RATIO = "ratio", _("Ratio of two KPIs")

    class Source(models.TextChoices):
        ACTIVITIES = "activities", _("Activities")
        ORDERS = "orders", _("Order lines (credited)")
        OPPORTUNITIES_CREATED = "opportunities_created", _("Opportunities created")
        OPPORTUNITIES_WON = "opportunities_won", _("Opportunities won")
        LEADS = "leads", _("Leads")

    class Measure(models.TextChoices):
        COUNT = "count", _("Number of records")
        AMOUNT = "amount", _("Amount")
        MARGIN = "margin", _("Gross margin")
        QUANTITY = "quantity", _("Quantity")

    class Timing(models.TextChoices):
        LEADING = "leading", _("Leading")
        LAGGING = "lagging", _("Lagging")

    class Level(models.TextChoices):
        ACTIVITY = "activity", _("Activity")
        RESULT = "result", _("Result")

    class Business(models.TextChoices):
        NEW = "new", _("New business (potential and new accounts)")
        EXISTING = "existing", _("Existing business (loyal and former accounts)")

    class RatioUnit(models.TextChoices):
        PERCENT = "percent", _("Percentage")
        NUMBER = "count", _("Number")
        MONEY = "money", _("Amount in euros")

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Short name used in imports and the API, e.g. quotes_service."),
    )
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_nl = models.CharField(_("name (Dutch)"), max_length=80)
    description_en = models.CharField(_("description (English)"), max_length=240, blank=True)
    description_nl = models.CharField(_("description (Dutch)"), max_length=240, blank=True)
    timing = models.CharField(_("leading or lagging"), max_length=8, choices=Timing.choices)
    level = models.CharField(_("activity or result"), max_length=8, choices=Level.choices)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.MEASURE)
    source = models.CharField(_("data source"), max_length=24, choices=Source.choices, blank=True)
    measure = models.CharField(
        _("measure"), max_length=10, choices=Measure.choices, default=Measure.COUNT
    )
    activity_kind = models.CharField(_("activity kind"), max_length=8, blank=True)
    product_group = models.ForeignKey(
        "sales.ProductGroup",
        verbose_name=_("product group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    segment = models.CharField(_("account segment"), max_length=60, blank=True)
    business = models.CharField(
        _("new or existing business"), max_length=8, choices=Business.choices, blank=True
    )
    lead_source = models.CharField(_("lead source"), max_length=10, blank=True)
    numerator = models.CharField(_("numerator KPI"), max_length=40, blank=True)
    denominator = models.CharField(_("denominator KPI"), max_length=40, blank=True)
    ratio_unit = models.CharField(
        _("shown as"), max_length=8, choices=RatioUnit.choices, default=RatioUnit.PERCENT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("custom KPI")
        verbose_name_plural = _("custom KPIs")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.code})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from koers.engine.custom_kpi import SOURCES
        from koers.engine.kpi import CATALOGUE

        errors: dict[str, str] = {}
        if self.code in CATALOGUE:
            errors["code"] = _("This code belongs to a built-in KPI.")
        if self.kind == self.Kind.MEASURE:
            if self.source not in SOURCES:
                errors["source"] = _("Choose the data source to measure.")
            else:
                _frame, _date, measures, filters = SOURCES[self.source]
                if self.measure not in measures:
                    errors["measure"] = _("This source can only be counted, not summed.")
                for name, label in (
                    ("activity_kind", _("activity kind")),
                    ("product_group_id", _("product group")),
                    ("segment", _("account segment")),
                    ("business", _("new or existing business")),
                    ("lead_source", _("lead source")),
                ):
                    if getattr(self, name) not in ("", None) and name not in filters:
                        field = name.removesuffix("_id")
                        errors[field] = _("This source cannot be filtered on %(what)s.") % {
                            "what": label
                        }
        else:
            errors |= self._ratio_errors()
        if errors:
            raise ValidationError(errors)

    def definition(self) -> kpi.KpiDefinition:
        """This KPI as the engine knows KPIs."""
        if self.kind == self.Kind.RATIO:
            unit, ratio = self.ratio_unit, True
        else:
            unit, ratio = ("money" if self.measure in MONEY_MEASURES else "count"), False
        return kpi.KpiDefinition(
            code=self.code,
            name_en=self.name_en,
            name_nl=self.name_nl,
            timing=self.timing,
            level=self.level,
            unit=unit,
            higher_is_better=self.higher_is_better,
            scale=100 if unit == "percent" else 1,
            ratio=ratio,
            divisor=kpi.MILLI if not ratio and self.measure == "quantity" else 1,
            description_en=self.description_en,
            description_nl=self.description_nl,
            custom=True,
        )

    def _ratio_errors(self) -> dict[str, str]:
        known = {
            **kpi.CATALOGUE,
            **{c.code: c.definition() for c in CustomKpi.objects.exclude(pk=self.pk)},
        }
        errors: dict[str, str] = {}
        for field in ("numerator", "denominator"):
            code = getattr(self, field)
            if not code:
                errors[field] = _("Choose a KPI.")
            elif code not in known or code == self.code:
                errors[field] = _("“%(code)s” is not a KPI Koers knows.") % {"code": code}
            elif known[code].ratio:
                errors[field] = _(
                    "A ratio divides counts or amounts; “%(name)s” is itself a ratio."
                ) % {"name": known[code].name_en}
        money = self.ratio_unit == self.RatioUnit.MONEY
        if (
            not errors
            and money
            and (known[self.numerator].unit != "money" or known[self.denominator].unit == "money")
        ):
            errors["ratio_unit"] = _("An amount in euros needs an amount on top and a count below.")
        return errors


class OperatingCost(models.Model):
    """A unit's operating costs in a month (people, cars, offices, marketing: everything but
    the cost of goods sold), in the reporting currency. With them the benchmark shows EBIT:
    gross margin minus operating costs."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="costs"
    )
    month = models.DateField(_("month"))
    amount = MoneyField(_("operating costs"))

    class Meta:
        verbose_name = _("operating costs")
        verbose_name_plural = _("operating costs")
        ordering = ["-month", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="one_cost_per_unit_month")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.month and self.month.day != 1:
            raise ValidationError({"month": _("A month is given by its first day.")})
        if self.amount is not None and self.amount < 0:
            raise ValidationError({"amount": _("Operating costs cannot be negative.")})


class Expense(models.Model):
    """What a person's selling costs besides pay: travel, a lease car, meals with customers,
    a phone, a course. In its own currency, counted in the reporting currency at the rate
    of its date. With pay, it is the cost of sales set against the gross margin brought."""

    class Category(models.TextChoices):
        TRAVEL = "travel", _("Travel")
        CAR = "car", _("Car")
        MEALS = "meals", _("Meals and hospitality")
        PHONE = "phone", _("Phone and IT")
        TRAINING = "training", _("Training")
        OTHER = "other", _("Other")

    external_id = models.CharField(
        _("external id"), max_length=64, unique=True, null=True, blank=True
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="expenses"
    )
    date = models.DateField(_("date"))
    category = models.CharField(
        _("category"), max_length=10, choices=Category.choices, default=Category.OTHER
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["-date", "person"]
        indexes = [
            models.Index(fields=["person", "date"], name="expense_person_date"),
            # the list's order: the newest 50 read from the index, not sorted from all
            models.Index(fields=["-date", "id"], name="expense_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.date:%Y-%m-%d} {self.get_category_display()}"


class StaleMonth(models.Model):
    """A month whose sales data changed after its KPI facts were last computed (a record
    saved through a form or the API). A calculation run refreshes the stale months it reads
    before it pays on them; every refresh of a month clears it."""

    month = models.DateField(_("month"), unique=True)
    since = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("month to refresh")
        verbose_name_plural = _("months to refresh")
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class StaleScope(models.Model):
    """The facts of one person (their KPI and product group facts) or one account (its
    month facts) in a month, changed by a record edit after they were last computed: a
    refresh recomputes only these keys, not the whole month. Ids, not foreign keys: a key
    whose person or account is gone refreshes to nothing."""

    month = models.DateField(_("month"))
    person_id = models.BigIntegerField(null=True)
    account_id = models.BigIntegerField(null=True)
    since = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("figures to refresh")
        verbose_name_plural = _("figures to refresh")
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "person_id"],
                condition=models.Q(person_id__isnull=False),
                name="one_stale_person_month",
            ),
            models.UniqueConstraint(
                fields=["month", "account_id"],
                condition=models.Q(account_id__isnull=False),
                name="one_stale_account_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.person_id or ''}{self.account_id or ''}"
