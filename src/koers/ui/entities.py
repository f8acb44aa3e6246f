"""The foundation records as the web app shows them: one declaration per kind of record
drives its list (filters, search, sorting), detail page and edit form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from koers.measure.models import Expense, OperatingCost
from koers.org import visibility as vis
from koers.org.models import OrgUnit, Person
from koers.plan.models import (
    AccountPlan,
    AnnualPlan,
    IndividualPlan,
    Initiative,
    LongTermPlan,
    Target,
)
from koers.reward import models as rm
from koers.sales import models as sm

Selector = Callable[[Any], QuerySet[Any]]


@dataclass(frozen=True)
class Related:
    """A table of related records on a detail page."""

    label: str | Promise
    entity: str  # slug of the related entity
    lookup: str  # field on the related model that points at this record


@dataclass(frozen=True)
class Entity:
    slug: str
    model: type[Model]
    selector: Selector
    columns: tuple[str, ...]
    search: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    form_fields: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    phase: str = "data"
    default_sort: str = ""
    pay_fields: frozenset[str] = field(default_factory=frozenset)
    date_fields: tuple[str, ...] = ()  # filtered from-to on list pages (…__gte, …__lte)
    # The person a record counts for in the KPIs (an owner, a credit holder): lists narrow
    # to one person (?for_person=) or one unit's subtree (?for_unit=) for drill-downs.
    # The first of several paths that is set counts (an answer's own person, else the
    # account's owner).
    credited_to: tuple[str, ...] = ()
    # A field whose choices are not the user's visible records of its model: marketing
    # hands a lead to any salesperson without seeing people's records (field: selector).
    choices: dict[str, Selector] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return capfirst(str(self.model._meta.verbose_name_plural))

    @property
    def label_singular(self) -> str:
        return str(self.model._meta.verbose_name)


ENTITIES: dict[str, Entity] = {}


def register(entity: Entity) -> Entity:
    ENTITIES[entity.slug] = entity
    return entity


register(
    Entity(
        slug="units",
        model=OrgUnit,
        selector=vis.visible_units,
        phase="plan",
        columns=("name", "code", "kind", "parent", "country", "team_selling"),
        search=("name", "code"),
        filters=("kind", "country"),
        form_fields=("code", "name", "kind", "parent", "country", "team_selling"),
        select_related=("parent",),
        default_sort="path",
        related=(
            Related(_("People"), "people", "unit"),
            Related(_("Sub-units"), "units", "parent"),
            Related(_("Territories"), "territories", "unit"),
        ),
    )
)

register(
    Entity(
        slug="people",
        model=Person,
        selector=vis.visible_people,
        phase="steer",
        columns=(
            "full_name",
            "job_title",
            "role",
            "sales_focus",
            "unit",
            "manager",
            "fte",
            "start_date",
            "base_salary",
        ),
        search=("first_name", "last_name", "email", "job_title", "external_id"),
        filters=("role", "sales_focus", "unit"),
        form_fields=(
            "first_name",
            "last_name",
            "email",
            "external_id",
            "job_title",
            "role",
            "sales_focus",
            "manager",
            "unit",
            "fte",
            "start_date",
            "end_date",
            "base_salary",
            "currency",
            "show_on_leaderboard",
        ),
        select_related=("unit", "manager"),
        default_sort="last_name",
        pay_fields=frozenset({"base_salary", "currency"}),
        related=(
            Related(_("Accounts"), "accounts", "owner"),
            Related(_("Opportunities"), "opportunities", "owner"),
            Related(_("Activities"), "activities", "owner"),
            Related(_("Direct reports"), "people", "manager"),
        ),
    )
)

register(
    Entity(
        slug="territories",
        model=sm.Territory,
        selector=vis.visible_territories,
        phase="plan",
        columns=("name", "code", "unit"),
        search=("name", "code"),
        filters=("unit",),
        form_fields=("code", "name", "unit", "description"),
        select_related=("unit",),
        default_sort="code",
    )
)

register(
    Entity(
        slug="accounts",
        model=sm.Account,
        selector=vis.visible_accounts,
        phase="plan",
        columns=(
            "name",
            "segment",
            "industry",
            "size_class",
            "lifecycle",
            "city",
            "country",
            "owner",
        ),
        search=("name", "city", "external_id", "postcode"),
        filters=("lifecycle", "segment", "size_class", "country", "owner"),
        form_fields=(
            "name",
            "external_id",
            "segment",
            "industry",
            "size_class",
            "lifecycle",
            "country",
            "city",
            "postcode",
            "latitude",
            "longitude",
            "owner",
        ),
        select_related=("owner",),
        default_sort="name",
        related=(
            Related(_("Opportunities"), "opportunities", "account"),
            Related(_("Activities"), "activities", "account"),
            Related(_("Order lines"), "orders", "account"),
            Related(_("NPS responses"), "nps", "account"),
        ),
    )
)

register(
    Entity(
        slug="product-groups",
        model=sm.ProductGroup,
        selector=vis.visible_reference(sm.ProductGroup),
        phase="plan",
        columns=("name", "code"),
        search=("name", "code"),
        form_fields=("code", "name"),
        default_sort="name",
        related=(Related(_("Products"), "products", "group"),),
    )
)

register(
    Entity(
        slug="products",
        model=sm.Product,
        selector=vis.visible_reference(sm.Product),
        phase="plan",
        columns=(
            "name",
            "external_id",
            "group",
            "list_price",
            "standard_cost",
            "margin_pct",
            "currency",
            "active",
        ),
        search=("name", "external_id"),
        filters=("group", "active"),
        form_fields=(
            "name",
            "external_id",
            "group",
            "list_price",
            "standard_cost",
            "currency",
            "active",
        ),
        select_related=("group",),
        default_sort="name",
    )
)

register(
    Entity(
        slug="opportunities",
        credited_to=("owner",),
        date_fields=("created_on", "closed_on", "expected_close_date"),
        model=sm.Opportunity,
        selector=vis.visible_opportunities,
        phase="measure",
        columns=(
            "name",
            "account",
            "owner",
            "stage",
            "amount",
            "currency",
            "expected_close_date",
            "forecast_category",
            "source",
        ),
        search=("name", "account__name", "external_id"),
        filters=("stage", "stage__kind", "forecast_category", "source", "owner", "is_new_business"),
        form_fields=(
            "name",
            "external_id",
            "account",
            "owner",
            "stage",
            "product_group",
            "amount",
            "currency",
            "created_on",
            "expected_close_date",
            "closed_on",
            "close_reason",
            "source",
            "forecast_category",
            "is_new_business",
        ),
        select_related=("account", "owner", "stage"),
        default_sort="-created_on",
        related=(
            Related(_("Credit splits"), "splits", "opportunity"),
            Related(_("Stage history"), "stage-history", "opportunity"),
            Related(_("Activities"), "activities", "opportunity"),
            Related(_("Order lines"), "orders", "opportunity"),
        ),
    )
)

register(
    Entity(
        slug="activities",
        credited_to=("owner",),
        date_fields=("date",),
        model=sm.Activity,
        selector=vis.visible_activities,
        phase="steer",
        columns=(
            "kind",
            "date",
            "owner",
            "account",
            "subject",
            "duration_minutes",
            "outcome",
            "amount",
        ),
        search=("subject", "account__name"),
        filters=("kind", "outcome", "owner"),
        form_fields=(
            "kind",
            "date",
            "duration_minutes",
            "owner",
            "account",
            "opportunity",
            "subject",
            "outcome",
            "amount",
            "currency",
        ),
        select_related=("owner", "account"),
        default_sort="-date",
    )
)

register(
    Entity(
        slug="campaigns",
        model=sm.Campaign,
        selector=vis.visible_reference(sm.Campaign),
        phase="measure",
        columns=("name", "kind", "channel", "start_date", "end_date", "budget", "currency"),
        search=("name", "channel"),
        filters=("kind", "channel"),
        form_fields=(
            "name",
            "external_id",
            "kind",
            "channel",
            "start_date",
            "end_date",
            "budget",
            "currency",
            "stand_m2",
            "staff_days",
            "visitors",
            "invitations",
        ),
        default_sort="-start_date",
        related=(
            Related(_("Leads"), "leads", "campaign"),
            Related(_("Costs"), "campaign-costs", "campaign"),
        ),
    )
)

register(
    Entity(
        slug="campaign-costs",
        model=sm.CampaignCost,
        selector=vis.visible_campaign_costs,
        phase="measure",
        date_fields=("date",),
        columns=("campaign", "date", "description", "amount", "currency"),
        search=("description", "campaign__name"),
        filters=("campaign",),
        form_fields=("campaign", "date", "description", "amount", "currency"),
        select_related=("campaign",),
        default_sort="-date",
    )
)

register(
    Entity(
        slug="lead-touches",
        model=sm.LeadTouch,
        selector=vis.visible_lead_touches,
        phase="measure",
        date_fields=("date",),
        columns=("lead", "campaign", "date"),
        search=("lead__company_name", "campaign__name"),
        filters=("campaign",),
        form_fields=("lead", "campaign", "date"),
        select_related=("lead", "campaign"),
        default_sort="-date",
    )
)

register(
    Entity(
        slug="leads",
        credited_to=("owner",),
        date_fields=("created_on",),
        model=sm.Lead,
        selector=vis.visible_leads,
        phase="measure",
        columns=(
            "company_name",
            "contact_name",
            "campaign",
            "source",
            "quality",
            "status",
            "created_on",
            "owner",
            "opportunity",
        ),
        search=("company_name", "contact_name", "email"),
        filters=("status", "source", "quality", "campaign"),
        form_fields=(
            "company_name",
            "contact_name",
            "email",
            "campaign",
            "account",
            "source",
            "status",
            "created_on",
            "owner",
            "opportunity",
            "converted_on",
            "quality",
            "accepted_on",
        ),
        select_related=("campaign", "owner", "opportunity"),
        default_sort="-created_on",
        choices={"owner": vis.lead_assignees},
    )
)

register(
    Entity(
        slug="orders",
        credited_to=("credits__person",),
        date_fields=("order_date", "paid_date"),
        model=sm.OrderLine,
        selector=vis.visible_order_lines,
        phase="measure",
        columns=(
            "order_number",
            "kind",
            "status",
            "order_date",
            "account",
            "product",
            "quantity",
            "amount",
            "gross_margin",
            "currency",
            "invoice_date",
            "paid_date",
        ),
        search=("order_number", "account__name", "product__name", "external_id"),
        filters=("kind", "status", "product__group", "account__segment", "credits__person"),
        select_related=("account", "product"),
        default_sort="-order_date",
        related=(
            Related(_("Credit holders"), "credits", "line"),
            Related(_("Corrections"), "orders", "original"),
        ),
    )
)

register(
    Entity(
        slug="nps",
        credited_to=("person", "account__owner"),
        date_fields=("responded_on",),
        model=sm.NpsResponse,
        selector=vis.visible_nps,
        phase="measure",
        columns=("responded_on", "account", "score", "contact_name", "comment", "person"),
        search=("account__name", "comment", "contact_name"),
        filters=("score", "person"),
        select_related=("account", "person"),
        default_sort="-responded_on",
    )
)

register(
    Entity(
        slug="targets",
        model=Target,
        selector=vis.visible_targets,
        phase="plan",
        columns=("person", "unit", "kpi", "account", "product_group", "month", "value"),
        search=("person__first_name", "person__last_name", "unit__name", "kpi", "account__name"),
        filters=("person", "unit", "kpi", "product_group"),
        date_fields=("month",),
        form_fields=("kpi", "person", "unit", "account", "product_group", "month", "value"),
        select_related=("person", "unit", "account", "product_group"),
        default_sort="-month",
        credited_to=("person",),
    )
)

register(
    Entity(
        slug="long-term-plans",
        model=LongTermPlan,
        selector=vis.visible_long_term_plans,
        phase="plan",
        columns=("title", "unit", "first_year", "last_year"),
        search=("title", "ambition"),
        filters=("unit",),
        form_fields=(
            "title",
            "unit",
            "first_year",
            "last_year",
            "ambition",
            "market_choices",
            "positioning",
            "value_proposition",
        ),
        select_related=("unit",),
        default_sort="-first_year",
        related=(
            Related(_("Annual plans"), "annual-plans", "long_term"),
            Related(_("Initiatives"), "initiatives", "long_term"),
        ),
    )
)

register(
    Entity(
        slug="annual-plans",
        model=AnnualPlan,
        selector=vis.visible_annual_plans,
        phase="plan",
        columns=("unit", "year", "long_term", "budget"),
        search=("unit__name", "goals"),
        filters=("unit", "year"),
        form_fields=("long_term", "unit", "year", "goals", "marketing", "budget"),
        select_related=("unit", "long_term"),
        default_sort="-year",
        related=(
            Related(_("Initiatives"), "initiatives", "annual"),
            Related(_("Individual plans"), "individual-plans", "annual"),
        ),
    )
)

register(
    Entity(
        slug="initiatives",
        model=Initiative,
        selector=vis.visible_initiatives,
        phase="plan",
        columns=("title", "owner", "due_date", "status", "annual", "long_term"),
        search=("title", "description"),
        filters=("status", "owner"),
        date_fields=("due_date",),
        form_fields=("title", "long_term", "annual", "owner", "due_date", "status", "description"),
        select_related=("owner", "annual__unit", "long_term"),
        default_sort="due_date",
    )
)

register(
    Entity(
        slug="individual-plans",
        model=IndividualPlan,
        selector=vis.visible_individual_plans,
        phase="plan",
        columns=("person", "year", "annual"),
        search=("person__first_name", "person__last_name"),
        filters=("person", "year"),
        form_fields=(
            "person",
            "year",
            "annual",
            "planned_activities",
            "accounts",
            "development",
        ),
        select_related=("person", "annual__unit"),
        default_sort="-year",
    )
)

register(
    Entity(
        slug="account-plans",
        model=AccountPlan,
        selector=vis.visible_account_plans,
        phase="plan",
        columns=("account", "year", "expected_revenue"),
        search=("account__name", "objectives"),
        filters=("year",),
        form_fields=(
            "account",
            "year",
            "objectives",
            "decision_makers",
            "research",
            "choices",
            "activities",
            "expected_revenue",
            "substantiation",
        ),
        select_related=("account",),
        default_sort="-year",
    )
)

register(
    Entity(
        slug="operating-costs",
        model=OperatingCost,
        selector=vis.visible_operating_costs,
        phase="measure",
        columns=("unit", "month", "amount"),
        search=("unit__name",),
        filters=("unit",),
        date_fields=("month",),
        form_fields=("unit", "month", "amount"),
        select_related=("unit",),
        default_sort="-month",
    )
)

register(
    Entity(
        slug="expenses",
        model=Expense,
        selector=vis.visible_expenses,
        phase="measure",
        columns=("person", "date", "category", "description", "amount", "currency"),
        search=("description", "person__last_name", "person__first_name"),
        filters=("category", "person"),
        date_fields=("date",),
        form_fields=("person", "date", "category", "description", "amount", "currency"),
        select_related=("person",),
        default_sort="-date",
        credited_to=("person",),
    )
)

register(
    Entity(
        slug="exchange-rates",
        model=sm.ExchangeRate,
        selector=vis.visible_reference(sm.ExchangeRate),
        phase="data",
        columns=("currency", "date", "rate"),
        filters=("currency",),
        form_fields=("currency", "date", "rate"),
        default_sort="currency",
    )
)


def _of_pay_visible(model: type[Model]) -> Selector:
    """Records about a person's pay: one's own, a manager's team's, everyone's for the pay
    roles (the people a user sees are exactly those whose pay they may see)."""

    def selector(user: Any) -> QuerySet[Any]:
        return model.objects.filter(person__in=vis.visible_people(user).values("pk"))

    return selector


register(
    Entity(
        slug="plan-assignments",
        model=rm.PlanAssignment,
        selector=_of_pay_visible(rm.PlanAssignment),
        phase="reward",
        columns=(
            "person",
            "plan",
            "valid_from",
            "valid_to",
            "target_incentive",
            "draw_kind",
            "draw_amount",
            "draw_until",
        ),
        search=("person__first_name", "person__last_name", "plan__name"),
        filters=("plan", "draw_kind"),
        date_fields=("valid_from",),
        form_fields=(
            "person",
            "plan",
            "valid_from",
            "valid_to",
            "target_incentive",
            "draw_kind",
            "draw_amount",
            "draw_until",
            "overrides",
        ),
        select_related=("person", "plan"),
        default_sort="person__last_name",
        credited_to=("person",),
    )
)
register(
    Entity(
        slug="goals",
        model=rm.Goal,
        selector=_of_pay_visible(rm.Goal),
        phase="reward",
        columns=("person", "period_start", "period_end", "description", "weight", "score"),
        search=("person__first_name", "person__last_name", "description"),
        filters=("person",),
        date_fields=("period_start",),
        form_fields=("person", "period_start", "period_end", "description", "weight", "score"),
        select_related=("person",),
        default_sort="-period_start",
        credited_to=("person",),
    )
)
register(
    Entity(
        slug="payouts",
        model=rm.Payout,
        selector=_of_pay_visible(rm.Payout),
        phase="reward",
        columns=("run", "person", *rm.Payout.STEPS),
        search=("person__first_name", "person__last_name"),
        filters=("run", "person"),
        select_related=("person", "run"),
        default_sort="-run__month",
        credited_to=("person",),
    )
)
register(
    Entity(
        slug="adjustments",
        model=rm.Adjustment,
        selector=_of_pay_visible(rm.Adjustment),
        phase="reward",
        columns=("month", "person", "component", "amount", "reason", "created_by"),
        search=("person__first_name", "person__last_name", "reason"),
        filters=("person",),
        date_fields=("month",),
        select_related=("person", "created_by"),
        default_sort="-month",
        credited_to=("person",),
    )
)
register(
    Entity(
        slug="holds",
        model=rm.Hold,
        selector=_of_pay_visible(rm.Hold),
        phase="reward",
        columns=("person", "from_month", "released_on", "reason"),
        search=("person__first_name", "person__last_name", "reason"),
        filters=("person",),
        select_related=("person",),
        default_sort="-from_month",
        credited_to=("person",),
    )
)

register(
    Entity(
        slug="point-rules",
        model=rm.PointRule,
        selector=vis.visible_reference(rm.PointRule),
        phase="reward",
        columns=("kpi", "points", "per", "active"),
        filters=("active",),
        form_fields=("kpi", "points", "per", "active"),
        default_sort="kpi",
    )
)
register(
    Entity(
        slug="badges",
        model=rm.Badge,
        selector=vis.visible_reference(rm.Badge),
        phase="reward",
        columns=("code", "name_en", "name_nl", "kpi", "threshold"),
        search=("code", "name_en", "name_nl"),
        form_fields=("code", "name_en", "name_nl", "kpi", "threshold"),
        default_sort="code",
    )
)

# Child tables shown on detail pages only; visible through their parent.
register(
    Entity(
        slug="splits",
        model=sm.OpportunitySplit,
        phase="hidden",
        selector=lambda u: sm.OpportunitySplit.objects.filter(
            opportunity__in=vis.visible_opportunities(u).values("pk")
        ),
        columns=("person", "percent"),
        select_related=("person",),
    )
)
register(
    Entity(
        slug="stage-history",
        model=sm.StageChange,
        phase="hidden",
        selector=lambda u: sm.StageChange.objects.filter(
            opportunity__in=vis.visible_opportunities(u).values("pk")
        ),
        columns=("changed_on", "stage"),
        select_related=("stage",),
        default_sort="changed_on",
    )
)
register(
    Entity(
        slug="credits",
        model=sm.OrderLineCredit,
        phase="hidden",
        selector=lambda u: sm.OrderLineCredit.objects.filter(
            line__in=vis.visible_order_lines(u).values("pk")
        ),
        columns=("person", "percent"),
        select_related=("person",),
    )
)


def entity_or_404(slug: str) -> Entity:
    from django.http import Http404

    entity = ENTITIES.get(slug)
    if entity is None or entity.phase == "hidden":
        raise Http404(slug)
    return entity


def entity_for_model(model: type[Model]) -> Entity | None:
    """The page-level entity of a model (child tables have none)."""
    for entity in ENTITIES.values():
        if entity.model is model and entity.phase != "hidden":
            return entity
    return None


def slug_for_model(model: type[Model]) -> str | None:
    entity = entity_for_model(model)
    return entity.slug if entity else None


def selector_for_model(model: type[Model]) -> Selector | None:
    """The visibility selector that narrows choices of this model to what a user may see."""
    entity = entity_for_model(model)
    return entity.selector if entity else None


def field_value(obj: Model, name: str) -> tuple[Any, Any]:
    """A column's value as people read it (the label of a choice) and its model field
    (None for a property such as ``gross_margin``)."""
    try:
        field = obj._meta.get_field(name)
    except Exception:
        return getattr(obj, name, None), None
    if getattr(field, "choices", None):
        return getattr(obj, f"get_{name}_display")(), field
    return getattr(obj, name), field
