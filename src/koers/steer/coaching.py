"""Coaching: SMART goals checked on save, GROW sessions with agreed actions, coaching
frequency per manager, and the signals that suggest whom to coach on what."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from koers.engine import coaching as rules
from koers.engine.periods import add_months, month_start
from koers.engine.skills import SmartGoal, smart_failures
from koers.measure import selectors as msel
from koers.measure.catalogue import definition
from koers.org import visibility as vis
from koers.org.models import Person
from koers.steer.models import CoachingAction, CoachingGoal, CoachingSession, Competency

HISTORY_MONTHS = 12
BASELINE_MONTHS = 3


def smart_messages() -> dict[str, str]:
    return {
        "S": _("Specific: say in at least four words what will be different."),
        "M": _("Measurable: choose the KPI that shows it and the value to reach."),
        "A": _(
            "Achievable: the value lies beyond one and a half times the best month on "
            "record (or there is no record of this KPI yet)."
        ),
        "R": _(
            "Relevant: the goal should address a skill below the role's level or a KPI "
            "under target."
        ),
        "T": _("Time-bound: set a date in the future, within a year."),
    }


def _months(person: Person, kpi: str, today: dt.date, months: int) -> list[float]:
    end = month_start(today) - dt.timedelta(days=1)
    start = add_months(month_start(today), -months)
    frame = msel.monthly_series(Person.objects.filter(pk=person.pk), kpi, start, end)
    return frame.sort("month")["value"].to_list()


def _under_target(person: Person, kpi: str, today: dt.date) -> bool:
    from koers.plan.models import Target

    start = add_months(month_start(today), -BASELINE_MONTHS)
    end = month_start(today) - dt.timedelta(days=1)
    target = Target.objects.overall().filter(person=person, kpi=kpi, month__range=(start, end))
    found = target.aggregate(v=Sum("value"), first=Min("month"), last=Max("month"), n=Count("pk"))
    if found["v"] is None:
        return False
    # the actual over the months that have a target
    last = add_months(found["last"], 1) - dt.timedelta(days=1)
    actual = msel.kpi_values_between(Person.objects.filter(pk=person.pk), found["first"], last)
    spec = definition(kpi)
    wanted = float(found["v"]) / found["n"] if spec.ratio else float(found["v"])
    reached = msel.attainment(kpi, actual.get(kpi), wanted)
    return reached is None or reached < 100


def _skill_gap(person: Person, competency: Competency | None) -> bool:
    from koers.steer.selectors import latest_scores, required_levels

    if competency is None:
        return False
    required = required_levels().get((person.role, competency.pk))
    _round, scores = latest_scores(person)
    score = scores.get(competency.pk)
    return required is not None and score is not None and score < required


def smart_check(
    *,
    person: Person,
    description: str,
    kpi: str | None,
    target_value: float | None,
    due_date: dt.date | None,
    competency: Competency | None,
    today: dt.date,
) -> dict[str, str]:
    """The SMART letters the goal fails, each with what to change (empty: SMART)."""
    history = _months(person, kpi, today, HISTORY_MONTHS) if kpi else []
    relevant = _skill_gap(person, competency) or (bool(kpi) and _under_target(person, kpi, today))
    goal = SmartGoal(
        description=description,
        kpi=kpi,
        target_value=target_value,
        due=due_date,
        history=history,
        higher_is_better=definition(kpi).higher_is_better if kpi else True,
        relevant=relevant,
    )
    messages = smart_messages()
    return {letter: messages[letter] for letter in smart_failures(goal, today=today)}


def _require_coach(user: Any, person: Person) -> Person | None:
    if user is None:
        return None
    if not vis.may_coach(user, person):
        raise PermissionDenied(_("You may not coach this person."))
    return vis.person_of(user)


@transaction.atomic
def goal_set(
    *,
    person: Person,
    description: str,
    kpi: str,
    target_value: float,
    due_date: dt.date,
    competency: Competency | None,
    by: Any,
    today: dt.date,
    coach: Person | None = None,
) -> CoachingGoal:
    """A coaching goal, refused with every failing SMART letter named."""
    coach = _require_coach(by, person) or coach or person.manager
    if coach is None:
        raise ValidationError(_("A coaching goal needs a coach."))
    failing = smart_check(
        person=person,
        description=description,
        kpi=kpi,
        target_value=target_value,
        due_date=due_date,
        competency=competency,
        today=today,
    )
    if failing:
        raise ValidationError(
            [f"{letter} – {message}" for letter, message in failing.items()], code="smart"
        )
    recent = _months(person, kpi, today, BASELINE_MONTHS)
    return CoachingGoal.objects.create(
        person=person,
        coach=coach,
        description=description,
        kpi=kpi,
        target_value=target_value,
        due_date=due_date,
        competency=competency,
        baseline=fmean(recent) if recent else None,
    )


@dataclass(frozen=True)
class ActionInput:
    description: str
    owner: Person
    due_date: dt.date


@transaction.atomic
def session_record(
    *,
    person: Person,
    held_on: dt.date,
    aim: str,
    reality: str,
    options: str,
    will: str,
    actions: Sequence[ActionInput],
    by: Any,
    goal: CoachingGoal | None = None,
    coach: Person | None = None,
) -> CoachingSession:
    coach = _require_coach(by, person) or coach or person.manager
    if coach is None:
        raise ValidationError(_("A coaching session needs a coach."))
    if goal is not None and goal.person_id != person.pk:
        raise ValidationError({"goal": _("That goal belongs to someone else.")})
    for action in actions:
        if action.owner.pk not in {person.pk, coach.pk}:
            raise ValidationError({"owner": _("An action belongs to the coachee or the coach.")})
    session = CoachingSession.objects.create(
        person=person,
        coach=coach,
        goal=goal,
        held_on=held_on,
        aim=aim,
        reality=reality,
        options=options,
        will=will,
    )
    CoachingAction.objects.bulk_create(
        CoachingAction(
            session=session, owner=a.owner, description=a.description, due_date=a.due_date
        )
        for a in actions
    )
    return session


@transaction.atomic
def action_done(*, action: CoachingAction, follow_up: str, by: Any, today: dt.date) -> None:
    """The action's owner, or whoever may coach the coachee, marks it done with a follow-up."""
    me = vis.person_of(by) if by is not None else None
    if by is not None and not (
        (me is not None and me.pk == action.owner_id) or vis.may_coach(by, action.session.person)
    ):
        raise PermissionDenied(_("You may not change this action."))
    action.done_on, action.follow_up = today, follow_up.strip()
    action.save(update_fields=["done_on", "follow_up"])


