"""The head of a person's, account's, opportunity's or unit's page: what a salesperson uses
first (key figures with their trend, open deals, recent activities, NPS), read from the same
facts as the KPI pages and limited to what the viewer may see."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from koers.engine.periods import add_months, month_end, month_start, pace
from koers.kit.templatetags.koers import kpi_value
from koers.measure import selectors as msel
from koers.measure.drill import records_url
from koers.measure.periods import current
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person
from koers.org.setup import fiscal_start_month
from koers.plan import horizon
from koers.plan.models import AccountPlan, AnnualPlan, IndividualPlan, LongTermPlan
from koers.sales.models import Account, Activity, NpsResponse, Opportunity, Stage

RECENT = 5


def _day(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _tile(label: str, text: str, note: str = "", good: bool | None = None, url: str | None = None):
    return {"label": label, "text": text, "note": note, "good": good, "url": url}


def _versus(now: float | None, before: float | None, unit: str) -> tuple[str, bool | None]:
    """ "last year € 1.234" and whether now is better (None: no comparison)."""
    if before is None:
        return _("nothing the year before"), None
    text = _("year before: %(value)s") % {"value": kpi_value(before, unit)}
    if now is None or now == before:
        return text, None
    return text, now > before


def _trend(people: Any, today: dt.date, title: str, person_id: int | None = None) -> str:
    first = add_months(month_start(today), -11)
    values = dict(msel.kpi_trend(people, "revenue", first, today))
    months = [add_months(first, i) for i in range(12)]
    return json.dumps(
        {
            "x": [m.isoformat() for m in months],
            "y": [values.get(m) or 0 for m in months],
            "urls": [records_url("revenue", m, month_end(m), person_id=person_id) for m in months],
            "title": title,
        }
    )


def _figures(people: Any, today: dt.date, unit: OrgUnit | None, person_id: int | None):
    """Revenue, attainment and win rate of the year to date against the same days of the
    year before; quotes this month; NPS over twelve months: the KPI page's figures."""
    ytd = current("ytd", today)
    now = msel.kpi_values(people, ytd.start, ytd.end)
    before = msel.kpi_values_between(people, *ytd.year_ago) if ytd.year_ago else {}
    month = msel.kpi_values(people, month_start(today), today)
    nps = msel.kpi_values(people, add_months(month_start(today), -11), today)
    target = msel.target_values(people, ytd.start, ytd.end, unit).get("revenue")
    revenue_note, revenue_good = _versus(now["revenue"], before.get("revenue"), "money")
    rate_note, rate_good = _versus(now["win_rate"], before.get("win_rate"), "percent")
    tiles = [
        _tile(
            _("Revenue this year"),
            kpi_value(now["revenue"], "money"),
            revenue_note,
            revenue_good,
            records_url("revenue", ytd.start, ytd.end, person_id=person_id),
        )
    ]
    if target:
        attained = msel.attainment("revenue", now["revenue"], target)
        tiles.append(
            _tile(
                _("Revenue target this year"),
                kpi_value(target, "money"),
                _("%(pct)s attained") % {"pct": kpi_value(attained, "percent")},
                None if attained is None else attained >= 100,
            )
        )
    tiles += [
        _tile(_("Win rate this year"), kpi_value(now["win_rate"], "percent"), rate_note, rate_good),
        _tile(
            _("Quotes this month"),
            kpi_value(month["quotes"], "count"),
            _("%(v)s visits, %(c)s calls")
            % {"v": kpi_value(month["visits"], "count"), "c": kpi_value(month["calls"], "count")},
        ),
        _tile(_("NPS, last 12 months"), kpi_value(nps["nps"], "score")),
    ]
    return tiles


def _open_deals(deals: Any) -> dict[str, Any]:
    open_ones = deals.filter(stage__kind=Stage.Kind.OPEN)
    totals = open_ones.aggregate(n=Count("pk"), v=Sum("reporting_amount"))
    return {
        "rows": list(
            open_ones.select_related("account", "stage").order_by(
                "-reporting_amount", "expected_close_date"
            )[:RECENT]
        ),
        "count": totals["n"],
        "value": totals["v"] or 0,
    }


def _activities(activities: Any) -> list[Activity]:
    return list(activities.select_related("account", "owner").order_by("-date", "-pk")[:RECENT])


