"""The driver model and the achievability check on the organisation's own figures: the
rates are measured from the KPI facts of the last twelve full months of a person or team
(``koers.engine.driver_model`` does the arithmetic, ``koers.engine.achievability`` the
judging). The deal share is the value of the deals won ÷ the revenue: the part of the
revenue that deals bring; the rest are repeat orders of existing accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from koers.engine import achievability
from koers.engine.driver_model import Rates
from koers.engine.periods import add_months, last_twelve_months, month_start
from koers.measure import selectors as msel
from koers.org.models import Person
from koers.plan.models import TargetProposal, TargetRound

DEFAULTS = {  # where a scope has no history: a cautious starting point to adjust
    "win_rate": 0.25,
    "deal_size": 5_000.0,
    "opportunities_per_lead": 0.3,
    "quotes_per_opportunity": 0.8,
    "visits_per_opportunity": 1.5,
    "cycle_days": 60.0,
    "deal_share": 1.0,  # no history: all of the target is to be won through deals
}


def _rates(values: dict[str, float | None], fte: float) -> Rates:
    def ratio(a: str, b: str, default: float) -> float:
        top, bottom = values.get(a), values.get(b)
        return top / bottom if top and bottom else default

    win = values.get("win_rate")
    won, size, revenue = values.get("won_deals"), values.get("avg_deal_size"), values.get("revenue")
    share = min(won * size / revenue, 1.0) if won and size and revenue else DEFAULTS["deal_share"]
    return Rates(
        win_rate=win / 100 if win else DEFAULTS["win_rate"],
        deal_size=values.get("avg_deal_size") or DEFAULTS["deal_size"],
        opportunities_per_lead=ratio(
            "new_opportunities", "leads", DEFAULTS["opportunities_per_lead"]
        ),
        quotes_per_opportunity=ratio(
            "quotes", "new_opportunities", DEFAULTS["quotes_per_opportunity"]
        ),
        visits_per_opportunity=ratio(
            "visits", "new_opportunities", DEFAULTS["visits_per_opportunity"]
        ),
        cycle_days=values.get("sales_cycle") or DEFAULTS["cycle_days"],
        fte=fte,
        deal_share=share,
    )


def measured_rates(people: Any, today: dt.date) -> Rates:
    """The scope's rates over the last twelve full months, with cautious defaults where it
    has no history."""
    first, last = last_twelve_months(today)
    fte = float(people.aggregate(f=Sum("fte"))["f"] or 0)
    return _rates(msel.kpi_values(people, first, last), fte)


def rates_by_person(people: Any, today: dt.date) -> dict[int, Rates]:
    first, last = last_twelve_months(today)
    values = msel.kpi_values_by_person(people, first, last)
    return {p.pk: _rates(values.get(p.pk, {}), float(p.fte)) for p in people}


def _message(flag: achievability.Flag, money: bool) -> str:
    from koers.kit.templatetags.koers import kpi_value

    f = flag.figures
    if flag.code == "growth":
        return _("needs %(growth)s growth on the last twelve months (%(last)s)") % {
            "growth": kpi_value(f["growth"], "percent"),
            "last": kpi_value(f["last_year"], "money" if money else "count"),
        }
    if flag.code == "no_record":
        return _("nothing achieved on this KPI in the last twelve months")
    if flag.code == "pipeline":
        return _(
            "the open pipeline for the first quarter (%(pipeline)s at a win rate of %(rate)s) "
            "brings about %(expected)s of the %(quarter)s to be won through deals in the "
            "months whose deals should be open by now"
        ) % {
            "pipeline": kpi_value(f["pipeline"], "money"),
            "rate": kpi_value(f["win_rate"], "percent"),
            "expected": kpi_value(f["expected"], "money"),
            "quarter": kpi_value(f["first_quarter"], "money"),
        }
    return _("the activities it takes need %(load)s of the selling hours in the busiest month") % {
        "load": kpi_value(f["load"], "percent")
    }


def _open_by(month: dt.date, cycle_days: float, today: dt.date) -> float:
    """The share of a month's deals that should be open by ``today``: a deal decided on a
    day was created one sales cycle earlier, so the days of the month no later than today
    plus the cycle (0 when the month is further off, 1 when it has begun)."""
    days = (add_months(month, 1) - month).days
    reach = today + dt.timedelta(days=round(cycle_days))
    return min(max((reach - month).days + 1, 0), days) / days


def round_flags(target_round: TargetRound, proposals: list[TargetProposal], today: dt.date):  # type: ignore[no-untyped-def]
    """Proposal id → the reasons its number (agreed, else bottom-up, else top-down) is
    improbable, in words with the figures behind them."""
    from koers.engine.driver_model import model
    from koers.plan.services import season_of, year_start
    from koers.sales.models import Opportunity, Stage

    if not proposals:
        return {}
    first, last = last_twelve_months(today)
    ids = [p.person_id for p in proposals]
    people = Person.objects.filter(pk__in=ids)
    values = msel.kpi_values_by_person(people, first, last)
    rates = rates_by_person(people, today)
    start = year_start(target_round.year)
    quarter_end = add_months(start, 3) - dt.timedelta(days=1)
    money = target_round.kpi in ("revenue", "margin")
    revenue = target_round.kpi == "revenue"
    pipeline = dict(
        Opportunity.objects.filter(
            owner__in=ids,
            stage__kind=Stage.Kind.OPEN,
            expected_close_date__lte=quarter_end,
            # planned ahead: this year's deals are not next year's pipeline
            expected_close_date__gte=start if start > today else dt.date.min,
        )
        .values("owner")
        .annotate(v=Sum("reporting_amount"))
        .values_list("owner", "v")
    )
    season = season_of(target_round.kpi, start, today)
    share = [s / sum(season) for s in season]
    year_ago = add_months(month_start(today), -12)
    started = dict(people.values_list("pk", "start_date"))
    flags = {}
    for proposal in proposals:
        target = float(proposal.standing)
        months = [target * s for s in share]
        person_rates = rates[proposal.person_id]
        load = None
        if revenue and person_rates.fte:
            # each month's own activities, not what should have started before the year
            # (that is done in the months before it, not piled onto its first month)
            steady = replace(person_rates, cycle_days=0)
            peak = max((m.load or 0 for m in model(months, steady).months), default=0)
            load = peak or None
        due = sum(
            months[i] * _open_by(add_months(start, i), person_rates.cycle_days, today)
            for i in range(3)
        )
        record = achievability.Record(
            last_year=float(values.get(proposal.person_id, {}).get(target_round.kpi) or 0),
            full_year=bool(started.get(proposal.person_id))
            and started[proposal.person_id] <= year_ago,
            open_pipeline=float(pipeline.get(proposal.person_id) or 0),
            win_rate=person_rates.win_rate,
            peak_load=load,
            deal_share=person_rates.deal_share,
        )
        found = achievability.check(target, due, record, revenue=revenue)
        flags[proposal.pk] = [_message(f, money) for f in found]
    return flags
