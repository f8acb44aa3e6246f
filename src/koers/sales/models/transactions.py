"""Order and invoice lines (the transactions pay is calculated on) and NPS answers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from koers.core.fields import CurrencyField, MoneyField, PercentField
from koers.org.models import Person
from koers.sales.models.accounts import EXTERNAL_ID, Account, Product
from koers.sales.models.pipeline import Opportunity


class OrderLine(models.Model):
    """One order or invoice line. Cancellations and returns are negative lines that
    reference the original line, so history is never rewritten."""

    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        CANCELLATION = "cancellation", _("Cancellation")
        RETURN = "return", _("Return")

    class Status(models.TextChoices):
        """Where the line stands in the customer's system. What counts as revenue is a
        setting (``KOERS_REVENUE_STATUSES``); a cancelled line never counts."""

        ORDERED = "ordered", _("Ordered")
        SHIPPED = "shipped", _("Shipped")
        INVOICED = "invoiced", _("Invoiced")
        ON_HOLD = "on_hold", _("On hold")
        DISPUTED = "disputed", _("Disputed")
        CANCELLED = "cancelled", _("Cancelled")

    external_id = models.CharField(_("external id"), **EXTERNAL_ID)
    order_number = models.CharField(_("order number"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SALE)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ORDERED
    )
    order_date = models.DateField(_("order date"))
    # account and product are indexed by the (account, date) and (product, date) indexes,
    # which serve a lookup by either alone: an index of its own would be one more to keep
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="order_lines",
        db_index=False,
    )
    # a line without product counts for revenue; product-group rules skip it
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_lines",
        db_index=False,
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    amount = MoneyField(_("amount"))
    cost = MoneyField(_("cost"), null=True, blank=True)
    currency = CurrencyField(_("currency"))
    # the amount and cost in the reporting currency at the rate of the order date
    reporting_amount = MoneyField(_("amount (reporting currency)"), null=True, editable=False)
    reporting_cost = MoneyField(
        _("cost (reporting currency)"), null=True, blank=True, editable=False
    )
    invoice_date = models.DateField(_("invoice date"), null=True, blank=True)
    paid_date = models.DateField(_("paid on"), null=True, blank=True)
    original = models.ForeignKey(
        "self",
        verbose_name=_("original line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["-order_date", "id"]
        indexes = [
            models.Index(fields=["order_date"]),
            models.Index(fields=["account", "order_date"]),
            models.Index(fields=["product", "order_date"]),
            models.Index(fields=["invoice_date"]),
        ]

    def __str__(self) -> str:
        return self.order_number or f"#{self.pk}"

    def save(self, *args, **kwargs) -> None:
        from koers.sales.currency import converted

        if self.order_date and self.currency:
            self.reporting_amount = converted(self.amount, self.currency, self.order_date)
            self.reporting_cost = converted(self.cost, self.currency, self.order_date)
        super().save(*args, **kwargs)

    @property
    def gross_margin(self):
        return None if self.cost is None else self.amount - self.cost

    def clean(self) -> None:
        errors: dict[str, str] = {}
        is_correction = self.kind != self.Kind.SALE
        if is_correction and not self.original_id:
            errors["original"] = _("A cancellation or return must reference its original line.")
        if is_correction and self.amount is not None and self.amount > 0:
            errors["amount"] = _("A cancellation or return is a negative amount.")
        if not is_correction and self.original_id:
            errors["original"] = _("Only a cancellation or return references an original line.")
        if self.invoice_date and self.order_date and self.invoice_date < self.order_date:
            errors["invoice_date"] = _("The invoice date lies before the order date.")
        if self.order_date and self.currency and not errors:
            from koers.sales.currency import missing_rate_message, rate_on

            if rate_on(self.currency, self.order_date) is None:
                errors["currency"] = missing_rate_message(self.currency, self.order_date)
        if self.paid_date and not self.invoice_date:
            errors["paid_date"] = _("A line can only be paid once it is invoiced.")
        elif self.paid_date and self.paid_date < self.invoice_date:
            errors["paid_date"] = _("The payment date lies before the invoice date.")
        if errors:
            raise ValidationError(errors)


class OrderLineCredit(models.Model):
    """Who gets credit for an order line, and which share; a line's shares add up to 100%."""

    # indexed by the unique (line, person) and the (person, line) index
    line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        on_delete=models.CASCADE,
        related_name="credits",
        db_index=False,
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="credits",
        db_index=False,
    )
    percent = PercentField(_("share %"))

    class Meta:
        verbose_name = _("credit holder")
        verbose_name_plural = _("credit holders")
        constraints = [
            models.UniqueConstraint(fields=["line", "person"], name="one_credit_per_person")
        ]
        indexes = [models.Index(fields=["person", "line"])]

    def __str__(self) -> str:
        return f"{self.person} {self.percent}%"


class NpsResponse(models.Model):
    """An answer to “how likely, 0-10, are you to recommend us?”."""

    external_id = models.CharField(_("external id"), **EXTERNAL_ID)
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="nps_responses"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nps_responses",
    )
    contact_name = models.CharField(_("contact"), max_length=120, blank=True)
    score = models.PositiveSmallIntegerField(
        _("score (0-10)"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    comment = models.TextField(_("what should we improve?"), blank=True)
    responded_on = models.DateField(_("answered on"))

    class Meta:
        verbose_name = _("NPS response")
        verbose_name_plural = _("NPS responses")
        ordering = ["-responded_on"]
        indexes = [models.Index(fields=["responded_on"]), models.Index(fields=["account"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=10), name="nps_score_0_10"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.score}"
