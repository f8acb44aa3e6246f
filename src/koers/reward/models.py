"""Incentive plans, who is on which plan, calculation runs and their payout lines."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from koers.core.fields import MoneyField
from koers.org.models import Person
from koers.sales.models import OrderLine


class Plan(models.Model):
    """A versioned plan document (YAML): its components, measures and payout rules."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    document = models.TextField(_("plan document (YAML)"))
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    class Meta:
        verbose_name = _("incentive plan")
        verbose_name_plural = _("incentive plans")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="one_plan_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from koers.reward.documents import PlanDocumentError, parse_plan

        try:
            parse_plan(self.document)
        except PlanDocumentError as error:
            raise ValidationError({"document": error.messages}) from error


class PlanAssignment(models.Model):
    """A person on a plan for a stretch of time, with the yearly target incentive (the
    variable pay at 100% of every goal)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="plans"
    )
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="assignments"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    target_incentive = MoneyField(_("target incentive per year"))

    class Draw(models.TextChoices):
        NONE = "", _("No draw")
        RECOVERABLE = "recoverable", _("Recoverable draw")
        GUARANTEE = "guarantee", _("Guarantee (not recovered)")

    draw_kind = models.CharField(
        _("draw"), max_length=12, choices=Draw.choices, default="", blank=True
    )
    draw_amount = MoneyField(_("draw per month"), default=Decimal("0"))
    draw_until = models.DateField(_("draw until"), null=True, blank=True)
    overrides = models.TextField(
        _("own rates"),
        blank=True,
        default="",
        help_text=_(
            "This person's own parameters, in place of the plan's: per component code its "
            "rate, tiers, curve, cap or incentive share, e.g. “commission: {rate: 2.5%}”."
        ),
    )

    class Meta:
        verbose_name = _("plan assignment")
        verbose_name_plural = _("plan assignments")
        ordering = ["person", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.person} · {self.plan}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end lies before the start.")})
        if self.draw_kind and not (self.draw_amount or 0) > 0:
            raise ValidationError({"draw_amount": _("A draw needs an amount per month.")})
        if self.target_incentive is not None and self.target_incentive < 0:
            raise ValidationError({"target_incentive": _("A target incentive is not negative.")})
        if self.overrides.strip() and self.plan_id:
            from koers.reward.documents import PlanDocumentError, parse_plan, with_overrides

            try:
                parse_plan(with_overrides(self.plan.document, self.overrides))
            except PlanDocumentError as error:
                raise ValidationError({"overrides": error.messages}) from error

    def document(self) -> str:
        """The plan document with this person's own rates in place."""
        from koers.reward.documents import with_overrides

        return with_overrides(self.plan.document, self.overrides)


