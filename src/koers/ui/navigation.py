"""The main navigation: Plan, Steer, Measure, Reward and Data, with what each role may open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from koers.org.models import Role
from koers.org.visibility import can_import, role_of


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str


@dataclass(frozen=True)
class NavSection:
    key: str
    label: str | Promise
    url: str
    active: bool
    items: tuple[NavItem, ...]


def _entity(slug: str) -> NavItem:
    from koers.ui.entities import ENTITIES

    return NavItem(ENTITIES[slug].label, reverse("entity_list", args=[slug]))


S, M, D, C, A = Role.SALESPERSON, Role.MANAGER, Role.DIRECTOR, Role.COMP_ADMIN, Role.ADMIN
MK = Role.MARKETING  # campaigns, leads and their returns; no pay, no individual targets
SELLERS = frozenset({S, M, D})  # carry targets, call forecasts and are paid on plans
LEADERS = frozenset({M, D})
PLANNERS = frozenset({M, D, A})
PAY_OFFICE = frozenset({C, A})
OFFICE = frozenset({D, C, A})
EVERYONE = frozenset({S, M, D, C, A})

# Each section's items in menu order: (key, who sees it). A key is a page's URL name or an
# entity's slug. The menu shows a role its work; a page still checks its own rights, so
# a link typed in by hand answers as before. Plan, Steer, Measure and Reward are the cycle;
# Data holds the master data and the settings apart from it.
MENU: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {
    "plan": (
        ("plan_rounds", frozenset({S, M, D, A})),
        ("individual-plans", SELLERS),
        ("account-plans", frozenset({S, M})),
        ("plan_account_targets", frozenset({S, M, A})),
        ("plan_drivers", SELLERS),
        ("annual-plans", PLANNERS | {MK}),  # the annual sales and marketing plan
        ("long-term-plans", PLANNERS),
        ("initiatives", PLANNERS),
        ("plan_territories", PLANNERS),
        ("plan_sizing", frozenset({D, A})),
        ("targets", frozenset({M, D, C, A})),
    ),
    "steer": (
        ("steer_rounds", frozenset({S, M, D, A})),
        ("steer_matrix", frozenset({S, M, D, A})),
        ("steer_coaching", SELLERS),
        ("steer_trajectories", PLANNERS),
        ("steer_competencies", frozenset({D, A})),
        ("activities", frozenset({S, M})),
    ),
    "measure": (
        ("kpis", EVERYONE),
        ("forecast", frozenset({S, M, D, A})),
        ("forecast_calls", SELLERS),
        ("forecast_pipeline", SELLERS),
        ("forecast_win", PLANNERS),
        ("forecast_accuracy", PLANNERS),
        ("customers", SELLERS),
        ("deviations", LEADERS),
        ("opportunities", SELLERS),
        ("orders", frozenset({S, M})),
        ("leads", frozenset({S, M, MK})),
        ("campaigns", frozenset({S, M, MK})),
        ("campaign-costs", frozenset({MK})),
        ("lead-touches", frozenset({MK})),
        ("nps", frozenset({S, M})),
        ("sales_marketing", EVERYONE | {MK}),
        ("campaign_returns", EVERYONE | {MK}),
        ("measure_economics", frozenset({M, D, C, A, MK})),
        ("kpi_catalogue", frozenset({D, A})),
    ),
    "reward": (
        ("statement", SELLERS),
        ("reward_inquiries", EVERYONE),
        ("reward_game", frozenset({S, M})),
        ("reward_choices", frozenset({S, M})),
        ("reward_runs", OFFICE),
        ("reward_plans", OFFICE),
        ("plan-assignments", OFFICE),
        ("payouts", OFFICE),
        ("goals", frozenset({M, D, C, A})),
        ("adjustments", PAY_OFFICE),
        ("holds", PAY_OFFICE),
        ("point-rules", PAY_OFFICE),
        ("badges", PAY_OFFICE),
    ),
    "data": (
        ("import_history", EVERYONE | {MK}),  # those who may import (checked below)
        ("import_mappings", EVERYONE | {MK}),
        ("data_quality", EVERYONE | {MK}),
        ("accounts", EVERYONE),
        ("products", EVERYONE | {MK}),
        ("product-groups", PAY_OFFICE),
        ("people", frozenset({M, D, C, A})),
        ("units", frozenset({M, D, C, A})),
        ("territories", frozenset({M, D, A})),
        ("operating-costs", frozenset({D, C, A})),
        ("expenses", frozenset({D, C, A})),
        ("exchange-rates", PAY_OFFICE),
        ("audit_log", OFFICE),
        ("job_list", OFFICE),
        ("setup", frozenset({A})),
        ("admin:index", frozenset({A})),
    ),
}
IMPORT_PAGES = {"import_history", "import_mappings", "data_quality"}
LABELS: dict[str, str | Promise] = {
    "plan_rounds": _("Target rounds"),
    "plan_account_targets": _("Account targets"),
    "plan_drivers": _("Driver model"),
    "plan_sizing": _("Sales-force size"),
    "plan_territories": _("Territory design"),
    "steer_matrix": _("Skills matrix"),
    "steer_rounds": _("360° feedback"),
    "steer_coaching": _("Coaching"),
    "steer_trajectories": _("Training trajectories"),
    "steer_competencies": _("Competencies"),
    "kpis": _("KPIs"),
    "kpi_catalogue": _("KPI catalogue"),
    "forecast": _("Forecast"),
    "forecast_calls": _("Forecast calls"),
    "forecast_pipeline": _("Weighted pipeline"),
    "forecast_win": _("Win probability"),
    "forecast_accuracy": _("Forecast accuracy"),
    "customers": _("Customers"),
    "deviations": _("Deviations"),
    "measure_economics": _("Sales economics"),
    "campaign_returns": _("Campaign returns"),
    "sales_marketing": _("Sales and marketing"),
    "statement": _("My statement"),
    "reward_inquiries": _("Inquiries"),
    "reward_game": _("Points and badges"),
    "reward_choices": _("My reward choices"),
    "reward_runs": _("Calculation runs"),
    "reward_plans": _("Incentive plans"),
    "import_history": _("Imports"),
    "import_mappings": _("Import mappings"),
    "data_quality": _("Data quality"),
    "audit_log": _("Audit trail"),
    "job_list": _("Background jobs"),
    "setup": _("Organisation settings"),
    "admin:index": _("Raw records (admin)"),
}
SECTIONS: dict[str, tuple[str | Promise, tuple[str, ...]]] = {
    "plan": (_("Plan"), tuple(k for k, _r in MENU["plan"])),
    "steer": (_("Steer"), tuple(k for k, _r in MENU["steer"])),
    "measure": (_("Measure"), tuple(k for k, _r in MENU["measure"])),
    "reward": (_("Reward"), tuple(k for k, _r in MENU["reward"])),
    "data": (_("Data"), tuple(k for k, _r in MENU["data"])),
}


def section_items(key: str, user: Any) -> tuple[NavItem, ...]:
    """The items of one section that the user's role works with."""
    from koers.ui.entities import ENTITIES

    role = role_of(user)
    items = []
    for name, roles in MENU[key]:
        if role not in roles or (name in IMPORT_PAGES and not can_import(user)):
            continue
        if name in ENTITIES:
            items.append(_entity(name))
        else:
            items.append(NavItem(LABELS[name], reverse(name)))
    return tuple(items)


