"""Plan documents as versions: save a new version, activate it from a date (moving everyone
on the plan by effective dates), and model a draft against the current plan."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from koers.core.audit import audit
from koers.engine.money import to_cents
from koers.engine.periods import add_months, month_end, month_start
from koers.measure.catalogue import definitions
from koers.reward.documents import PlanDocumentError, PlanSpec, parse_plan
from koers.reward.models import Plan, PlanAssignment
from koers.reward.services.components import _assignments, compute_month
from koers.reward.services.inputs import period_of, shared_context


def check_document(text: str) -> PlanSpec:
    """The plan in ``text``, or a ValidationError naming every problem: the document's own
    and KPIs that the catalogue does not know."""
    try:
        spec = parse_plan(text)
    except PlanDocumentError as error:
        raise ValidationError({"document": error.messages}) from error
    known = definitions()
    problems = []
    for s in spec.components:
        c = s.component
        for code in (c.kpi, c.modifier_kpi, s.quota_kpi):
            if code and code not in known:
                problems.append(
                    _("%(component)s: %(kpi)s is not a KPI of the catalogue.")
                    % {"component": c.code, "kpi": code}
                )
        if c.kpi and c.kpi in known and not known[c.kpi].higher_is_better:
            problems.append(
                _("%(component)s: %(kpi)s is better when lower; pay on a KPI that rises.")
                % {"component": c.code, "kpi": c.kpi}
            )
    if not spec.code:
        problems.append(_("A plan document needs a code."))
    if problems:
        raise ValidationError({"document": problems})
    return spec


def plan_save(*, document: str, by, name: str = "") -> Plan:  # type: ignore[no-untyped-def]
    """A new draft version of the plan the document names (version 1 for a new code). Saving
    the same draft again (a second click, two requests at once) returns the draft that is
    there: never two identical versions."""
    try:
        return _plan_save(document=document, by=by, name=name)
    except IntegrityError:  # the same version was saved by a request at the same moment
        return _plan_save(document=document, by=by, name=name)


@transaction.atomic
def _plan_save(*, document: str, by, name: str = "") -> Plan:  # type: ignore[no-untyped-def]
    spec = check_document(document)
    name = name or spec.name or spec.code
    versions = Plan.objects.select_for_update().filter(code=spec.code).order_by("-version")
    last = versions.first()
    if (
        last is not None
        and last.status == Plan.Status.DRAFT
        and last.document == document
        and last.name == name
    ):
        return last
    plan = Plan.objects.create(
        code=spec.code,
        version=(last.version if last else 0) + 1,
        name=name,
        status=Plan.Status.DRAFT,
        document=document,
    )
    audit(actor=by, action="create", obj=plan, before=None)
    return plan


@transaction.atomic
def plan_activate(plan: Plan, *, effective_from: dt.date, by) -> int:  # type: ignore[no-untyped-def]
    """Make ``plan`` the active version of its code from ``effective_from``: everyone on an
    earlier version then moves to it (their old assignment ends the day before), earlier
    versions retire. Returns the number of people moved."""
    if plan.status == Plan.Status.ACTIVE:
        raise ValidationError(_("This version is active already."))
    check_document(plan.document)
    moved = 0
    others = Plan.objects.filter(code=plan.code).exclude(pk=plan.pk)
    for a in PlanAssignment.objects.select_for_update().filter(plan__in=others):
        if a.valid_to is not None and a.valid_to < effective_from:
            continue
        if a.valid_from >= effective_from:
            a.plan = plan
            a.save(update_fields=["plan"])
        else:
            new = PlanAssignment.objects.get(pk=a.pk)
            a.valid_to = effective_from - dt.timedelta(days=1)
            a.save(update_fields=["valid_to"])
            new.pk = None
            new.plan = plan
            new.valid_from = effective_from
            new.save()
        moved += 1
    before = {"status": plan.status}
    others.filter(status=Plan.Status.ACTIVE).update(status=Plan.Status.RETIRED)
    plan.status = Plan.Status.ACTIVE
    plan.save(update_fields=["status"])
    audit(actor=by, action="update", obj=plan, before=before)
    return moved


@dataclass
class ModelResult:
    months: list[dt.date]
    people: list[dict] = field(default_factory=list)  # name, current, draft, difference, revenue
    current_total: int = 0
    draft_total: int = 0
    revenue: int = 0  # credited revenue of the people modelled, cents
    current_at_target: int = 0
    draft_at_target: int = 0
    buckets: list[str] = field(default_factory=list)
    current_distribution: list[int] = field(default_factory=list)
    draft_distribution: list[int] = field(default_factory=list)

    def cost_of_sales(self, total: int) -> Decimal | None:
        return Decimal(total) * 100 / self.revenue if self.revenue else None


def _add_payable(
    which: str,
    lines: list[dict],
    pay: Counter[int],
    ytd_before: dict[tuple[str, int, str, dt.date], int],
) -> None:
    """Add the payable earnings of one modelled month. A year-to-date line pays its total
    less what the same model paid on it in the year's earlier months."""
    for line in lines:
        if not line["payable"]:
            continue
        cents = line["earnings_cents"]
        if line["period"] == "ytd":
            key = (which, line["person_id"], line["component"], line["period_start"])
            total = cents
            cents = total - ytd_before.get(key, 0)
            ytd_before[key] = total
        pay[line["person_id"]] += cents


