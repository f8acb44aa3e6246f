"""Plan health checks: the common mistakes of incentive plans, found while a plan is
designed. Each finding says what is wrong, for whom, and why it matters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from koers.engine import comp
from koers.engine.periods import add_months, month_start
from koers.measure.catalogue import definitions, kpi_name
from koers.reward.documents import PlanSpec
from koers.reward.models import PlanAssignment

# an individual target more than this far above what history and pipeline support
UNLIKELY_FACTOR = Decimal("1.3")
COMPLEX_MEASURES = 3
# paid over the last 12 months more than this many times the yearly target incentive
OVERPAID_FACTOR = Decimal("3")


def max_variable_share() -> Decimal:
    """The largest share of on-target earnings that may be variable (setting
    KOERS_MAX_VARIABLE_SHARE, a percentage; 40 unless set)."""
    return Decimal(str(getattr(settings, "KOERS_MAX_VARIABLE_SHARE", 40))) / 100


@dataclass
class Finding:
    code: str  # variable-share, complex, unattainable, late, team-selling, no-targets
    message: str
    people: list[str] = field(default_factory=list)


def _names(assignments: list[PlanAssignment], ids: set[int]) -> list[str]:
    return sorted(str(a.person) for a in assignments if a.person_id in ids)


def plan_health(spec: PlanSpec, assignments: list[PlanAssignment], today: dt.date) -> list[Finding]:
    """What is wrong with ``spec`` for the people in ``assignments`` (empty: all well)."""
    found: list[Finding] = []
    people = {a.person_id: a for a in assignments}
    share = max_variable_share()
    high = {
        a.person_id
        for a in assignments
        if a.target_incentive > 0
        and a.target_incentive / (a.person.base_salary + a.target_incentive) > share
    }
    if high:
        found.append(
            Finding(
                "variable-share",
                _(
                    "Variable pay is more than %(share)s%% of on-target earnings: the base "
                    "salary is too low. Plans like this drive staff turnover and churn."
                )
                % {"share": int(share * 100)},
                _names(assignments, high),
            )
        )
    measures = {
        (s.component.measure, s.component.kpi)
        for s in spec.components
        if s.component.rule == "bonus"
    } | {
        (f"gate:{s.component.modifier_kpi}", "")
        for s in spec.components
        if s.component.modifier_kpi
    }
    if len(measures) > COMPLEX_MEASURES:
        found.append(
            Finding(
                "complex",
                _(
                    "The bonus depends on %(n)s measures; more than %(max)s makes a plan hard "
                    "to understand and to steer by."
                )
                % {"n": len(measures), "max": COMPLEX_MEASURES},
            )
        )
    late = [s.component.code for s in spec.components if s.component.period == "year"]
    if late:
        found.append(
            Finding(
                "late",
                _(
                    "%(components)s pay once a year. A bonus paid months after the work "
                    "no longer motivates: pay at least quarterly."
                )
                % {"components": ", ".join(late)},
            )
        )
    individual = [
        s.component.code
        for s in spec.components
        if s.component.scope == "individual"
        and s.component.measure in comp.CREDITED
        and not s.component.rollup  # a manager's rolled-up credit is the team's
    ]
    team_sellers = {a.person_id for a in assignments if a.person.unit.team_selling}
    if individual and team_sellers:
        found.append(
            Finding(
                "team-selling",
                _(
                    "%(components)s reward individual results, but these people sell as a "
                    "team; a team bonus fits them better."
                )
                % {"components": ", ".join(individual)},
                _names(assignments, team_sellers),
            )
        )
    found += _target_findings(spec, assignments, people, today)
    found += _overpaid(assignments, today)
    return found


def _target_findings(
    spec: PlanSpec,
    assignments: list[PlanAssignment],
    people: dict[int, PlanAssignment],
    today: dt.date,
) -> list[Finding]:
    """Targets that history and pipeline make unlikely; quotas and gates without targets."""
    from koers.reward.services.inputs import kpi_measures, team_quotas
    from koers.sales.models import Opportunity, Stage

    found: list[Finding] = []
    start = month_start(today)
    coming = add_months(start, 3) - dt.timedelta(days=1)
    past = add_months(start, -12)
    kpis = {
        s.quota_kpi for s in spec.components if s.quota_kpi and s.component.scope == "individual"
    }
    # run rate and pipeline are a person's own: a rolled-up quota is the team's
    own = {
        s.quota_kpi
        for s in spec.components
        if s.quota_kpi and s.component.scope == "individual" and not s.component.rollup
    }
    gates = {s.component.modifier_kpi for s in spec.components if s.component.modifier_kpi}
    known = definitions()
    for kpi in sorted(kpis | gates):
        definition = known.get(kpi)
        if definition is None:
            found.append(
                Finding("no-targets", _("%(kpi)s is not a KPI of the catalogue.") % {"kpi": kpi})
            )
            continue
        # both in hundredths of the KPI's unit (cents for money)
        coming_quarter = kpi_measures(kpi, people, start, coming)
        targets = {p: t for p, (_a, t) in coming_quarter.items() if t is not None}
        missing = set(people) - set(targets)
        if kpi in kpis - own:  # measured on their team: the team's quota counts
            missing -= set(team_quotas(kpi, missing, start, coming))
        if missing:
            found.append(
                Finding(
                    "no-targets",
                    _("No %(kpi)s targets for the coming quarter: attainment cannot be measured.")
                    % {"kpi": kpi_name(kpi)},
                    _names(assignments, missing),
                )
            )
        if definition.ratio or kpi not in own:
            continue
        history = kpi_measures(kpi, people, past, start - dt.timedelta(days=1))
        pipeline: dict[int, Decimal] = {}
        if kpi == "revenue":
            from django.db.models import F

            pipeline = {
                row["owner"]: row["w"] or Decimal(0)
                for row in Opportunity.objects.filter(
                    owner__in=people,
                    stage__kind=Stage.Kind.OPEN,
                    expected_close_date__lte=coming,
                )
                .values("owner")
                .annotate(w=Sum(F("reporting_amount") * F("stage__probability") / 100))
                .order_by()
            }
        unlikely = set()
        for person, target in targets.items():
            run_rate = Decimal(history.get(person, (None, None))[0] or 0) / 12 * 3
            supported = max(run_rate, pipeline.get(person, Decimal(0)) * 100)
            if target > 0 and target > supported * UNLIKELY_FACTOR:
                unlikely.add(person)
        if unlikely:
            found.append(
                Finding(
                    "unattainable",
                    _(
                        "%(kpi)s targets for the coming quarter lie more than 30%% above both "
                        "the run rate of the last 12 months and the weighted pipeline: they "
                        "are unlikely to be reached."
                    )
                    % {"kpi": kpi_name(kpi)},
                    _names(assignments, unlikely),
                )
            )
    return found


def _overpaid(assignments: list[PlanAssignment], today: dt.date) -> list[Finding]:
    """People paid far more than their target incentive over the last 12 months: the plan
    pays out of proportion (tiers too steep, targets too low, no cap)."""
    from koers.reward.models import PayoutLine

    first = add_months(month_start(today), -12)
    paid = dict(
        PayoutLine.objects.filter(
            person_id__in=[a.person_id for a in assignments],
            payable=True,
            run__month__gte=first,
            run__month__lt=month_start(today),
        )
        .values("person")
        .annotate(total=Sum("earnings"))
        .values_list("person", "total")
    )
    over = {
        a.person_id
        for a in assignments
        if a.target_incentive > 0
        and (paid.get(a.person_id) or 0) > a.target_incentive * OVERPAID_FACTOR
    }
    if not over:
        return []
    return [
        Finding(
            "overpaid",
            _(
                "Paid more than %(factor)s× the yearly target incentive over the last 12 "
                "months: the plan pays far beyond what it was designed to pay."
            )
            % {"factor": OVERPAID_FACTOR},
            _names(assignments, over),
        )
    ]