@transaction.atomic
def goal_to_mbo(*, goal: CoachingGoal, weight: int, by: Any, today: dt.date) -> Any:
    """The coaching goal as a personal (MBO) goal in Reward, from today to its date. The
    write rules of Reward's goals apply: a manager sets them for their people, nobody for
    themselves."""
    from koers.core.services import record_save
    from koers.reward.models import Goal

    if by is not None and not vis.may_coach(by, goal.person):
        raise PermissionDenied(_("You may not coach this person."))
    mbo = Goal(
        person=goal.person,
        period_start=min(today, goal.due_date),
        period_end=goal.due_date,
        description=goal.description,
        weight=weight,
    )
    return record_save(obj=mbo, by=by)


# --- reads --------------------------------------------------------------------------


def coaching_frequency(user: Any, today: dt.date, months: int = 3) -> list[dict[str, Any]]:
    """Per coach among the people the user sees: sessions in the last ``months`` months,
    people coached, and the sessions per person per month."""
    since = add_months(month_start(today), -months)
    people = vis.visible_people(user)
    rows = (
        CoachingSession.objects.filter(person__in=people.values("pk"), held_on__gte=since)
        .values("coach")
        .annotate(sessions=Count("pk"), coached=Count("person", distinct=True))
    )
    coaches = Person.objects.in_bulk([r["coach"] for r in rows])
    team = {
        m: n
        for m, n in people.exclude(manager=None)
        .values_list("manager")
        .annotate(n=Count("pk"))
        .order_by()
    }
    out = []
    for r in rows:
        size = team.get(r["coach"]) or r["coached"]
        out.append(
            {
                "coach": coaches[r["coach"]],
                "sessions": r["sessions"],
                "coached": r["coached"],
                "team": size,
                "per_person_month": r["sessions"] / size / months,
            }
        )
    return sorted(out, key=lambda r: -r["per_person_month"])


def with_last_session(people: QuerySet[Person]) -> QuerySet[Person]:
    """``people`` with the day of their last coaching session (``last_session``, None when
    never coached), those longest without one first, then by name."""
    return people.annotate(last_session=Max("coaching_sessions__held_on")).order_by(
        F("last_session").asc(nulls_first=True), "last_name", "first_name", "pk"
    )


