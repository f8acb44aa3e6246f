"""360-degree feedback rounds: creating them, inviting raters, the customer's signed link,
answers and reminders. Every change goes through a function here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.org import visibility as vis
from koers.org.models import Person
from koers.org.visibility import SELLING_ROLES
from koers.steer.models import Competency, FeedbackRequest, FeedbackRound

SALT = "koers.steer.customer-feedback"
MAX_PEERS = 8
Source = FeedbackRequest.Source


def _require_lead(by: Any) -> Person | None:
    if by is None:
        return None
    if not vis.may_lead_steer(by):
        raise PermissionDenied(_("Your role may not run feedback rounds."))
    return vis.person_of(by)


def _require_owner(round_: FeedbackRound, by: Any) -> None:
    if by is None or vis.sees_everything(by):
        return
    me = vis.person_of(by)
    if me is None or round_.owner_id != me.pk:
        raise PermissionDenied(_("Only the round's owner may change it."))


def _refuse_own_review(round_: FeedbackRound, subjects: list[Person], by: Any) -> None:
    """Nobody reviews themselves: neither the round's owner nor whoever adds the subjects
    is a subject of the round (``docs/roles.md``: a manager runs rounds for her people)."""
    me = vis.person_of(by) if by is not None else None
    mine = {pk for pk in (round_.owner_id, me.pk if me else None) if pk is not None}
    if any(s.pk in mine for s in subjects):
        raise PermissionDenied(
            _("Nobody reviews themselves: a round is for your people, not for you.")
        )


@transaction.atomic
def round_create(
    *,
    name: str,
    closes_on: dt.date,
    competencies: Sequence[Competency],
    by: Any,
    owner: Person | None = None,
    today: dt.date | None = None,
) -> FeedbackRound:
    me = _require_lead(by)
    owner = owner or me
    if owner is None:
        raise ValidationError(_("A round needs an owner."))
    if closes_on <= (today or timezone.localdate()):
        raise ValidationError({"closes_on": _("The closing date must lie in the future.")})
    if not competencies:
        raise ValidationError({"competencies": _("Choose at least one competency to rate.")})
    round_ = FeedbackRound.objects.create(name=name, owner=owner, closes_on=closes_on)
    round_.competencies.set(competencies)
    return round_


def _colleagues(subjects: list[Person], today: dt.date) -> dict[int, list[int]]:
    """Per unit of ``subjects``: the ids of the active sellers in it, by name."""
    colleagues: dict[int, list[int]] = {}
    rows = (
        Person.objects.active_on(today)
        .filter(unit_id__in={s.unit_id for s in subjects}, role__in=SELLING_ROLES)
        .order_by("last_name", "first_name")
        .values_list("unit_id", "pk")
    )
    for unit_id, pk in rows:
        colleagues.setdefault(unit_id, []).append(pk)
    return colleagues


@transaction.atomic
def round_add_subjects(
    *, round_: FeedbackRound, subjects: Iterable[Person], by: Any, today: dt.date | None = None
) -> int:
    """Ask, for each subject, the subject (self), their manager and their unit's colleagues
    (peers). Returns how many requests were added; a request that exists is kept."""
    _require_owner(round_, by)
    today = today or timezone.localdate()
    subjects = list(subjects)
    _refuse_own_review(round_, subjects, by)
    if by is not None:
        allowed = set(vis.visible_people(by).values_list("pk", flat=True))
        if any(s.pk not in allowed for s in subjects):
            raise PermissionDenied(_("You may only ask feedback on people in your view."))
    asked = set(round_.requests.exclude(rater=None).values_list("subject_id", "rater_id"))
    colleagues = _colleagues(subjects, today)
    new = []
    for subject in subjects:
        raters: list[tuple[str, int]] = [(Source.SELF, subject.pk)]
        manager_id = subject.manager_id or (
            round_.owner_id if round_.owner_id != subject.pk else None
        )
        if manager_id is not None:
            raters.append((Source.MANAGER, manager_id))
        peers = [
            p for p in colleagues.get(subject.unit_id, []) if p not in {subject.pk, manager_id}
        ]
        raters += [(Source.PEER, p) for p in peers[:MAX_PEERS]]
        for source, rater_id in raters:
            if (subject.pk, rater_id) not in asked:
                asked.add((subject.pk, rater_id))
                new.append(
                    FeedbackRequest(round=round_, subject=subject, rater_id=rater_id, source=source)
                )
    FeedbackRequest.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def round_add_customer(
    *,
    round_: FeedbackRound,
    subject: Person,
    name: str,
    email: str,
    account: Any = None,
    by: Any,
) -> FeedbackRequest:
    _require_owner(round_, by)
    _refuse_own_review(round_, [subject], by)
    if by is not None and not vis.visible_people(by).filter(pk=subject.pk).exists():
        raise PermissionDenied(_("You may only ask feedback on people in your view."))
    address = email.strip()
    if address and (
        Person.objects.filter(email__iexact=address).exists()
        or get_user_model().objects.filter(email__iexact=address).exists()
    ):
        raise ValidationError(
            {
                "email": _(
                    "%(email)s belongs to someone in the organisation: a customer is "
                    "someone outside it."
                )
                % {"email": email}
            }
        )
    if FeedbackRequest.objects.filter(
        round=round_, subject=subject, customer_email__iexact=email
    ).exists():
        raise ValidationError(
            {"email": _("%(email)s is already asked about this person.") % {"email": email}}
        )
    return FeedbackRequest.objects.create(
        round=round_,
        subject=subject,
        source=Source.CUSTOMER,
        customer_name=name,
        customer_email=email,
        account=account,
    )


# --- the customer's link -------------------------------------------------------------


def customer_token(request: FeedbackRequest) -> str:
    """A signed token naming the request and its nonce; it expires after
    ``KOERS_FEEDBACK_LINK_DAYS`` and works once (see ``request_for_token``)."""
    return signing.dumps({"r": request.pk, "n": str(request.nonce)}, salt=SALT, compress=True)


def customer_link(request: FeedbackRequest) -> str:
    return settings.KOERS_PUBLIC_URL + reverse("customer_feedback", args=[customer_token(request)])


class LinkRefused(Exception):
    """Why a customer's link does not open the form; the message is for the customer."""


