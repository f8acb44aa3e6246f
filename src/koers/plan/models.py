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


class TargetQuerySet(models.QuerySet):
    def overall(self) -> TargetQuerySet:
        """The targets of a person or unit as a whole (not those for one of their accounts
        or product groups): what KPI pages compare with and quotas read."""
        return self.filter(account__isnull=True, product_group__isnull=True)


class Target(models.Model):
    """What a person, or a unit as a whole, should reach on a KPI in a month: euros for
    money, a number for a count, a percentage for a rate. A target may be narrowed to one
    of the person's accounts or to a product group; the overall target stands beside those
    and is never their sum."""

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
    account = models.ForeignKey(
        "sales.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="targets",
        null=True,
        blank=True,
        help_text=_("For one account only (blank: overall)."),
    )
    product_group = models.ForeignKey(
        "sales.ProductGroup",
        verbose_name=_("product group"),
        on_delete=models.CASCADE,
        related_name="targets",
        null=True,
        blank=True,
        help_text=_("For one product group only (blank: overall)."),
    )
    month = models.DateField(_("month"))
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=2)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["month", "kpi"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "person", "month"],
                condition=models.Q(
                    person__isnull=False, account__isnull=True, product_group__isnull=True
                ),
                name="one_target_per_kpi_person_month",
            ),
            models.UniqueConstraint(
                fields=["kpi", "unit", "month"],
                condition=models.Q(
                    unit__isnull=False, account__isnull=True, product_group__isnull=True
                ),
                name="one_target_per_kpi_unit_month",
            ),
            models.UniqueConstraint(
                fields=["kpi", "person", "account", "month"],
                condition=models.Q(account__isnull=False),
                name="one_target_per_kpi_person_account_month",
            ),
            models.UniqueConstraint(
                fields=["kpi", "person", "product_group", "month"],
                condition=models.Q(
                    person__isnull=False, product_group__isnull=False, account__isnull=True
                ),
                name="one_target_per_kpi_person_group_month",
            ),
            models.UniqueConstraint(
                fields=["kpi", "unit", "product_group", "month"],
                condition=models.Q(unit__isnull=False, product_group__isnull=False),
                name="one_target_per_kpi_unit_group_month",
            ),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, unit__isnull=True)
                | models.Q(person__isnull=True, unit__isnull=False),
                name="target_for_a_person_or_a_unit",
            ),
        ]
        indexes = [models.Index(fields=["month", "kpi"])]

    def __str__(self) -> str:
        from koers.measure.catalogue import kpi_name

        return f"{kpi_name(self.kpi)} · {self.person or self.unit} · {self.month:%m-%Y}"

    def clean(self) -> None:
        if (self.person_id is None) == (self.unit_id is None):
            raise ValidationError(_("A target is for a person or for a unit: choose one."))
        if self.account_id and self.unit_id:
            raise ValidationError(
                {"account": _("An account's target is a person's: choose the person.")}
            )
        if self.account_id and self.product_group_id:
            raise ValidationError(
                {"product_group": _("Narrow a target to an account or to a product group.")}
            )
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
    product_group = models.ForeignKey(
        "sales.ProductGroup",
        verbose_name=_("product group"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("The year's target of one product group (blank: overall)."),
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
                fields=["year", "kpi", "unit", "version"],
                condition=models.Q(product_group__isnull=True),
                name="one_target_round_version",
            ),
            models.UniqueConstraint(
                fields=["year", "kpi", "unit", "product_group", "version"],
                condition=models.Q(product_group__isnull=False),
                name="one_group_target_round_version",
            ),
        ]

    def __str__(self) -> str:
        group = f" · {self.product_group}" if self.product_group_id else ""
        return f"{self.year} · {self.kpi}{group} · {self.unit} v{self.version}"


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
    def standing(self):  # type: ignore[no-untyped-def]
        """The number as it stands while the round is open: the agreed number, else the
        person's own bottom-up number, else the top-down proposal."""
        if self.agreed is not None:
            return self.agreed
        return self.bottom_up if self.bottom_up is not None else self.top_down

    @property
    def gap(self):  # type: ignore[no-untyped-def]
        """Bottom-up minus top-down (None before a bottom-up number)."""
        return None if self.bottom_up is None else self.bottom_up - self.top_down