def person_summary(user: Any, person: Person, today: dt.date) -> dict[str, Any]:
    summary: dict[str, Any] = {"kind": "person"}
    if vis.visible_sellers(user).filter(pk=person.pk).exists():
        people = Person.objects.filter(pk=person.pk)
        summary["tiles"] = _figures(people, today, None, person.pk)
        summary["trend_json"] = _trend(
            people, today, _("Revenue per month, last 12 months"), person.pk
        )
    summary["deals"] = _open_deals(vis.visible_opportunities(user).filter(owner=person))
    summary["activities"] = _activities(vis.visible_activities(user).filter(owner=person))
    links = []
    if vis.can_see_pay(user, person):
        mine = vis.person_of(user) == person
        url = reverse("statement") if mine else reverse("statement_of", args=[person.pk])
        links.append((_("Statement"), url))
    if vis.person_of(user) == person:
        links.append((_("My KPIs"), reverse("kpis")))
    links.append((_("Skills"), reverse("steer_person", args=[person.pk])))
    links.append((_("Coaching"), reverse("steer_coaching_person", args=[person.pk])))
    summary["links"] = links
    summary["steer"] = _steer(user, person, today)
    return summary


def _steer(user: Any, person: Person, today: dt.date) -> dict[str, Any]:
    from koers.steer.coaching_page import signal_text
    from koers.steer.panel import person_panel

    panel = person_panel(user, person, today)
    panel["signals"] = [signal_text(s) for s in panel["signals"]]
    return panel


def account_summary(user: Any, account: Account, today: dt.date) -> dict[str, Any]:
    from koers.measure.models import AccountMonthFact

    first = add_months(month_start(today), -11)
    facts = AccountMonthFact.objects.filter(account=account)
    year = facts.filter(month__gte=first).aggregate(r=Sum("revenue_cents"), m=Sum("margin_cents"))
    before = facts.filter(month__gte=add_months(first, -12), month__lt=first).aggregate(
        r=Sum("revenue_cents")
    )
    revenue = (year["r"] or 0) / 100
    previous = (before["r"] or 0) / 100 if before["r"] is not None else None
    note, good = _versus(revenue, previous, "money")
    last_order = facts.filter(revenue_cents__gt=0).aggregate(m=Max("month"))["m"]
    nps = NpsResponse.objects.filter(account=account, responded_on__gte=first).aggregate(
        n=Count("pk"),
        promoters=Count("pk", filter=Q(score__gte=9)),
        detractors=Count("pk", filter=Q(score__lte=6)),
    )
    score = (nps["promoters"] - nps["detractors"]) * 100 / nps["n"] if nps["n"] else None
    margin = (year["m"] or 0) / 100
    tiles = [
        _tile(_("Revenue, last 12 months"), kpi_value(revenue, "money"), note, good),
        _tile(
            _("Gross margin, last 12 months"),
            kpi_value(margin, "money"),
            _("%(pct)s of revenue") % {"pct": kpi_value(margin / revenue * 100, "percent")}
            if revenue
            else "",
        ),
        _tile(
            _("Last month with orders"),
            date_format(last_order, "YEAR_MONTH_FORMAT") if last_order else "–",
        ),
        _tile(
            _("NPS, last 12 months"),
            kpi_value(score, "score"),
            _("%(n)s answers") % {"n": nps["n"]},
        ),
    ]
    by_month = dict(
        facts.filter(month__gte=first).values_list("month").annotate(r=Sum("revenue_cents"))
    )
    months = [add_months(first, i) for i in range(12)]
    trend = json.dumps(
        {
            "x": [m.isoformat() for m in months],
            "y": [(by_month.get(m) or 0) / 100 for m in months],
            "title": _("Revenue per month, last 12 months"),
        }
    )
    from koers.engine.periods import fiscal_year_start
    from koers.plan.models import Target

    year_first = fiscal_year_start(today, fiscal_start_month())
    target = Target.objects.filter(
        account=account, kpi="revenue", month__gte=year_first, month__lte=today
    ).aggregate(v=Sum("value"))["v"]
    if target is not None:
        done = AccountMonthFact.objects.filter(
            account=account, month__gte=year_first, month__lte=today
        ).aggregate(r=Sum("revenue_cents"))["r"]
        reached = (done or 0) / 100
        tiles.insert(
            1,
            _tile(
                _("Revenue this year against the account's target"),
                kpi_value(reached, "money"),
                _("target to date %(value)s (%(pct)s)")
                % {
                    "value": kpi_value(target, "money"),
                    "pct": kpi_value(msel.attainment("revenue", reached, float(target)), "percent"),
                },
                reached >= float(target) if target else None,
            ),
        )
    summary: dict[str, Any] = {
        "kind": "account",
        "tiles": tiles,
        "trend_json": trend,
        "deals": _open_deals(vis.visible_opportunities(user).filter(account=account)),
        "activities": _activities(vis.visible_activities(user).filter(account=account)),
    }
    tiles_url = getattr(settings, "KOERS_MAP_TILES", "")
    if tiles_url and account.latitude is not None and account.longitude is not None:
        summary["map"] = json.dumps(
            {
                "lat": float(account.latitude),
                "lon": float(account.longitude),
                "tiles": tiles_url,
                "attribution": getattr(settings, "KOERS_MAP_ATTRIBUTION", ""),
                "label": account.name,
            }
        )
    return summary