class CalcRun(models.Model):
    """The calculation of one month. Open runs are recalculated; approval freezes the
    figures, locking releases them to payroll."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved")
        LOCKED = "locked", _("Locked (paid)")

    month = models.DateField(_("month"), unique=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default="open")
    # the currency of the run's figures: the reporting currency when it was calculated
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    calculated_at = models.DateTimeField(_("calculated at"), null=True)
    approved_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the ``TraceSet`` that holds the credited rows of this run's lines
    trace_set = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calculation run")
        verbose_name_plural = _("calculation runs")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class PayoutLine(models.Model):
    """One person's result on one plan component for the period that ends in (or runs
    through) the run's month."""

    run = models.ForeignKey(CalcRun, on_delete=models.CASCADE, related_name="lines")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="payout_lines")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    component = models.CharField(_("component"), max_length=40)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    measure = models.BigIntegerField(_("measure"))  # cents, or units for volume
    quota = models.BigIntegerField(_("quota"), null=True)
    attainment_ppm = models.BigIntegerField(_("attainment"), null=True)
    # the bonus at 100%, prorated to the period and the days on the plan (cents)
    target_incentive_cents = models.BigIntegerField(default=0)
    earnings = MoneyField(_("earnings"))
    # a gate or multiplier: the attainment of its KPI and the factor it gave (ppm)
    modifier_ppm = models.BigIntegerField(null=True, blank=True)
    factor_ppm = models.BigIntegerField(null=True, blank=True)
    payable = models.BooleanField(_("payable this month"), default=False)
    # a correction of a closed month: the difference between that month's paid line and
    # its recalculation now, paid in this (open) run
    correction_of = models.DateField(_("correction of"), null=True, blank=True)
    # the trace, derived when read from the run's credited rows stored once (``TraceRow``):
    # the rows of ``basis`` whose holder is ``trace_root`` (or, with ``trace_subtree``,
    # anyone below the root on the row's date: ``TraceReach``), dated ``trace_from`` to
    # ``trace_to``; ``traced`` is their sum. A line of a run stored before has its rows in
    # ``PayoutCredit`` instead (``basis`` empty).
    basis = models.PositiveSmallIntegerField(null=True, blank=True)
    trace_root = models.BigIntegerField(null=True, blank=True)
    trace_subtree = models.BooleanField(default=False)
    trace_from = models.DateField(null=True, blank=True)
    trace_to = models.DateField(null=True, blank=True)
    traced = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")
        ordering = ["person", "component"]
        indexes = [models.Index(fields=["person", "run"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.component} · {self.period_start:%m-%Y}"

    def trace(self) -> models.QuerySet:
        """The credited rows behind this line (``order_line``, ``value``), as they were
        when it was calculated."""
        if self.basis is None:
            return self.credits.all()
        rows = TraceRow.objects.filter(
            trace_set_id=self.run.trace_set,
            run_id=self.run_id,
            basis=self.basis,
            date__gte=self.trace_from,
            date__lte=self.trace_to,
        )
        if not self.trace_subtree:
            return rows.filter(person_id=self.trace_root)
        reach = TraceReach.objects.filter(
            run_id=self.run_id,
            root_id=self.trace_root,
            holder_id=models.OuterRef("person_id"),
            valid_from__lte=models.OuterRef("date"),
            valid_to__gte=models.OuterRef("date"),
        )
        return rows.filter(models.Exists(reach))


class RestatedLine(models.Model):
    """What a closed month paid on one line, restated in another reporting currency when
    the reporting currency changed (``koers currency-switch``): the month as it would be
    calculated in ``currency``, less the corrections that were still pending at the switch,
    converted. Corrections and year-to-date lines compare like with like against it; the
    month's own lines and payouts stay as they were paid."""

    run = models.ForeignKey(CalcRun, on_delete=models.CASCADE, related_name="restated")
    currency = models.CharField(_("currency"), max_length=3)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    component = models.CharField(_("component"), max_length=40)
    period_start = models.DateField(_("period start"))
    earnings = MoneyField(_("earnings"))

    class Meta:
        verbose_name = _("restated payout line")
        verbose_name_plural = _("restated payout lines")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "currency", "person", "plan", "component", "period_start"],
                name="one_restated_line",
            )
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.component} {self.currency} {self.earnings}"


class TraceSet(models.Model):
    """The credited rows one calculation of a run stored. A run calculated again writes a
    new set and the old one goes once the new one is committed, so readers never wait on
    a run. On PostgreSQL each set is a partition of ``TraceRow``, written without indexes,
    indexed in one pass and attached whole (``koers.reward.services.trace``)."""

    run = models.ForeignKey("CalcRun", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.run_id}/{self.pk}"


class TraceRow(models.Model):
    """A credited row a run paid on, stored once per run and basis (the credited rows of
    one credit rule over one period) however many payout lines it is behind: a person's
    own line, their manager's roll-up and their team's bonus all read it."""

    # Written only by a calculation run, in its transaction, millions of rows at a time:
    # without database constraints (see PayoutCredit).
    # no index of its own: the index below starts with the run
    run = models.ForeignKey(
        "CalcRun", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    # the partition key on PostgreSQL: one partition per set
    trace_set = models.ForeignKey(
        TraceSet, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    basis = models.PositiveSmallIntegerField()
    person_id = models.BigIntegerField()  # the credit holder
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    date = models.DateField()
    value = models.BigIntegerField()  # cents, or units for volume

    class Meta:
        indexes = [models.Index(fields=["run", "basis", "person_id", "date"])]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.basis} {self.person_id} ← {self.order_line_id}"


class TraceReach(models.Model):
    """Who was below whom, and when, for a run's roll-up and team lines: ``holder`` counted
    under ``root`` from ``valid_from`` to ``valid_to`` (themselves included)."""

    # no index of its own: the index below starts with the run
    run = models.ForeignKey(
        "CalcRun", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    root_id = models.BigIntegerField()
    holder_id = models.BigIntegerField()
    valid_from = models.DateField()
    valid_to = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["run", "root_id", "holder_id"])]

    def __str__(self) -> str:
        return f"{self.holder_id} under {self.root_id} ({self.valid_from}–{self.valid_to})"