_BUILT: dict[tuple[Any, ...], tuple[tuple[str, Any, str, tuple[NavItem, ...]], ...]] = {}


def navigation_for(user: Any, path: str) -> tuple[NavSection, ...]:
    """The sections and their items depend only on the role, import rights and language:
    built once per process for each, then marked active for the page."""
    from django.utils.translation import get_language

    key = (role_of(user), can_import(user), get_language())
    built = _BUILT.get(key)
    if built is None:
        built = tuple(
            (
                name,
                label,
                reverse("section", args=[name]),
                tuple(NavItem(str(i.label), i.url) for i in section_items(name, user)),
            )
            for name, (label, _slugs) in SECTIONS.items()
        )
        _BUILT[key] = built
    return tuple(
        NavSection(name, label, url, path.startswith(url), items)
        for name, label, url, items in built
        if items  # a section with nothing for the role is left out
    )


_HTML: dict[tuple[Any, ...], str] = {}


def navigation_html(user: Any, path: str) -> str:
    """The navigation as HTML, rendered once per process for each role, import right,
    language and active section (it is on every page)."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    sections = navigation_for(user, path)
    active = next((s.key for s in sections if s.active), "")
    key = (role_of(user), can_import(user), get_language(), active)
    html = _HTML.get(key)
    if html is None:
        html = _HTML[key] = render_to_string("ui/navigation.html", {"nav": sections})
    return mark_safe(html)  # noqa: S308 - rendered from our template with escaping on