def opportunity_summary(user: Any, deal: Opportunity, today: dt.date) -> dict[str, Any]:
    stage = deal.stage
    amount = deal.reporting_amount if deal.reporting_amount is not None else deal.amount
    weighted = (amount or 0) * stage.probability / 100
    history = list(deal.stage_history.select_related("stage").order_by("changed_on", "pk"))
    since = history[-1].changed_on if history else deal.created_on
    is_open = stage.kind == Stage.Kind.OPEN
    overdue = is_open and deal.expected_close_date and deal.expected_close_date < today
    close = deal.expected_close_date if is_open else deal.closed_on or deal.expected_close_date
    tiles = [
        _tile(
            _("Amount"),
            kpi_value(amount, "money"),
            _("weighted %(value)s at %(pct)s%%")
            % {"value": kpi_value(weighted, "money"), "pct": stage.probability},
        ),
        _tile(
            _("Stage"),
            str(stage),
            _("since %(day)s (%(n)s days)")
            % {"day": _day(since), "n": ((deal.closed_on or today) - since).days},
        ),
        _tile(
            _("Expected close") if is_open else _("Closed"),
            _day(close),
            _("overdue: the expected close date has passed") if overdue else "",
            False if overdue else None,
        ),
        _tile(
            _("Age"),
            _("%(n)s days") % {"n": ((deal.closed_on or today) - deal.created_on).days},
            _("created %(day)s") % {"day": _day(deal.created_on)},
        ),
    ]
    activities = vis.visible_activities(user).filter(account=deal.account_id)
    return {
        "kind": "opportunity",
        "tiles": tiles,
        "history": history,
        "activities": _activities(activities),
    }


def _sellers_if_all_seen(user: Any, unit: OrgUnit) -> Any:
    """Everyone in ``unit`` and below who sells, when the viewer may see all of their
    figures (a group's figures are shown whole or not at all); else None."""
    subtree = Person.objects.filter(
        unit__in=OrgUnit.objects.subtree_of(unit), role__in=vis.SELLING_ROLES
    )
    seen = vis.visible_sellers(user).filter(pk__in=subtree.values("pk"))
    count = subtree.count()
    return subtree if count and seen.count() == count else None


def unit_summary(user: Any, unit: OrgUnit, today: dt.date) -> dict[str, Any]:
    """A unit's figures when the viewer sees everyone in it who sells (a salesperson sees
    only their own figures, so their unit page shows none)."""
    subtree = _sellers_if_all_seen(user, unit)
    summary: dict[str, Any] = {"kind": "unit"}
    if subtree is not None:
        summary["tiles"] = _figures(subtree, today, unit, None)
        summary["trend_json"] = _trend(subtree, today, _("Revenue per month, last 12 months"))
        pipeline = msel.open_pipeline(subtree, today, today)
        summary["tiles"].insert(
            2,
            _tile(
                _("Open pipeline"),
                kpi_value(pipeline.value, "money"),
                _("%(n)s opportunities") % {"n": pipeline.count}
                + (
                    " · " + _("%(n)s overdue") % {"n": pipeline.overdue_count}
                    if pipeline.overdue_count
                    else ""
                ),
                False if pipeline.overdue_count else None,
            ),
        )
    return summary


def _progress(
    people: Any, unit: OrgUnit | None, year: int, today: dt.date, series: str | None = None
) -> list[dict]:
    """The year's revenue target, the revenue to date, the pace to the year's end (the
    revenue per working day gone, times the year's working days: ``periods.pace``) and,
    once the forecast of ``series`` has been fitted, the revenue to date plus the combined
    forecast of the rest of the year; each with its attainment."""
    from koers.forecast.selectors import to_period_end
    from koers.plan.services import year_start

    first = year_start(year)
    last = add_months(first, 12) - dt.timedelta(days=1)
    months = horizon.revenue_months(people, unit, first, today, fallback=False)
    planned = [m for m in months if m.source in horizon.PLANNED]
    target = sum(m.value for m in planned) if planned else None
    from_round = sum(1 for m in planned if m.source == "round")
    to = min(today, last)
    actual = msel.kpi_values(people, first, to)["revenue"] if to >= first else None
    run_rate = pace(actual, first, last, today) if actual is not None else None
    note = ""
    if from_round:
        note = _("the open round's numbers, not yet approved")
    elif planned and len(planned) < 12:
        note = _("targets set for %(n)s of the 12 months") % {"n": len(planned)}
    tiles = [
        _tile(_("Revenue target %(year)s") % {"year": year}, kpi_value(target, "money"), note),
        _tile(
            _("Revenue to date"),
            kpi_value(actual, "money"),
            _("%(pct)s of the target")
            % {"pct": kpi_value(msel.attainment("revenue", actual, target), "percent")}
            if target
            else "",
        ),
        _reach(_("At this pace, by the year's end"), run_rate, target),
    ]
    if series is not None and today <= last:
        ahead = to_period_end(series, "revenue", first, last, today, actual or 0.0)
        if ahead is not None:
            tiles.append(_reach(_("Forecast for the year's end"), ahead, target))
    return tiles