class PayoutCredit(models.Model):
    """A credited transaction behind a payout line of a run stored before ``TraceRow``:
    the trace down to the deal."""

    # Written only by a calculation run, in its transaction, millions of rows at a time:
    # without database constraints, so PostgreSQL does not queue two foreign-key checks
    # per row until the commit (deleting an order line still removes its trace here).
    line = models.ForeignKey(
        PayoutLine, on_delete=models.CASCADE, related_name="credits", db_constraint=False
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    value = models.BigIntegerField()  # cents, or units for volume

    def __str__(self) -> str:
        return f"{self.line_id} ← {self.order_line_id}"


class RunPart(models.Model):
    """One part of a month calculated on several workers: the people whose number modulo
    ``parts`` is ``index``, who calculated them, and the result (Parquet) until the month
    is written from all parts together (``reward.services.parts``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for a worker")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    index = models.PositiveSmallIntegerField(_("part"))
    parts = models.PositiveSmallIntegerField(_("parts"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    worker = models.CharField(_("worker"), max_length=120, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    lines = models.BinaryField(default=b"")
    reach = models.BinaryField(default=b"")
    rows = models.BinaryField(default=b"")
    missing = models.JSONField(default=list)

    class Meta:
        verbose_name = _("part of a run")
        verbose_name_plural = _("parts of runs")
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="one_part_per_index")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.index + 1}/{self.parts}"


class Payout(models.Model):
    """What one person is paid for one run's month: earnings → adjustments → draw or
    guarantee → recovery → hold. The balances carry to the next month."""

    run = models.ForeignKey(CalcRun, on_delete=models.CASCADE, related_name="payouts")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="payouts")
    # the way from earnings to payroll, in the order a statement and the lists show it
    STEPS = (
        "earned",
        "adjustments",
        "draw_topup",
        "recovered",
        "held",
        "released",
        "paid",
        "balance",
    )

    earned = MoneyField(_("earned"))  # payable payout lines, corrections included
    adjustments = MoneyField(_("adjustments"))
    draw_topup = MoneyField(_("draw or guarantee top-up"))
    recovered = MoneyField(_("recovered"))
    held = MoneyField(_("held back"))
    released = MoneyField(_("released"))
    paid = MoneyField(_("to payroll"))
    balance = MoneyField(_("balance to recover"))  # after this month
    held_balance = MoneyField(_("held in total"))  # after this month
    # earnings taken other than in cash (reward choice): what left the cash payout, the
    # half days off and the training budget it became
    converted = MoneyField(_("taken as days off or training"), default=Decimal("0"))
    half_days_off = models.PositiveIntegerField(_("half days off"), default=0)
    training_budget = MoneyField(_("training budget"), default=Decimal("0"))
    # what payroll pays: "paid" in the reporting currency, or, on a plan that pays in the
    # payee's currency, converted at the rate valid on the month's last day
    currency = models.CharField(_("paid in currency"), max_length=3, default="EUR")
    exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=18, decimal_places=8, null=True, blank=True
    )
    paid_in_currency = MoneyField(_("to payroll, in the paid currency"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["person"]
        constraints = [models.UniqueConstraint(fields=["run", "person"], name="one_payout")]

    def __str__(self) -> str:
        return f"{self.person} · {self.run}"


class Adjustment(models.Model):
    """A manual correction of one person's payout in an open month, always with a reason."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="adjustments"
    )
    month = models.DateField(_("month"))
    amount = MoneyField(_("amount"))
    component = models.CharField(_("component"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    # four eyes: approved by someone other than its author before its month is approved
    approved_by = models.ForeignKey(
        "auth.User",
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["-month", "person"]

    def __str__(self) -> str:
        return f"{self.person} · {self.month:%m-%Y} · {self.amount}"


class Hold(models.Model):
    """Payment of a person's payouts is held back from a month until it is released; what
    was held is paid in the first month calculated after the release."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="holds"
    )
    from_month = models.DateField(_("from month"))
    released_on = models.DateField(_("released on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-from_month"]

    def __str__(self) -> str:
        return f"{self.person} · {self.from_month:%m-%Y}"


class Goal(models.Model):
    """A personal (MBO or development) goal for a period, weighted, scored by the manager."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="goals"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    description = models.CharField(_("goal"), max_length=300)
    weight = models.PositiveIntegerField(_("weight (%)"), default=100)
    score = models.DecimalField(
        _("score (%)"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("MBO goal")
        verbose_name_plural = _("MBO goals")
        ordering = ["person", "period_start"]

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.period_end and self.period_start and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The end lies before the start.")})
        if self.score is not None and not 0 <= self.score <= 200:
            raise ValidationError({"score": _("A score lies between 0% and 200%.")})


class Inquiry(models.Model):
    """A question or dispute about one statement line, answered by the compensation
    administrator within the service level; every step is audited."""

    class Reason(models.TextChoices):
        MISSING_CREDIT = "missing-credit", _("A deal is missing")
        WRONG_SPLIT = "wrong-split", _("The split is wrong")
        WRONG_QUOTA = "wrong-quota", _("The goal (quota) is wrong")
        WRONG_RULE = "wrong-rule", _("The rate or rule is applied wrongly")
        CLAWBACK = "clawback", _("A clawback is wrong")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="inquiries"
    )
    # the statement line, by what survives a recalculation of an open month
    month = models.DateField(_("month"))
    component = models.CharField(_("component"), max_length=40)
    period_start = models.DateField(_("period from"))
    line = models.ForeignKey(
        PayoutLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="inquiries"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    message = models.TextField(_("question"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    opened_by = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    due_on = models.DateField(_("answer due"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("answer"), blank=True)
    adjustment = models.ForeignKey(
        Adjustment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["status", "due_on"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.component} {self.month:%Y-%m}"


def _validate_additive_kpi(code: str) -> None:
    from django.core.exceptions import ValidationError

    from koers.measure.catalogue import definitions

    known = definitions().get(code)
    if known is None:
        raise ValidationError(_("“%(code)s” is not a KPI Koers knows."), params={"code": code})
    if known.ratio:
        raise ValidationError(
            _("Points and badges count a KPI that adds up, not a ratio such as %(code)s."),
            params={"code": code},
        )


class PointRule(models.Model):
    """Points for an activity or a result: ``points`` for every ``per`` of a KPI in a month
    (euros for an amount)."""

    kpi = models.CharField(_("KPI"), max_length=40, validators=[_validate_additive_kpi])
    points = models.PositiveIntegerField(_("points"))
    per = models.PositiveIntegerField(_("for every"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")
        ordering = ["kpi"]

    def __str__(self) -> str:
        return f"{self.points} / {self.per} {self.kpi}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.per == 0:
            raise ValidationError({"per": _("Count for every one or more.")})


class Badge(models.Model):
    """A badge for reaching a level of a KPI in one month (euros for an amount)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_nl = models.CharField(_("name (Dutch)"), max_length=80)
    kpi = models.CharField(_("KPI"), max_length=40, validators=[_validate_additive_kpi])
    threshold = models.PositiveIntegerField(_("at least, in a month"))

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en


class RewardChoice(models.Model):
    """How a person takes the earnings of a component that offers a choice, from a month on:
    cash, extra days off or training budget."""

    class Choice(models.TextChoices):
        CASH = "cash", _("Cash")
        DAYS = "days", _("Extra days off")
        TRAINING = "training", _("Training budget")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="reward_choices"
    )
    component = models.CharField(_("component"), max_length=40)
    from_month = models.DateField(_("from month"))
    choice = models.CharField(_("take as"), max_length=8, choices=Choice.choices)
    chosen_at = models.DateTimeField(_("chosen at"), auto_now=True)

    class Meta:
        verbose_name = _("reward choice")
        verbose_name_plural = _("reward choices")
        ordering = ["person", "component", "-from_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "component", "from_month"], name="one_choice_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.component} · {self.choice}"