class LongTermPlan(models.Model):
    """The strategy for three to five years: the ambition, the markets and segments chosen,
    the positioning and the value proposition. Annual plans follow from it."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=160)
    first_year = models.PositiveIntegerField(_("from year"))
    last_year = models.PositiveIntegerField(_("to year"))
    ambition = models.TextField(_("ambition"))
    market_choices = models.TextField(_("market choices and priority segments"), blank=True)
    positioning = models.TextField(_("positioning"), blank=True)
    value_proposition = models.TextField(_("value proposition"), blank=True)

    class Meta:
        verbose_name = _("long-term plan")
        verbose_name_plural = _("long-term plans")
        ordering = ["-first_year", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.first_year}–{self.last_year})"

    def clean(self) -> None:
        if self.first_year and self.last_year and not 2 <= self.last_year - self.first_year <= 4:
            raise ValidationError({"last_year": _("A long-term plan covers three to five years.")})


class AnnualPlan(models.Model):
    """The year's sales and marketing plan of a unit: its volumes and KPIs (the targets of
    the year's rounds), its initiatives and its budget, under a long-term plan."""

    long_term = models.ForeignKey(
        LongTermPlan,
        verbose_name=_("long-term plan"),
        on_delete=models.PROTECT,
        related_name="annual_plans",
        null=True,
        blank=True,
    )
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT)
    year = models.PositiveIntegerField(_("year"))
    goals = models.TextField(_("volumes, KPIs and targets"), blank=True)
    marketing = models.TextField(_("marketing"), blank=True)
    budget = models.DecimalField(
        _("budget"), max_digits=18, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["-year", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="one_annual_plan_per_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"

    def clean(self) -> None:
        lt = self.long_term
        if lt is not None and self.year and not lt.first_year <= self.year <= lt.last_year:
            raise ValidationError(
                {"year": _("The year lies outside the long-term plan it follows.")}
            )


class Initiative(models.Model):
    """Something the plan will do, with an owner and a date: a campaign, a new market, a
    training."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        STOPPED = "stopped", _("Stopped")

    long_term = models.ForeignKey(
        LongTermPlan,
        verbose_name=_("long-term plan"),
        on_delete=models.CASCADE,
        related_name="initiatives",
        null=True,
        blank=True,
    )
    annual = models.ForeignKey(
        AnnualPlan,
        verbose_name=_("annual plan"),
        on_delete=models.CASCADE,
        related_name="initiatives",
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=160)
    owner = models.ForeignKey(
        Person, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["due_date", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if (self.long_term_id is None) == (self.annual_id is None):
            raise ValidationError(
                _("An initiative belongs to a long-term plan or to an annual plan: choose one.")
            )


class IndividualPlan(models.Model):
    """A person's plan for the year: their targets (from the round), the activities they
    plan, their territory and account plans and their development goals."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="plans_for_year"
    )
    year = models.PositiveIntegerField(_("year"))
    annual = models.ForeignKey(
        AnnualPlan,
        verbose_name=_("annual plan"),
        on_delete=models.PROTECT,
        related_name="individual_plans",
        null=True,
        blank=True,
    )
    planned_activities = models.TextField(_("planned activities"), blank=True)
    accounts = models.TextField(_("territory and account plans"), blank=True)
    development = models.TextField(_("development goals"), blank=True)

    class Meta:
        verbose_name = _("individual plan")
        verbose_name_plural = _("individual plans")
        ordering = ["-year", "person__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="one_plan_per_person_year")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.year}"

    def clean(self) -> None:
        if self.annual_id and self.year and self.annual.year != self.year:
            raise ValidationError({"annual": _("The annual plan is of another year.")})


class AccountPlan(models.Model):
    """A key account's plan for a year: what we want there, who decides, what we know,
    what we choose to do and the money it should bring. Its page shows the account's
    deals, revenue against the expected revenue, and the owner's target."""

    account = models.ForeignKey(
        "sales.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="account_plans",
    )
    year = models.PositiveIntegerField(_("year"))
    objectives = models.TextField(_("objectives"))
    decision_makers = models.TextField(_("decision-making unit"), blank=True)
    research = models.TextField(_("research: the customer's situation"), blank=True)
    choices = models.TextField(_("choices"), blank=True)
    activities = models.TextField(_("activities"), blank=True)
    expected_revenue = models.DecimalField(
        _("expected revenue"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    substantiation = models.TextField(_("financial substantiation"), blank=True)

    class Meta:
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        ordering = ["-year", "account__name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "year"], name="one_account_plan_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.year}"