def open_actions(person: Person) -> list[CoachingAction]:
    return list(
        CoachingAction.objects.filter(done_on=None)
        .filter(Q(session__person=person) | Q(owner=person))
        .select_related("owner", "session")
        .distinct()
    )


# --- coaching signals --------------------------------------------------------------


@dataclass(frozen=True)
class SignalView:
    person: Person
    code: str
    figures: dict[str, float]


def _attainment(people: Any, start: dt.date, end: dt.date) -> dict[int, float]:
    from koers.plan.models import Target

    targets = dict(
        Target.objects.overall()
        .filter(person__in=people.values("pk"), kpi="revenue", month__range=(start, end))
        .values("person")
        .annotate(v=Sum("value"))
        .values_list("person", "v")
    )
    actuals = msel.kpi_values_by_person(people, start, end)
    out = {}
    for pid, target in targets.items():
        reached = msel.attainment(
            "revenue", actuals.get(pid, {}).get("revenue") or 0.0, float(target)
        )
        if reached is not None:
            out[pid] = reached
    return out


def _deviations_without_action(user: Any) -> dict[int, int]:
    from koers.measure.analysis import deviations_for
    from koers.measure.models import RootCauseAnalysis

    found = deviations_for(user)
    acted = set(
        RootCauseAnalysis.objects.filter(
            person__in=[r["person"].pk for r in found], actions__isnull=False
        ).values_list("person", "kpi", "month")
    )
    counts: dict[int, int] = defaultdict(int)
    for row in found:
        if (row["person"].pk, row["code"], row["month"]) not in acted:
            counts[row["person"].pk] += 1
    return counts


def coaching_signals(user: Any, today: dt.date, unit: Any = None) -> list[SignalView]:
    """Whom to coach on what among the sellers the user sees (not themselves), or only those
    of ``unit`` (a person's page: their team is all the team rules compare with): the
    engine's rules (``koers.engine.coaching``) on the last three whole months. Computed
    once per scope until the facts change (an audited change among them) or a rating,
    a role's requirement or an action on a deviation is added: a whole organisation's
    signals took 2–3 s per view at scale 100."""
    from koers.measure.memo import memo

    return memo(
        "coaching_signals",
        user,
        (today, getattr(unit, "pk", None), signals_version()),
        lambda: _signals(user, today, unit),
    )


def signals_version() -> str:
    """Rises when a rating, a role's requirement or an action on a deviation is added
    (the facts' version, which the memo adds, covers the rest)."""
    from koers.measure.models import RootCauseAction
    from koers.measure.selectors import newest_ids
    from koers.steer.models import RoleRequirement, SkillRating

    return newest_ids(SkillRating, RoleRequirement, RootCauseAction)


def _signals(user: Any, today: dt.date, unit: Any) -> list[SignalView]:
    from koers.steer.selectors import rounds_with_answers, skills_matrix

    me = vis.person_of(user)
    people = vis.visible_sellers(user).exclude(pk=me.pk if me else None)
    if unit is not None:
        people = people.filter(unit=unit)
    end = month_start(today) - dt.timedelta(days=1)
    start = add_months(month_start(today), -3)
    before = (add_months(start, -3), start - dt.timedelta(days=1))
    now, earlier = _attainment(people, start, end), _attainment(people, *before)
    values = msel.kpi_values_by_person(people, add_months(start, -3), end)
    share = msel.kpi_values_by_person(people, start, end)
    latest = rounds_with_answers(user).first()
    skills_of = {}
    for row in skills_matrix(user, latest, within=people).rows:
        scores = [c.value for c in row.cells if c.value is not None]
        skills_of[row.person.pk] = (fmean(scores) if scores else None, row.gaps)
    deviations = _deviations_without_action(user)
    persons = {p.pk: p for p in people.select_related("unit")}
    figures = [
        rules.Figures(
            person=pid,
            team=p.unit_id,
            attainment=now.get(pid),
            previous_attainment=earlier.get(pid),
            new_customers=values.get(pid, {}).get("new_customers") or 0.0,
            new_business_time=share.get(pid, {}).get("new_business_time"),
            skill_score=skills_of.get(pid, (None, None))[0],
            skill_gaps=skills_of.get(pid, (None, None))[1],
            deviations_without_action=deviations.get(pid, 0),
        )
        for pid, p in persons.items()
    ]
    return [SignalView(persons[s.person], s.code, s.figures) for s in rules.signals(figures)]
