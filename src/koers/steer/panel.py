"""What a person's page shows of Steer: skills against the role's level, open coaching
actions and, for who may coach them, the coaching signals."""

from __future__ import annotations

from typing import Any

from koers.org import visibility as vis
from koers.org.models import Person
from koers.steer import coaching
from koers.steer.models import Competency
from koers.steer.selectors import SkillLine, latest_scores, required_levels


def person_panel(user: Any, person: Person, today: Any) -> dict[str, Any]:
    """What a person's page shows of Steer: the latest combined scores against the role's
    level, the open coaching actions, and (for who may coach them) the coaching signals."""
    round_, scores = latest_scores(person)
    levels = required_levels()
    competencies = Competency.objects.filter(pk__in=list(scores))
    lines = [SkillLine(c, scores.get(c.pk), levels.get((person.role, c.pk))) for c in competencies]
    signals = []
    if vis.may_coach(user, person):
        team = coaching.coaching_signals(user, today, unit=person.unit)
        signals = [s for s in team if s.person.pk == person.pk]
    return {
        "round": round_,
        "skills": lines,
        "actions": coaching.open_actions(person),
        "signals": signals,
    }
