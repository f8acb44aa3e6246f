"""What each role's home page shows: their own figures, their team's, or the organisation's."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from koers.engine.periods import add_months, fiscal_year_start, month_start
from koers.measure.memo import memo
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person, Role
from koers.org.setup import fiscal_start_month
from koers.sales import selectors as sel
from koers.sales.models import Account, Activity, Opportunity, OrderLine


def home_context(user: Any, today: dt.date) -> dict[str, Any]:
    role = vis.role_of(user)
    if role is None:
        return {"outsider": True}
    people = vis.visible_people(user)
    year_start = fiscal_year_start(today, fiscal_start_month())
    this_month = month_start(today)

    def figures() -> dict[str, Any]:
        """Everything on the home page that is a figure: computed and rendered once per
        scope, day and refresh of the facts (``koers.measure.memo``)."""
        found: dict[str, Any] = {
            "tiles": _tiles(user, people, today, this_month, year_start),
            "trend_json": _trend_json(people, add_months(this_month, -11), today),
        }
        if role in {Role.MANAGER, Role.DIRECTOR, Role.COMP_ADMIN, Role.ADMIN}:
            found["team"] = _people_table(people, year_start, today)
        if role in {Role.DIRECTOR, Role.ADMIN}:
            found["units"] = _unit_table(year_start, today)
        if role == Role.ADMIN:
            found["record_counts"] = _record_counts()
        return found

    def figures_html() -> str:  # links and figures only: no per-session token or name
        return render_to_string("ui/home_figures.html", {**figures(), "my_role": role})

    context: dict[str, Any] = {
        "today": today,
        "scope_label": _scope_label(role),
        "figures_html": mark_safe(memo("home_html", user, (), figures_html)),  # noqa: S308
    }
    from koers.ui import todo

    context["my_year"] = memo("home_year", user, (), lambda: todo.my_year(user, today))
    pay = todo.pay_this_month(user, today)
    if pay is not None:
        context["my_year"] = [*context["my_year"], pay]
    context["todo"] = todo.todo_list(user, today)
    context["cycle"] = todo.cycle_strip(user, today)
    if role == Role.ADMIN:
        context["admin_desk"] = _admin_desk(today)
    if role in {Role.COMP_ADMIN, Role.ADMIN}:
        context["pay_desk"] = _pay_desk(today)
    return context


def _pay_desk(today: dt.date) -> dict[str, Any]:
    """What the compensation administrator acts on first: the open month with its
    checks, the payments held back and the inquiries waiting for an answer."""
    from django.db.models import Sum

    from koers.measure.freshness import months_to_refresh
    from koers.reward.models import CalcRun, Hold, Inquiry

    run = CalcRun.objects.filter(status=CalcRun.Status.OPEN).order_by("-month").first()
    open_inquiries = Inquiry.objects.filter(status=Inquiry.Status.OPEN)
    desk: dict[str, Any] = {
        "run": run,
        "holds": Hold.objects.filter(released_on__isnull=True).select_related("person")[:10],
        "hold_count": Hold.objects.filter(released_on__isnull=True).count(),
        "inquiries": open_inquiries.select_related("person").order_by("due_on")[:10],
        "inquiry_count": open_inquiries.count(),
        "overdue_count": open_inquiries.filter(due_on__lt=today).count(),
        "today": today,
    }
    if run is not None:
        desk["to_pay"] = run.payouts.aggregate(paid=Sum("paid"))["paid"]
        desk["people"] = run.payouts.count()
        desk["owing"] = run.payouts.filter(balance__gt=0).count()
        desk["stale"] = [m for m in months_to_refresh() if m <= run.month][:12]
    return desk


def _admin_desk(today: dt.date) -> dict[str, Any]:
    """What the administrator acts on first: imports (the failed and the waiting), data
    that needs a fix, and the logins."""
    from django.contrib.auth import get_user_model

    from koers.imports.models import ImportRun
    from koers.measure.freshness import months_to_refresh

    runs = ImportRun.objects.order_by("-started_at")
    users = get_user_model().objects
    locked = 0
    try:
        from axes.models import AccessAttempt

        locked = AccessAttempt.objects.count()
    except ImportError:  # axes is part of Koers; kept soft for a trimmed install
        pass
    return {
        "imports": runs.select_related("by")[:8],
        "failed": runs.filter(
            status=ImportRun.Status.FAILED, started_at__date__gte=today.replace(day=1)
        ).count(),
        "waiting": runs.filter(
            status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING]
        ).count(),
        "stale": len(months_to_refresh()),
        "users": users.filter(is_active=True).count(),
        "without_person": users.filter(
            is_active=True, person__isnull=True, is_superuser=False
        ).count(),
        "locked": locked,
    }


def _scope_label(role: str) -> str:
    return {
        Role.SALESPERSON: _("My figures"),
        Role.MANAGER: _("My team"),
    }.get(role, _("The whole organisation"))


def _count(value: float | None) -> str:
    """A count as the KPI page shows it ("–" where nothing was recorded)."""
    from koers.kit.templatetags.koers import kpi_value

    return kpi_value(value, "count")


def _tiles(user: Any, people: Any, today: dt.date, month: dt.date, year: dt.date) -> list[dict]:
    """The home tiles: the KPI page's figures for the same scope and periods (the KPI facts
    and the open pipeline of the people who sell), so each has one value everywhere."""
    from koers.measure import selectors as msel

    sellers = vis.visible_sellers(user)
    this_month = msel.kpi_values(sellers, month, today)
    this_year = msel.kpi_values(sellers, year, today)
    pipeline = msel.open_pipeline(sellers, today, today)
    rate = this_year.get("win_rate")
    return [
        {
            "code": "revenue-month",
            "label": _("Revenue this month"),
            "money": this_month.get("revenue") or 0,
        },
        {
            "code": "revenue-year",
            "label": _("Revenue this year"),
            "money": this_year.get("revenue") or 0,
        },
        {
            "code": "pipeline",
            "label": _("Open pipeline"),
            "money": pipeline.value,
            "note": _("%(n)s opportunities") % {"n": pipeline.count},
            "sub_label": _("weighted"),
            "sub_money": pipeline.weighted,
        },
        {"code": "win-rate-year", "label": _("Win rate this year"), "percent": rate},
        {
            "code": "quotes-month",
            "label": _("Quotes this month"),
            "count": _count(this_month.get("quotes")),
            "note": _("%(v)s visits, %(c)s calls")
            % {"v": _count(this_month.get("visits")), "c": _count(this_month.get("calls"))},
        },
    ]


def _trend_json(people: Any, start: dt.date, end: dt.date) -> str:
    rows = sel.revenue_by_month(people, start, end)
    return json.dumps(
        {
            "x": [r[0].isoformat() for r in rows],
            "y": [float(r[1]) for r in rows],  # chart coordinates only; figures stay Decimal
            "title": _("Revenue per month"),
        }
    )


TEAM_ROWS = 25


def _people_table(people: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The ``TEAM_ROWS`` people with the most revenue this year (a large organisation's
    full list is the KPI page's heat map), and how many there are."""
    sellers = people.filter(role__in=vis.SELLING_ROLES).select_related("unit")
    figures = sel.figures_by_person(sellers, start, end)
    rows = [{"person": p, "figures": figures.get(p.pk, sel.PersonFigures())} for p in sellers]
    rows.sort(key=lambda r: r["figures"].revenue, reverse=True)
    return {"rows": rows[:TEAM_ROWS], "count": len(rows)}


def _unit_table(start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Per country or region: headcount, revenue this year and revenue per FTE."""
    units = list(OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.COUNTRY, OrgUnit.Kind.REGION]))
    people = list(Person.objects.select_related("unit").only("pk", "fte", "unit__path"))
    figures = sel.figures_by_person(Person.objects.all(), start, end)
    table = []
    for unit in units:
        members = [p for p in people if p.unit.path.startswith(unit.path)]
        revenue = sum((figures[p.pk].revenue for p in members if p.pk in figures), sel.ZERO)
        fte = sum((p.fte for p in members), sel.ZERO)
        table.append(
            {
                "unit": unit,
                "headcount": len(members),
                "revenue": revenue,
                "per_fte": sel._money(revenue / fte) if fte else None,
            }
        )
    return table


def _record_counts() -> list[tuple[str, int]]:
    models = [Person, Account, Opportunity, Activity, OrderLine]
    return [
        (capfirst(str(m._meta.verbose_name_plural)), m.objects.aggregate(n=Count("pk"))["n"])
        for m in models
    ]
