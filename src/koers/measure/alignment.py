"""How far sales and marketing work as one, read from the data rather than asked.

Four levels, each a step on the one before (undefined, defined, aligned, integrated). A
level is reached when every check of it and of the levels below it passes; the checks are
figures anyone can verify on the leads, campaigns and targets of the year:

* defined: leads are graded (cold, warm, hot) and marketing's leads are traced to the
  campaign that brought them: both sides speak of the same thing;
* aligned: sales takes on marketing's leads within the agreed days, few wait untouched,
  and a target for leads is set for the year: a handover that works and a shared goal;
* integrated: what campaigns cost is on the books and every converted lead is linked to
  the opportunity it became: marketing is judged on the revenue it brings, one cycle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from koers.measure.campaigns import LeadFlow, campaigns_between, lead_flow, taken_on_in_time
from koers.sales import models as sm

UNDEFINED, DEFINED, ALIGNED, INTEGRATED = "undefined", "defined", "aligned", "integrated"
LEVELS = (UNDEFINED, DEFINED, ALIGNED, INTEGRATED)
LABELS: dict[str, Promise] = {
    UNDEFINED: _("Undefined"),
    DEFINED: _("Defined"),
    ALIGNED: _("Aligned"),
    INTEGRATED: _("Integrated"),
}
WORDS: dict[str, Promise] = {
    UNDEFINED: _(
        "Sales and marketing each work to their own agenda. There is no shared definition of "
        "a good lead and no record of where leads come from, so the two sides' figures cannot "
        "be compared and each blames the other."
    ),
    DEFINED: _(
        "The two sides speak the same language: leads are graded the same way and traced to "
        "the campaign that brought them. The handover itself and the goals are not yet "
        "shared: leads wait, or nobody is held to them."
    ),
    ALIGNED: _(
        "A handover that works and a shared goal: sales takes on marketing's leads within the "
        "agreed days, few wait untouched, and the year has a target for leads. Marketing is "
        "not yet judged on the revenue its campaigns bring."
    ),
    INTEGRATED: _(
        "One cycle from campaign to revenue: what each campaign cost is on the books and every "
        "converted lead is linked to the deal it became, so marketing and sales are judged on "
        "the same revenue."
    ),
}
AGREED_DAYS = 3  # the follow-up sales and marketing agree on, unless set on the page
MARKETING = "marketing"  # a lead's source
LEAD_TARGET_KPIS = ("leads", "marketing_leads")


@dataclass(frozen=True)
class Check:
    """One figure the level rests on: a share with the share it needs (at least, or at most
    for ``at_most``), or a yes/no (``value`` 1 or 0 with ``needed`` 1)."""

    level: str
    key: str
    label: Promise
    value: float | None
    needed: float
    at_most: bool = False
    yes_no: bool = False
    count: int = 0  # what the share is of (leads, campaigns)

    @property
    def level_label(self) -> Promise:
        return LABELS[self.level]

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return self.value <= self.needed if self.at_most else self.value >= self.needed


@dataclass(frozen=True)
class Alignment:
    level: str
    checks: tuple[Check, ...]

    @property
    def label(self) -> Promise:
        return LABELS[self.level]

    @property
    def words(self) -> Promise:
        return WORDS[self.level]

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)

    @property
    def next_level(self) -> str | None:
        return LEVELS[self.rank + 1] if self.rank + 1 < len(LEVELS) else None

    @property
    def next_label(self) -> Promise | None:
        return LABELS[self.next_level] if self.next_level else None

    @property
    def to_do(self) -> list[Check]:
        """The checks that stand between this level and the next."""
        return [c for c in self.checks if c.level == self.next_level and not c.passed]


def level_of(checks: tuple[Check, ...]) -> str:
    """The highest level whose checks, and those of every level below it, all pass."""
    reached = UNDEFINED
    for level in LEVELS[1:]:
        if not all(c.passed for c in checks if c.level == level):
            break
        reached = level
    return reached


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def alignment(
    leads: Any,
    first: dt.date,
    last: dt.date,
    agreed_days: int,
    today: dt.date,
    flow: LeadFlow | None = None,
) -> Alignment:
    """The level ``leads`` (the year's, ``first``..``last``) show, with the figures behind
    it; ``flow``: their :func:`lead_flow`, when the caller has it already."""
    from koers.plan.models import Target

    marketing = list(
        leads.filter(source=MARKETING).values_list(
            "pk", "campaign", "created_on", "accepted_on", "status", "opportunity", named=True
        )
    )
    touched = set(
        sm.LeadTouch.objects.filter(lead__in=leads.filter(source=MARKETING))
        .values_list("lead", flat=True)
        .distinct()
    )
    traced = sum(1 for r in marketing if r.campaign is not None or r.pk in touched)
    in_time = sum(
        1 for r in marketing if taken_on_in_time(r.created_on, r.accepted_on, agreed_days)
    )
    flow = flow or lead_flow(leads, today, agreed_days)  # untouched as the page's tile counts
    graded = leads.exclude(quality="").count()
    converted = [r for r in marketing if r.status == sm.Lead.Status.CONVERTED]
    linked = sum(1 for r in converted if r.opportunity is not None)
    targeted = (
        Target.objects.overall()
        .filter(kpi__in=LEAD_TARGET_KPIS, month__range=(first, last))
        .exists()
    )
    campaigns = campaigns_between(first, last)
    costed = campaigns.filter(costs__isnull=False).distinct().count()
    n_campaigns = campaigns.count()
    checks = (
        Check(
            DEFINED,
            "graded",
            _("Leads graded cold, warm or hot"),
            _share(graded, flow.generated),
            0.8,
            count=flow.generated,
        ),
        Check(
            DEFINED,
            "traced",
            _("Marketing's leads traced to a campaign"),
            _share(traced, len(marketing)),
            0.8,
            count=len(marketing),
        ),
        Check(
            ALIGNED,
            "in_time",
            _("Marketing's leads taken on by sales within the agreed days"),
            _share(in_time, len(marketing)),
            0.7,
            count=len(marketing),
        ),
        Check(
            ALIGNED,
            "untouched",
            _("Leads waiting untouched past the agreed days"),
            flow.untouched_share,
            0.1,
            at_most=True,
            count=flow.generated,
        ),
        Check(
            ALIGNED,
            "target",
            _("A target for leads this year"),
            1.0 if targeted else 0.0,
            1.0,
            yes_no=True,
        ),
        Check(
            INTEGRATED,
            "costed",
            _("Campaigns with their costs recorded"),
            _share(costed, n_campaigns),
            0.8,
            count=n_campaigns,
        ),
        Check(
            INTEGRATED,
            "closed_loop",
            _("Converted marketing leads linked to their deal"),
            _share(linked, len(converted)),
            0.9,
            count=len(converted),
        ),
    )
    return Alignment(level_of(checks), checks)