BUCKETS = (0, 50, 80, 100, 120, 150, 200, 300)  # payout as % of target incentive: lower bounds


def _bucket(pct: Decimal) -> int:
    return max(i for i, low in enumerate(BUCKETS) if pct >= low)


def model_plan(current: Plan, draft: PlanSpec, *, today: dt.date, months: int = 12) -> ModelResult:
    """Run ``draft`` in place of ``current`` over the last ``months`` whole months for the
    people on the current plan, next to the current plan itself: payable earnings per
    person, total cost, cost of sales, payout distribution, who reaches target pay."""
    from koers.measure.models import KpiFact
    from koers.org.models import Person

    last = add_months(month_start(today), -1)
    span = [add_months(last, -k) for k in range(months - 1, -1, -1)]
    codes = set(Plan.objects.filter(code=current.code).values_list("pk", flat=True))
    current_pay: Counter[int] = Counter()
    draft_pay: Counter[int] = Counter()
    targets: Counter[int] = Counter()
    # one load of the credits from the fiscal year of the first month serves every month
    context = shared_context(period_of("year", add_months(span[0], -1))[0], month_end(span[-1]))
    ytd_before: dict[tuple[str, int, str, dt.date], int] = {}

    before = add_months(span[0], -1)
    if period_of("year", before)[0] == period_of("year", span[0])[0]:
        # the span starts inside a fiscal year: what year-to-date lines had reached by then
        # is not part of the span
        on_plan = [a for a in _assignments(before) if a.plan_id in codes]
        for which, spec_of in (("current", None), ("draft", lambda _plan: draft)):
            earlier = compute_month(
                before, assignments=on_plan, spec_of=spec_of, context=context, ytd_totals=True
            )
            _add_payable(which, earlier.lines, Counter(), ytd_before)
    for month in span:
        on_plan = [a for a in _assignments(month) if a.plan_id in codes]
        if not on_plan:
            continue
        now = compute_month(month, assignments=on_plan, context=context, ytd_totals=True)
        _add_payable("current", now.lines, current_pay, ytd_before)
        modelled = compute_month(
            month,
            assignments=on_plan,
            spec_of=lambda _plan: draft,
            context=context,
            ytd_totals=True,
        )
        _add_payable("draft", modelled.lines, draft_pay, ytd_before)
        for a in on_plan:
            if a.valid_from <= month and (a.valid_to is None or a.valid_to >= month):
                targets[a.person_id] += to_cents(a.target_incentive) // 12
    people = sorted(current_pay.keys() | draft_pay.keys() | targets.keys())
    revenue = dict(
        KpiFact.objects.filter(
            kpi="revenue", person__in=people, month__gte=span[0], month__lte=span[-1]
        )
        .values("person")
        .annotate(n=Sum("numerator"))
        .order_by()
        .values_list("person", "n")
    )
    names = {p.pk: str(p) for p in Person.objects.filter(pk__in=people)}
    result = ModelResult(months=span, buckets=[f"{low}%+" for low in BUCKETS])
    result.current_distribution = [0] * len(BUCKETS)
    result.draft_distribution = [0] * len(BUCKETS)
    for p in people:
        now, new, target = current_pay[p], draft_pay[p], targets[p]
        result.people.append(
            {
                "person_id": p,
                "name": names.get(p, str(p)),
                "current": now,
                "draft": new,
                "difference": new - now,
                "target": target,
            }
        )
        result.current_total += now
        result.draft_total += new
        if target:
            result.current_at_target += now >= target
            result.draft_at_target += new >= target
            result.current_distribution[_bucket(Decimal(now) * 100 / target)] += 1
            result.draft_distribution[_bucket(Decimal(new) * 100 / target)] += 1
    result.revenue = sum(revenue.values())
    result.people.sort(key=lambda r: r["difference"])
    return result
