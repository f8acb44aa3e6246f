"""The KPI page: my figures, my team's, or the organisation's, for a chosen period."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.engine.drivers import decompose, price_mix
from koers.engine.leadlag import best_lag, lead_lag
from koers.engine.money import shown
from koers.engine.periods import add_months, month_start
from koers.kit.templatetags.koers import kpi_value
from koers.measure import periods
from koers.measure import selectors as sel
from koers.measure.benchmark import benchmark, benchmark_units
from koers.measure.catalogue import definition, definitions, kpi_name
from koers.measure.drill import records_url
from koers.measure.memo import memo_page
from koers.measure.periods import Period, Span
from koers.org import visibility as vis
from koers.org.models import Person, Role

ONE_DAY = dt.timedelta(days=1)


def _direction(spec: Any, now: float | None, before: float | None) -> bool | None:
    """Better (True), worse (False) or about the same (None: under 1% or unknown)."""
    change = None if now is None or before is None else now - before
    small = change is not None and abs(change) < abs(before or 0) * 0.01
    return None if change in (None, 0) or small else (change > 0) == spec.higher_is_better


def _rows(
    values: dict, before: dict, year_ago: dict, period: Period, targets: dict[str, float]
) -> list[dict[str, Any]]:
    rows = []
    for code, spec in definitions().items():
        now = values.get(code)
        rows.append(
            {
                "code": code,
                "name": kpi_name(code),
                "url": records_url(code, period.start, period.end),
                "target": targets.get(code),
                "attainment": sel.attainment(code, now, targets.get(code)),
                "definition": spec,
                "value": now,
                "previous": before.get(code),
                "good": _direction(spec, now, before.get(code)),
                "year_ago": year_ago.get(code),
                "good_year": _direction(spec, now, year_ago.get(code)),
            }
        )
    return rows


def kpi_page(request: HttpRequest) -> HttpResponse:
    """The figures change only when the facts are refreshed, so the computed page is kept
    per scope, period, day and language until the next refresh."""
    today = timezone.localdate()
    period, problem = periods.from_request(request.GET, today)
    role, me = vis.role_of(request.user), vis.person_of(request.user)

    def context() -> dict[str, Any]:  # the content's period form uses GET: no session token
        return {**_kpi_context(request, today, period, role, me), "problem": problem}

    span = (period.kind, period.start, period.end, bool(problem))
    templates = ("measure/kpis.html", "measure/kpis_body.html")
    return memo_page(request, "kpis", span, templates, context)


def _data_span(start: dt.date, end: dt.date) -> dict[str, Any] | None:
    """When the period holds no data but other months do (an export that ends in 1998),
    the span that has data, with the link that shows it."""
    from koers.measure.services import first_data_day, last_data_day

    first, last = first_data_day(), last_data_day()
    if first is None or last is None or (first <= end and last >= start):
        return None
    query = urlencode({"period": "custom", "from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"})
    return {"first": first, "last": last, "url": f"{reverse('kpis')}?{query}"}


def _kpi_context(
    request: HttpRequest, today: dt.date, period: Period, role: str | None, me: Person | None
) -> dict[str, Any]:
    start, end, close = period.start, period.end, period.close
    sellers = vis.visible_sellers(request.user)
    values = sel.kpi_values(sellers, start, end)
    targets = sel.target_values(sellers, start, end, sel.scope_unit(request.user))
    pipeline = sel.open_pipeline(sellers, close, today)
    context_pipeline = {
        **pipeline._asdict(),
        "until": close,
        "coverage": sel.coverage(pipeline.due_value, targets.get("revenue"), values.get("revenue")),
        "overdue_url": reverse("entity_list", args=["opportunities"])
        + "?"
        + urlencode(
            {
                "stage__kind": "open",
                "expected_close_date__lte": (today - ONE_DAY).isoformat(),
                "sort": "expected_close_date",
            }
        ),
    }
    before = sel.kpi_values_between(sellers, *period.before) if period.before else {}
    year_ago = sel.kpi_values_between(sellers, *period.year_ago) if period.year_ago else {}
    rows = _rows(values, before, year_ago, period, targets)
    context: dict[str, Any] = {
        "has_targets": bool(targets),
        "pipeline": context_pipeline,
        "period": period.kind,
        "span": period,
        "start": start,
        "end": end,
        "rows": rows,
        "periods": periods.CURRENT,
        "from_month": start.strftime("%Y-%m"),
        "to_month": end.strftime("%Y-%m"),
    }
    if not any(values.values()):
        context["data_span"] = _data_span(start, end)
    if role == Role.SALESPERSON and me:
        peers = Person.objects.filter(unit=me.unit, role=Role.SALESPERSON)
        for row in rows:
            row["rank"] = sel.rank_among(me.pk, peers, row["code"], start, end)
    if role in {Role.MANAGER, Role.DIRECTOR, Role.ADMIN, Role.COMP_ADMIN}:
        context["heat"] = _heat_map(sellers, values, start, end)
        decided = sel.denominators_by_person(sellers, "win_rate", start, end)
        context["leaders"] = _leaderboard(
            context["heat"].pop("by_person"),
            [r["person"] for r in context["heat"]["rows"]],
            decided,
        )
        context["min_decided"] = MIN_DECIDED
        _cap_heat_map(context["heat"])
    context["lead_lag"] = _lead_lag(sellers, today)
    steps = sel.funnel_steps(sellers, add_months(month_start(today), -11), today)
    context["funnel_json"] = json.dumps(
        {
            "type": "funnel",
            "title": _("Funnel of the opportunities created in the last 12 months"),
            "y": [name for name, _step in steps],
            "x": [step.reached for _name, step in steps],
            "url": records_url("new_opportunities", add_months(month_start(today), -11), today),
        }
    )
    context["funnel"] = steps
    compared = period.comparison()
    if compared:
        now = (start, period.months_end)
        context["waterfall_json"] = _drivers_figure(sellers, now, compared)
        context["price_mix_json"] = _price_mix_figure(sellers, now, compared)
    units = benchmark_units(me.unit if me else None, vis.sees_everything(request.user))
    if len(units) > 1:
        context["bench"] = benchmark(units, start, end)
        context["bench"]["headers"] = [kpi_name(c) for c in context["bench"]["codes"]] + [
            _("Revenue per FTE")
        ]
        if context["bench"]["ebit"]:
            context["bench"]["headers"].append(_("EBIT %"))
    trend_start = add_months(month_start(today), -11)
    revenue = sel.kpi_trend(sellers, "revenue", trend_start, today)
    quotes = dict(sel.kpi_trend(sellers, "quotes", trend_start, today))
    context["trend_json"] = json.dumps(
        {
            "x": [m.isoformat() for m, _v in revenue],
            "y": [v or 0 for _m, v in revenue],
            "y2": [quotes.get(m) or 0 for m, _v in revenue],
            "urls": [records_url("revenue", m, add_months(m, 1) - ONE_DAY) for m, _v in revenue],
            "title": _("Revenue (bars) and quotes (line) per month"),
        }
    )
    return context


def _drivers_figure(sellers, now: Span, before: Span) -> str:
    """Won value from the same days before to now: leads, share of leads decided, win rate,
    deal size (or decided deals when a period has no leads)."""
    parts = decompose(sel.driver_totals(sellers, *before), sel.driver_totals(sellers, *now))
    if parts.leads_cents is not None and parts.lead_conversion_cents is not None:
        steps = [
            (_("More or fewer leads"), parts.leads_cents),
            (_("Leads that came to a decision"), parts.lead_conversion_cents),
        ]
    else:
        steps = [(_("More or fewer deals decided"), parts.volume_cents)]
    steps += [(_("Win rate"), parts.conversion_cents), (_("Deal size"), parts.deal_size_cents)]
    return _waterfall(
        _("Won deals: from the period before to now"),
        parts.before_cents,
        steps,
        parts.after_cents,
        records_url("won_deals", before[0], now[1]),
    )


def _price_mix_figure(sellers, now: Span, before: Span) -> str:
    parts = price_mix(sel.group_sales(sellers, *before), sel.group_sales(sellers, *now))
    return _waterfall(
        _("Revenue: volume, mix and price against the period before"),
        parts.before_cents,
        [
            (_("Volume"), parts.volume_cents),
            (_("Mix of product groups"), parts.mix_cents),
            (_("Price"), parts.price_cents),
        ],
        parts.after_cents,
        records_url("revenue", before[0], now[1]),
    )


def waterfall_axis(before: int, steps: list[int]) -> list[float]:
    """The value axis of a waterfall (euros): from a little below its lowest level to a
    little above its highest, so the steps show instead of disappearing on a bar from 0."""
    levels, level = [before], before
    for step in steps:
        level += step
        levels.append(level)
    low, high = min(levels), max(levels)
    pad = (high - low) * 0.25 or abs(high) * 0.05 or 1
    return [float(low - pad), float(high + pad)]


def _waterfall(title: str, before: float, steps: list, after: float, url: str | None) -> str:
    labels = [_("Before"), *[label for label, _v in steps], _("Now")]
    # round the running levels, not each step, so the labelled steps add up to the total
    levels, level = [before], before
    for _label, cents in steps:
        level += cents
        levels.append(level)
    rounded = [int(shown(v / 100)) for v in levels]
    steps_euros = [b - a for a, b in itertools.pairwise(rounded)]
    euros = [rounded[0], *steps_euros, int(shown(after / 100))]
    text = [kpi_value(euros[0], "money")]
    text += [("+" if e > 0 else "") + kpi_value(e, "money") for e in euros[1:-1]]
    text.append(kpi_value(euros[-1], "money"))
    return json.dumps(
        {
            "type": "waterfall",
            "title": title,
            "x": [str(label) for label in labels],
            "y": euros,
            "text": text,  # each step labelled, in the reader's number format
            "range": waterfall_axis(euros[0], euros[1:-1]),
            "measure": ["absolute", *["relative"] * len(steps), "total"],
            "url": url,
        }
    )


HEAT_CODES = (
    "quotes",
    "visits",
    "new_opportunities",
    "win_rate",
    "revenue",
    "margin_pct",
    "avg_deal_size",
    "nps",
)


def _heat_map(people, team: dict, start: dt.date, end: dt.date) -> dict[str, Any]:
    """People × KPI, each cell marked against the group: its rate for a ratio, its average
    person for a count or an amount."""
    by_person = sel.kpi_values_by_person(people, start, end)
    references = {}
    for code in HEAT_CODES:  # a ratio compares with the group's; a sum with the average person
        counted = [v[code] for v in by_person.values() if v.get(code) is not None]
        total = team.get(code)
        if definition(code).ratio or total is None:
            references[code] = total
        else:
            references[code] = total / len(counted) if counted else None
    rows = []
    for person in people.select_related("unit").order_by("unit__name", "last_name"):
        figures = by_person.get(person.pk, {})
        if all(figures.get(code) is None for code in HEAT_CODES):
            continue  # a manager without own figures, someone not yet selling
        cells = []
        for code in HEAT_CODES:
            value, reference = figures.get(code), references[code]
            cells.append(
                {
                    "value": value,
                    "unit": definition(code).unit,
                    "mark": _mark(value, reference, definition(code).higher_is_better),
                    "url": records_url(code, start, end, person_id=person.pk),
                }
            )
        rows.append({"person": person, "cells": cells})
    headers = [kpi_name(c) for c in HEAT_CODES]
    return {"headers": headers, "rows": rows, "by_person": by_person}


HEAT_ROWS = 100


def _cap_heat_map(heat: dict[str, Any]) -> None:
    """A large organisation's heat map shows the ``HEAT_ROWS`` people with the most revenue
    (the benchmark compares its units); a team's shows everyone, by unit and name."""
    rows = heat["rows"]
    heat["count"] = len(rows)
    if len(rows) > HEAT_ROWS:
        column = HEAT_CODES.index("revenue")
        rows.sort(key=lambda r: r["cells"][column]["value"] or 0, reverse=True)
        del rows[HEAT_ROWS:]


