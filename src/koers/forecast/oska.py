"""The OSKA order-scoring matrix: each open opportunity scored on the organisation's
factors (each 0 = no, 1 = a little, 2 = largely, 3 = fully), weighted into a score of
0–100%, and mapped to a win probability.

The mapping is learned once at least ``win_model.MIN_DEALS`` closed deals carry a score
from while they were open (a logistic curve of the outcome on the score); until then the
score itself is the probability. A deal is scored by its owner, a co-owner, their manager,
a director or an administrator; every scoring is kept (the learned win probability reads
the latest one given before each snapshot date) and audited.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.audit import audit
from koers.engine import win_model
from koers.forecast.defaults import ensure_default_factors
from koers.forecast.models import OskaFactor, OskaScore
from koers.org import visibility as vis
from koers.org.models import Role
from koers.sales.models import Opportunity, Stage

MAX = 3
SCORERS = {Role.SALESPERSON, Role.MANAGER, Role.DIRECTOR, Role.ADMIN}


def factors() -> list[OskaFactor]:
    """The factors in use (the defaults first put in place when there are none at all)."""
    ensure_default_factors(OskaFactor)
    return list(OskaFactor.objects.filter(active=True))


def total_of(scores: dict[str, int], active: list[OskaFactor]) -> Decimal:
    """The weighted score as a share of the maximum, 0–100, to one decimal."""
    weight = sum(f.weight for f in active)
    if not weight:
        return Decimal(0)
    points = sum(f.weight * scores.get(f.code, 0) for f in active)
    return (Decimal(points) * 100 / (weight * MAX)).quantize(Decimal("0.1"))


def mapping() -> win_model.WinModel | None:
    """The logistic curve from score to outcome, learned from closed deals scored while
    open; None while there are too few."""
    scored = OskaScore.objects.count()
    closed = Opportunity.objects.exclude(stage__kind=Stage.Kind.OPEN).count()
    key = f"koers:oska:{scored}:{closed}"
    cached = cache.get(key)
    if cached is None:
        rows = [
            (float(total), kind == Stage.Kind.WON)
            for total, kind, scored, closed in OskaScore.objects.exclude(
                opportunity__stage__kind=Stage.Kind.OPEN
            ).values_list(
                "total", "opportunity__stage__kind", "scored_on", "opportunity__closed_on"
            )
            if closed is None or scored <= closed
        ]
        frame = pl.DataFrame(rows, schema={"oska": pl.Float64, "won": pl.Boolean}, orient="row")
        cached = (win_model.fit(frame, ["oska"]),)
        cache.set(key, cached, 3600)
    return cached[0]


def probability_of(total: Decimal) -> Decimal:
    model = mapping()
    if model is None:
        return Decimal(total)
    frame = pl.DataFrame({"oska": [float(total)]})
    return Decimal(str(round(float(model.predict(frame)[0]) * 100, 1)))


def may_score(user: Any, opportunity: Opportunity) -> bool:
    if vis.role_of(user) not in SCORERS:
        return False
    return vis.visible_opportunities(user).filter(pk=opportunity.pk).exists()


@transaction.atomic
def score(*, opportunity: Opportunity, scores: dict[str, int], by: Any) -> OskaScore:
    """Score an open opportunity on every active factor."""
    if not may_score(by, opportunity):
        raise PermissionDenied(_("You may score only the deals you see."))
    if opportunity.stage.kind != Stage.Kind.OPEN:
        raise ValidationError(_("Only an open deal is scored."))
    active = factors()
    missing = [f.display_name for f in active if f.code not in scores]
    if missing:
        raise ValidationError(_("Score every factor: %(names)s.") % {"names": ", ".join(missing)})
    if any(not isinstance(v, int) or not 0 <= v <= MAX for v in scores.values()):
        raise ValidationError(_("Each factor scores 0, 1, 2 or 3."))
    total = total_of(scores, active)
    made = OskaScore.objects.create(
        opportunity=opportunity,
        scored_on=timezone.localdate(),
        scores={f.code: scores[f.code] for f in active},
        total=total,
        probability=probability_of(total),
        scored_by=vis.person_of(by),
    )
    audit(actor=by, action="create", obj=made, before=None)
    return made
