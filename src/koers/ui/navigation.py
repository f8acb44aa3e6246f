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


SECTIONS: dict[str, tuple[str | Promise, tuple[str, ...]]] = {
    "plan": (
        _("Plan"),
        (
            "long-term-plans",
            "annual-plans",
            "initiatives",
            "individual-plans",
            "account-plans",
            "targets",
            "units",
            "territories",
            "accounts",
            "products",
            "product-groups",
        ),
    ),
    "steer": (_("Steer"), ("people", "activities")),
    "measure": (_("Measure"), ("opportunities", "orders", "leads", "campaigns", "nps")),
    "reward": (
        _("Reward"),
        (
            "plan-assignments",
            "goals",
            "payouts",
            "adjustments",
            "holds",
            "point-rules",
            "badges",
        ),
    ),
    "data": (
        _("Data"),
        (
            "accounts",
            "opportunities",
            "activities",
            "orders",
            "leads",
            "campaigns",
            "nps",
            "products",
            "people",
            "units",
            "territories",
            "operating-costs",
            "exchange-rates",
            "targets",
        ),
    ),
}


def section_items(key: str, user: Any) -> tuple[NavItem, ...]:
    items = tuple(_entity(slug) for slug in SECTIONS[key][1])
    if key == "plan":
        items = (
            NavItem(_("Target rounds"), reverse("plan_rounds")),
            NavItem(_("Account targets"), reverse("plan_account_targets")),
            NavItem(_("Driver model"), reverse("plan_drivers")),
            NavItem(_("Sales-force size"), reverse("plan_sizing")),
            NavItem(_("Territory design"), reverse("plan_territories")),
            *items,
        )
    if key == "steer":
        items = (
            NavItem(_("Skills matrix"), reverse("steer_matrix")),
            NavItem(_("Feedback rounds"), reverse("steer_rounds")),
            NavItem(_("Coaching"), reverse("steer_coaching")),
            NavItem(_("Training trajectories"), reverse("steer_trajectories")),
            NavItem(_("Competencies"), reverse("steer_competencies")),
            *items,
        )
    if key == "measure":
        items = (
            NavItem(_("KPIs"), reverse("kpis")),
            NavItem(_("KPI catalogue"), reverse("kpi_catalogue")),
            NavItem(_("Forecast"), reverse("forecast")),
            NavItem(_("Forecast calls"), reverse("forecast_calls")),
            NavItem(_("Weighted pipeline"), reverse("forecast_pipeline")),
            NavItem(_("Win probability"), reverse("forecast_win")),
            NavItem(_("Forecast accuracy"), reverse("forecast_accuracy")),
            NavItem(_("Customers"), reverse("customers")),
            NavItem(_("Deviations"), reverse("deviations")),
            *items,
        )
    if key == "reward":
        extra: tuple[NavItem, ...] = ()
        if role_of(user) in {Role.ADMIN, Role.COMP_ADMIN, Role.DIRECTOR}:
            extra = (
                NavItem(_("Calculation runs"), reverse("reward_runs")),
                NavItem(_("Incentive plans"), reverse("reward_plans")),
            )
        items = (
            NavItem(_("My statement"), reverse("statement")),
            NavItem(_("Inquiries"), reverse("reward_inquiries")),
            NavItem(_("Points and badges"), reverse("reward_game")),
            NavItem(_("My reward choices"), reverse("reward_choices")),
            *extra,
            *items,
        )
    if key == "data" and can_import(user):
        items = (
            NavItem(_("Imports"), reverse("import_history")),
            NavItem(_("Import mappings"), reverse("import_mappings")),
            NavItem(_("Data quality"), reverse("data_quality")),
            *items,
        )
    if key == "data" and role_of(user) in {Role.ADMIN, Role.COMP_ADMIN, Role.DIRECTOR}:
        items += (NavItem(_("Audit trail"), reverse("audit_log")),)
    if key == "data" and role_of(user) == Role.ADMIN:
        items += (
            NavItem(_("Organisation settings"), reverse("setup")),
            NavItem(_("Raw records (admin)"), reverse("admin:index")),
        )
    return items


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