def request_for_token(token: str, *, today: dt.date) -> FeedbackRequest:
    max_age = dt.timedelta(days=settings.KOERS_FEEDBACK_LINK_DAYS)
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkRefused(_("This link has expired.")) from exc
    except signing.BadSignature as exc:
        raise LinkRefused(_("This link is not valid.")) from exc
    request = (
        FeedbackRequest.objects.select_related("round", "subject")
        .filter(pk=data.get("r"), nonce=data.get("n"), source=Source.CUSTOMER)
        .first()
    )
    if request is None:
        raise LinkRefused(_("This link is not valid."))
    if request.answered_at is not None:
        raise LinkRefused(_("This link has been used: your answers are in. Thank you."))
    if request.round.status != FeedbackRound.Status.OPEN or today > request.round.closes_on:
        raise LinkRefused(_("This feedback round has closed."))
    return request


# --- opening, answering, reminding, closing -------------------------------------------


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def _mail_for(request: FeedbackRequest, reminder: bool) -> Mail | None:
    email = request.customer_email if request.source == Source.CUSTOMER else request.rater.email
    if not email:
        return None
    if request.source == Source.CUSTOMER:
        link = customer_link(request)
        name = request.customer_name
    else:
        link = settings.KOERS_PUBLIC_URL + reverse("steer_answer", args=[request.pk])
        name = request.rater.first_name
    values = {
        "name": name,
        "person": str(request.subject),
        "until": request.round.closes_on.strftime("%d-%m-%Y"),
        "link": link,
        "owner": str(request.round.owner),
    }
    subject = (
        _("Reminder: your feedback on %(person)s") if reminder else _("Your feedback on %(person)s")
    ) % values
    if request.source == Source.SELF:
        body = _(
            "Dear %(name)s,\n\nPlease rate your own skills for this feedback round, until "
            "%(until)s:\n%(link)s\n\n%(owner)s"
        )
    else:
        body = _(
            "Dear %(name)s,\n\nWould you rate %(person)s's skills? It takes five minutes; "
            "you can answer until %(until)s:\n%(link)s\n\nThank you,\n%(owner)s"
        )
    return Mail(email, subject, body % values)


