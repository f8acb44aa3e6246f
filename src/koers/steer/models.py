"""Steer: the competency framework, 360-degree feedback rounds, coaching and training."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from koers.engine.skills import SCALE_MAX
from koers.org.models import Person, Role

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(SCALE_MAX)]


class Competency(models.Model):
    """A competency rated in the Sales Skills Matrix, with what each level looks like."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_nl = models.CharField(_("Dutch name"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    # the behaviour that shows each level, "1" .. "5"; Dutch beside English where known
    anchors = models.JSONField(_("behaviour per level"), default=dict, blank=True)
    anchors_nl = models.JSONField(_("behaviour per level (Dutch)"), default=dict, blank=True)
    default = models.BooleanField(_("from the method"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        dutch = translation.get_language() == "nl" and self.name_nl
        return self.name_nl if dutch else self.name

    def anchor(self, level: int) -> str:
        if translation.get_language() == "nl" and self.anchors_nl.get(str(level)):
            return str(self.anchors_nl[str(level)])
        return str(self.anchors.get(str(level), ""))


class RoleRequirement(models.Model):
    """The level a job role needs of a competency; a competency without one for a role does
    not apply to it."""

    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    competency = models.ForeignKey(
        Competency, verbose_name=_("competency"), on_delete=models.CASCADE, related_name="required"
    )
    level = models.PositiveSmallIntegerField(_("required level"), validators=LEVEL_VALIDATORS)

    class Meta:
        verbose_name = _("required level")
        verbose_name_plural = _("required levels")
        constraints = [
            models.UniqueConstraint(fields=["role", "competency"], name="one_level_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.competency} {self.level}"


class FeedbackRound(models.Model):
    """A 360-degree feedback round: who is rated, by whom, until when."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(
        Person, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_rounds"
    )
    closes_on = models.DateField(_("answers until"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    competencies = models.ManyToManyField(Competency, verbose_name=_("competencies"))
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    opened_at = models.DateTimeField(_("opened on"), null=True, blank=True)

    class Meta:
        verbose_name = _("feedback round")
        verbose_name_plural = _("feedback rounds")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class FeedbackRequest(models.Model):
    """One rater asked to rate one person in a round. A customer has no login: they answer
    through a signed link that carries this request's ``nonce``."""

    class Source(models.TextChoices):
        SELF = "self", _("Self")
        PEER = "peer", _("Peer")
        MANAGER = "manager", _("Manager")
        CUSTOMER = "customer", _("Customer")

    round = models.ForeignKey(
        FeedbackRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="requests"
    )
    subject = models.ForeignKey(
        Person, verbose_name=_("rated person"), on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    rater = models.ForeignKey(
        Person,
        verbose_name=_("rater"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feedback_to_give",
    )
    customer_name = models.CharField(_("customer contact"), max_length=120, blank=True)
    customer_email = models.EmailField(_("customer's e-mail"), blank=True)
    account = models.ForeignKey(
        "sales.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    nonce = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_at = models.DateTimeField(_("invited on"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded on"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("feedback request")
        verbose_name_plural = _("feedback requests")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "subject", "rater"],
                condition=models.Q(rater__isnull=False),
                name="one_request_per_rater",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ← {self.rater or self.customer_name}"

    @property
    def rater_name(self) -> str:
        return str(self.rater) if self.rater_id else self.customer_name


class SkillRating(models.Model):
    request = models.ForeignKey(
        FeedbackRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="ratings"
    )
    competency = models.ForeignKey(
        Competency, verbose_name=_("competency"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("score"), validators=LEVEL_VALIDATORS)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("skill rating")
        verbose_name_plural = _("skill ratings")
        constraints = [
            models.UniqueConstraint(fields=["request", "competency"], name="one_score_per_request")
        ]

    def __str__(self) -> str:
        return f"{self.competency}: {self.score}"


class CoachingGoal(models.Model):
    """A SMART coaching goal: measurable through a KPI with a value to reach by a date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REACHED = "reached", _("Reached")
        DROPPED = "dropped", _("Dropped")

    person = models.ForeignKey(
        Person, verbose_name=_("coachee"), on_delete=models.CASCADE, related_name="coaching_goals"
    )
    coach = models.ForeignKey(
        Person, verbose_name=_("coach"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("goal"), max_length=300)
    competency = models.ForeignKey(
        Competency,
        verbose_name=_("competency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kpi = models.CharField(_("KPI"), max_length=40)
    baseline = models.FloatField(_("value at the start"), null=True, blank=True)
    target_value = models.FloatField(_("value to reach"))
    due_date = models.DateField(_("by"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default="open")
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    class Meta:
        verbose_name = _("coaching goal")
        verbose_name_plural = _("coaching goals")
        ordering = ["due_date"]

    def __str__(self) -> str:
        return self.description


class CoachingSession(models.Model):
    """A coaching conversation, guided by the GROW questions: the coachee's goal, the
    reality now, the options they see and what they will do."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("coachee"),
        on_delete=models.CASCADE,
        related_name="coaching_sessions",
    )
    coach = models.ForeignKey(
        Person, verbose_name=_("coach"), on_delete=models.PROTECT, related_name="sessions_given"
    )
    goal = models.ForeignKey(
        CoachingGoal,
        verbose_name=_("coaching goal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    held_on = models.DateField(_("held on"))
    aim = models.TextField(_("goal of this session"))
    reality = models.TextField(_("reality"), blank=True)
    options = models.TextField(_("options"), blank=True)
    will = models.TextField(_("will: the next step"), blank=True)

    class Meta:
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} · {self.held_on}"


class CoachingAction(models.Model):
    session = models.ForeignKey(
        CoachingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="actions"
    )
    owner = models.ForeignKey(
        Person, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="coaching_actions"
    )
    description = models.CharField(_("action"), max_length=240)
    due_date = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)

    class Meta:
        verbose_name = _("coaching action")
        verbose_name_plural = _("coaching actions")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.description


class Trajectory(models.Model):
    """A training trajectory: online modules, live training, coaching on the job and
    follow-up, measured against a baseline of a KPI and the targeted skills."""

    name = models.CharField(_("name"), max_length=120)
    kpi = models.CharField(_("KPI measured"), max_length=40)
    competencies = models.ManyToManyField(
        Competency, verbose_name=_("targeted competencies"), blank=True
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # the months before the start that make the baseline, and after the end that show the effect
    window_months = models.PositiveSmallIntegerField(
        _("months measured before and after"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    owner = models.ForeignKey(
        Person, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    participants = models.ManyToManyField(
        Person, verbose_name=_("participants"), through="Participation", related_name="+"
    )

    class Meta:
        verbose_name = _("training trajectory")
        verbose_name_plural = _("training trajectories")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name


class TrajectoryStep(models.Model):
    class Kind(models.TextChoices):
        ONLINE = "online", _("Online modules")
        LIVE = "live", _("Live training and practice")
        COACHING = "coaching", _("Coaching on the job")
        FOLLOW_UP = "follow_up", _("Follow-up and measurement")

    trajectory = models.ForeignKey(
        Trajectory, verbose_name=_("trajectory"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("what"), max_length=160)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))

    class Meta:
        verbose_name = _("trajectory step")
        verbose_name_plural = _("trajectory steps")
        ordering = ["starts_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Participation(models.Model):
    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="taking_part")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="trajectories")
    steps_done = models.PositiveSmallIntegerField(
        _("steps done"), default=0, validators=[MaxValueValidator(4)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "person"], name="one_participation")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.trajectory}"