LEAD_PAIRS = (
    ("quotes", "won_deals"),
    ("quotes", "revenue"),
    ("visits", "revenue"),
    ("new_opportunities", "won_deals"),
)


def _lead_lag(people, today: dt.date) -> list[dict[str, Any]]:
    """For each pair of a leading and a lagging KPI: how many months ahead the leading one
    runs in the viewer's scope over the last two years, and how strongly."""
    start, end = add_months(month_start(today), -24), month_start(today) - dt.timedelta(days=1)
    names = {c: kpi_name(c) for c in {c for pair in LEAD_PAIRS for c in pair}}
    series = {
        code: sel.monthly_series(people, code, start, end)
        for code in {c for pair in LEAD_PAIRS for c in pair}
    }
    rows = []
    for lead, result in LEAD_PAIRS:
        best = best_lag(lead_lag(series[lead], series[result]))
        rows.append({"lead": names[lead], "result": names[result], "best": best})
    return rows


def _mark(value: float | None, reference: float | None, higher_is_better: bool) -> str | None:
    """good or bad when at least 10% better or worse than the reference."""
    if value is None or not reference:
        return None
    change = (value - reference) / abs(reference)
    if abs(change) < 0.1:
        return None
    return "good" if (change > 0) == higher_is_better else "bad"


LEADER_CODES = ("revenue", "won_deals", "quotes", "win_rate")


MIN_DECIDED = 3  # a win rate over fewer decided deals says more about luck than skill


def _leaderboard(
    by_person: dict, people: list[Person], decided: dict[int, int], size: int = 5
) -> list[dict[str, Any]]:
    """The best ``size`` salespeople of the viewer's scope on a few KPIs, from the figures
    the heat map already holds; the win rate ranks only people with ``MIN_DECIDED`` or
    more decided deals in the period."""
    sellers = {p.pk: p for p in people if p.role == Role.SALESPERSON}
    boards = []
    for code in LEADER_CODES:
        spec = definition(code)
        scored = [
            (values[code], pid)
            for pid, values in by_person.items()
            if pid in sellers
            and values.get(code) is not None
            and (code != "win_rate" or decided.get(pid, 0) >= MIN_DECIDED)
        ]
        scored.sort(reverse=spec.higher_is_better)
        boards.append(
            {
                "code": code,
                "name": kpi_name(code),
                "unit": spec.unit,
                "rows": [(sellers[pid], value) for value, pid in scored[:size]],
            }
        )
    return boards