def _send(requests: list[FeedbackRequest], *, reminder: bool) -> int:
    # sent once the changes are committed, so a failed change sends nothing
    mails = [m for m in (_mail_for(r, reminder) for r in requests) if m is not None]
    messages = [(m.subject, m.body, settings.DEFAULT_FROM_EMAIL, [m.to]) for m in mails]
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return len(mails)


@transaction.atomic
def round_open(*, round_: FeedbackRound, by: Any) -> int:
    """Open the round and send every invitation not sent yet; returns the mails sent."""
    _require_owner(round_, by)
    if round_.status == FeedbackRound.Status.CLOSED:
        raise ValidationError(_("This round has closed."))
    if not round_.requests.exists():
        raise ValidationError(_("Add the people to rate before you open the round."))
    now = timezone.now()
    round_.status, round_.opened_at = FeedbackRound.Status.OPEN, round_.opened_at or now
    round_.save(update_fields=["status", "opened_at"])
    waiting = list(
        round_.requests.filter(invited_at=None).select_related("rater", "subject", "round__owner")
    )
    sent = _send(waiting, reminder=False)
    FeedbackRequest.objects.filter(pk__in=[r.pk for r in waiting]).update(invited_at=now)
    return sent


@transaction.atomic
def round_remind(*, round_: FeedbackRound, by: Any) -> int:
    """Remind everyone who has not answered yet; returns the mails sent."""
    _require_owner(round_, by)
    if round_.status != FeedbackRound.Status.OPEN:
        raise ValidationError(_("Only an open round sends reminders."))
    waiting = list(
        round_.requests.filter(answered_at=None).select_related("rater", "subject", "round__owner")
    )
    sent = _send(waiting, reminder=True)
    FeedbackRequest.objects.filter(pk__in=[r.pk for r in waiting]).update(
        reminded_at=timezone.now()
    )
    return sent


@transaction.atomic
def round_close(*, round_: FeedbackRound, by: Any) -> None:
    _require_owner(round_, by)
    round_.status = FeedbackRound.Status.CLOSED
    round_.save(update_fields=["status"])


# what a customer cannot see from outside: how the seller keeps the CRM is not theirs to rate
NOT_FOR_CUSTOMERS = {"crm_discipline"}
DONT_KNOW = 0  # a customer's "don't know": no score is stored


def competencies_to_rate(request: FeedbackRequest) -> list[Any]:
    """The round's competencies this request asks about: a customer is not asked what only
    colleagues can see."""
    found = list(request.round.competencies.all())
    if request.source == FeedbackRequest.Source.CUSTOMER:
        found = [c for c in found if c.code not in NOT_FOR_CUSTOMERS]
    return found


@transaction.atomic
def feedback_answer(
    *,
    request: FeedbackRequest,
    scores: dict[int, tuple[int, str]],
    by: Any,
    today: dt.date | None = None,
) -> None:
    """Store the answers of one request: competency id → (score, comment). ``by`` is the
    rater's login, or None for a customer who came through a checked link. All or nothing:
    a second answer to the same request is refused, also when sent twice at once."""
    from koers.steer.models import SkillRating

    today = today or timezone.localdate()
    locked = FeedbackRequest.objects.select_for_update().select_related("round").get(pk=request.pk)
    if by is not None:
        me = vis.person_of(by)
        if me is None or locked.rater_id != me.pk:
            raise PermissionDenied(_("This request is for someone else."))
    if locked.answered_at is not None:
        raise ValidationError(_("These answers are in already."))
    if locked.round.status != FeedbackRound.Status.OPEN or today > locked.round.closes_on:
        raise ValidationError(_("This feedback round has closed."))
    asked = {c.pk for c in competencies_to_rate(locked)}
    allowed = set(locked.round.competencies.values_list("pk", flat=True))
    if not asked <= set(scores) <= allowed:
        raise ValidationError(_("Rate every competency of the round."))
    customer = locked.source == FeedbackRequest.Source.CUSTOMER
    if not customer and any(s == DONT_KNOW for s, _comment in scores.values()):
        raise ValidationError(_("Rate every competency of the round."))
    SkillRating.objects.bulk_create(
        SkillRating(request=locked, competency_id=c, score=s, comment=comment.strip())
        for c, (s, comment) in scores.items()
        if s != DONT_KNOW
    )
    locked.answered_at = timezone.now()
    locked.save(update_fields=["answered_at"])
