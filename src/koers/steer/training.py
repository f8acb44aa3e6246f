"""Training trajectories: the method's four steps per participant, a baseline before the
start, and afterwards the change against colleagues who did not take part."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from koers.engine.periods import add_months, month_start
from koers.engine.skills import Effect, difference_in_differences
from koers.measure import selectors as msel
from koers.org import visibility as vis
from koers.org.models import Person
from koers.steer.models import Competency, Participation, Trajectory, TrajectoryStep

Kind = TrajectoryStep.Kind
STEP_ORDER = (Kind.ONLINE, Kind.LIVE, Kind.COACHING, Kind.FOLLOW_UP)


@transaction.atomic
def trajectory_create(
    *,
    name: str,
    kpi: str,
    starts_on: dt.date,
    ends_on: dt.date,
    participants: Sequence[Person],
    competencies: Sequence[Competency],
    steps: Sequence[tuple[str, str, dt.date, dt.date]],
    by: Any,
    window_months: int = 3,
    owner: Person | None = None,
) -> Trajectory:
    """A trajectory with its four steps (kind, title, from, until) in the method's order."""
    if by is not None:
        if not vis.may_lead_steer(by):
            raise PermissionDenied(_("Your role may not plan training."))
        allowed = set(vis.visible_people(by).values_list("pk", flat=True))
        if any(p.pk not in allowed for p in participants):
            raise PermissionDenied(_("You may only enrol people in your view."))
        owner = vis.person_of(by) or owner
    if owner is None:
        raise ValidationError(_("A trajectory needs an owner."))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end lies before the start.")})
    if [s[0] for s in steps] != list(STEP_ORDER):
        raise ValidationError(
            {
                "steps": _(
                    "A trajectory has four steps in this order: online modules, live "
                    "training, coaching on the job, follow-up and measurement."
                )
            }
        )
    if not participants:
        raise ValidationError({"participants": _("Enrol at least one participant.")})
    trajectory = Trajectory.objects.create(
        name=name,
        kpi=kpi,
        starts_on=starts_on,
        ends_on=ends_on,
        window_months=window_months,
        owner=owner,
    )
    trajectory.competencies.set(competencies)
    TrajectoryStep.objects.bulk_create(
        TrajectoryStep(trajectory=trajectory, kind=k, title=t, starts_on=a, ends_on=b)
        for k, t, a, b in steps
    )
    Participation.objects.bulk_create(
        Participation(trajectory=trajectory, person=p) for p in participants
    )
    return trajectory


@transaction.atomic
def participation_progress(*, participation: Participation, steps_done: int, by: Any) -> None:
    if by is not None and not vis.may_coach(by, participation.person):
        raise PermissionDenied(_("You may not change this participant's progress."))
    if not 0 <= steps_done <= len(STEP_ORDER):
        raise ValidationError({"steps_done": _("A trajectory has four steps.")})
    participation.steps_done = steps_done
    participation.save(update_fields=["steps_done"])


# --- the measured effect -------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    before: tuple[dt.date, dt.date]
    after: tuple[dt.date, dt.date] | None  # None until a whole month after the end passed


def windows(trajectory: Trajectory, today: dt.date) -> Windows:
    """The baseline: the ``window_months`` whole months before the start; the measurement:
    as many whole months after the end as have passed, up to ``window_months``."""
    first = month_start(trajectory.starts_on)
    before = (add_months(first, -trajectory.window_months), first - dt.timedelta(days=1))
    after_first = add_months(month_start(trajectory.ends_on), 1)
    last_whole = month_start(today) - dt.timedelta(days=1)
    after_last = min(
        add_months(after_first, trajectory.window_months) - dt.timedelta(days=1), last_whole
    )
    return Windows(before, (after_first, after_last) if after_last >= after_first else None)


def _monthly_means(people: Any, kpi: str, span: tuple[dt.date, dt.date]) -> dict[int, float]:
    frame = msel.monthly_series(people, kpi, *span)
    values: dict[int, list[float]] = defaultdict(list)
    for pid, _month, value in frame.iter_rows():
        values[pid].append(value)
    return {pid: fmean(v) for pid, v in values.items()}


@dataclass(frozen=True)
class Measured:
    windows: Windows
    effect: Effect | None


def trajectory_effect(trajectory: Trajectory, user: Any, today: dt.date) -> Measured:
    """The KPI's monthly mean per person before and after; participants against the
    sellers the user sees who did not take part (and have figures in both windows)."""
    spans = windows(trajectory, today)
    if spans.after is None:
        return Measured(spans, None)
    sellers = vis.visible_sellers(user)
    before = _monthly_means(sellers, trajectory.kpi, spans.before)
    after = _monthly_means(sellers, trajectory.kpi, spans.after)
    taking_part = set(trajectory.taking_part.values_list("person_id", flat=True))
    both = sorted(set(before) & set(after))
    treated = [(before[p], after[p]) for p in both if p in taking_part]
    control = [(before[p], after[p]) for p in both if p not in taking_part]
    return Measured(spans, difference_in_differences(treated, control))


def skills_change(trajectory: Trajectory) -> list[tuple[Competency, float | None, float | None]]:
    """Per targeted competency: the participants' mean combined score in the last round
    before the start and in the last round after the end (each where there is one)."""
    from koers.steer.selectors import histories

    people = Person.objects.filter(trajectories__trajectory=trajectory)
    competencies = list(trajectory.competencies.all())
    before: dict[int, list[float]] = defaultdict(list)
    after: dict[int, list[float]] = defaultdict(list)
    for rounds in histories(people).values():
        pre = [s for r, s in rounds if r.created_at.date() < trajectory.starts_on]
        post = [s for r, s in rounds if r.created_at.date() > trajectory.ends_on]
        for c in competencies:
            if pre and pre[-1].get(c.pk) is not None:
                before[c.pk].append(pre[-1][c.pk])
            if post and post[-1].get(c.pk) is not None:
                after[c.pk].append(post[-1][c.pk])
    return [
        (
            c,
            fmean(before[c.pk]) if before[c.pk] else None,
            fmean(after[c.pk]) if after[c.pk] else None,
        )
        for c in competencies
    ]