def _reach(label: str, value: float | None, target: Any) -> dict:
    return _tile(
        label,
        kpi_value(value, "money"),
        _("%(pct)s of the target")
        % {"pct": kpi_value(msel.attainment("revenue", value, target), "percent")}
        if target and value is not None
        else "",
        None if not target or value is None else value >= float(target),
    )


def annual_plan_summary(user: Any, plan: Any, today: dt.date) -> dict[str, Any]:
    """Progress of the unit's year; figures when the viewer sees everyone in it who sells."""
    subtree = _sellers_if_all_seen(user, plan.unit)
    if subtree is None:
        return {"kind": "annual-plan"}
    tiles = _progress(subtree, plan.unit, plan.year, today, f"unit:{plan.unit_id}")
    return {"kind": "annual-plan", "tiles": tiles}


def individual_plan_summary(user: Any, plan: Any, today: dt.date) -> dict[str, Any]:
    if not vis.visible_sellers(user).filter(pk=plan.person_id).exists():
        return {"kind": "individual-plan"}
    people = Person.objects.filter(pk=plan.person_id)
    tiles = _progress(people, None, plan.year, today, f"person:{plan.person_id}")
    return {"kind": "individual-plan", "tiles": tiles, "coaching_goals": _goals_of(plan)}


def _goals_of(plan: Any) -> list[Any]:
    """The person's coaching goals due in the plan's year: their development goals."""
    from koers.steer.models import CoachingGoal

    return list(
        CoachingGoal.objects.filter(person_id=plan.person_id, due_date__year=plan.year)
        .select_related("competency")
        .order_by("due_date")
    )


def long_term_summary(user: Any, plan: Any, today: dt.date) -> dict[str, Any]:
    """Each year of the plan: the organisation's revenue target and result, when the
    viewer sees everyone in the plan's unit."""
    subtree = _sellers_if_all_seen(user, plan.unit)
    if subtree is None:
        return {"kind": "long-term-plan"}
    tiles = []
    for year in range(plan.first_year, plan.last_year + 1):
        progress = _progress(subtree, plan.unit, year, today)
        tiles.append(
            _tile(
                str(year),
                progress[1]["text"],
                _("target %(target)s") % {"target": progress[0]["text"]}
                + (f" ({progress[0]['note']})" if progress[0]["note"] else ""),
            )
        )
    return {"kind": "long-term-plan", "tiles": tiles}


def account_plan_summary(user: Any, plan: Any, today: dt.date) -> dict[str, Any]:
    """The account's figures and deals (as on its own page), with the plan's expected
    revenue against the account's revenue in the plan's year so far."""
    from koers.measure.models import AccountMonthFact
    from koers.plan.services import year_start

    summary = account_summary(user, plan.account, today)
    first = year_start(plan.year)
    revenue = AccountMonthFact.objects.filter(
        account=plan.account, month__gte=first, month__lt=add_months(first, 12)
    ).aggregate(r=Sum("revenue_cents"))["r"]
    reached = (revenue or 0) / 100
    expected = float(plan.expected_revenue) if plan.expected_revenue is not None else None
    summary["tiles"] = [
        _tile(
            _("Revenue %(year)s against the plan") % {"year": plan.year},
            kpi_value(reached, "money"),
            _("expected %(value)s (%(pct)s)")
            % {
                "value": kpi_value(expected, "money"),
                "pct": kpi_value(reached / expected * 100 if expected else None, "percent"),
            }
            if expected
            else "",
        ),
        *summary["tiles"],
    ]
    summary["kind"] = "account-plan"
    summary.pop("map", None)
    return summary


SUMMARIES = {
    Person: person_summary,
    Account: account_summary,
    Opportunity: opportunity_summary,
    OrgUnit: unit_summary,
    AnnualPlan: annual_plan_summary,
    IndividualPlan: individual_plan_summary,
    LongTermPlan: long_term_summary,
    AccountPlan: account_plan_summary,
}


def record_summary(user: Any, obj: Any, today: dt.date) -> dict[str, Any] | None:
    """The head of ``obj``'s page, or None for a record without one."""
    summarise = SUMMARIES.get(type(obj))
    if summarise is None:
        return None
    return {**summarise(user, obj, today), "today": today}
