"""Who may see and change what. Every view, selector and API endpoint goes through here.

The rules, one per role:

* salesperson: their own person record and the records they own or are credited on;
* sales manager: everyone who reports to them down the manager column, and everyone in
  the unit they manage (their own unit, when nobody above them and no peer's people sit in
  it: ``managed_unit``), and those people's records; never their own manager, a peer or a
  peer's people;
* director: everything;
* compensation administrator: everything, sales data read-only; plans and pay for all;
* administrator: everything;
* marketing: campaigns, their costs and touches, and every lead; no accounts, deals, pay
  or targets of anyone;
* a login without a person (an outsider): nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q, QuerySet

from koers.org.models import OrgUnit, Person, Role

ALL_SEEING = {Role.DIRECTOR, Role.COMP_ADMIN, Role.ADMIN}
ANY_ROLE = set(Role)  # a login with a person and a role (not, say, a bare admin login)
PAY_ROLES = {Role.COMP_ADMIN, Role.ADMIN, Role.DIRECTOR}
# who changes pay: salaries, plans, calculation runs, adjustments and holds
PAY_EDIT_ROLES = {Role.COMP_ADMIN, Role.ADMIN}


def person_of(user: Any) -> Person | None:
    """The person behind a login, fetched once per request."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_koers_person"):
        user._koers_person = Person.objects.select_related("unit").filter(user=user).first()
    return user._koers_person


def role_of(user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.ADMIN
    person = person_of(user)
    return person.role if person else None


def sees_everything(user: Any) -> bool:
    return role_of(user) in ALL_SEEING


def visible_units(user: Any) -> QuerySet[OrgUnit]:
    role, me = role_of(user), person_of(user)
    if role in ALL_SEEING:
        return OrgUnit.objects.all()
    if role == Role.MANAGER and me:
        unit = managed_unit(user)
        return OrgUnit.objects.subtree_of(unit) if unit is not None else OrgUnit.objects.none()
    if role == Role.SALESPERSON and me:
        return OrgUnit.objects.filter(pk=me.unit_id)
    return OrgUnit.objects.none()


MAX_REPORTING_DEPTH = 12


def reports_of(user: Any) -> list[int]:
    """Everyone who reports to the user's person, directly or down the line, by the manager
    column (as imported): teams need not be modelled as units to roll up. Fetched once per
    request, one query per level."""
    if not hasattr(user, "_koers_reports"):
        me, found = person_of(user), []
        level = [me.pk] if me is not None else []
        for _depth in range(MAX_REPORTING_DEPTH):
            level = [
                pk
                for pk in Person.objects.filter(manager_id__in=level).values_list("pk", flat=True)
                if pk not in found and (me is None or pk != me.pk)
            ]
            if not level:
                break
            found += level
        user._koers_reports = found
    return list(user._koers_reports)


def _boss_within(me: Person, path: str) -> bool:
    """Does anyone above ``me`` up the manager column sit in the unit with ``path`` or
    below it? One query a level."""
    seen: set[int] = {me.pk}
    manager = me.manager_id
    for _depth in range(MAX_REPORTING_DEPTH):
        if manager is None or manager in seen:
            return False
        seen.add(manager)
        row = Person.objects.filter(pk=manager).values_list("manager_id", "unit__path").first()
        if row is None:
            return False
        if row[1] is not None and row[1].startswith(path):
            return True
        manager = row[0]
    return False


def managed_unit(user: Any) -> OrgUnit | None:
    """The unit a manager manages: their own (with the units below it), unless someone
    above them in the manager column sits anywhere in it, or another manager who is not
    below them sits in the unit itself (a peer). A unit shared with one's boss
    ("Unassigned" after an import without units) or with peers (a region with several
    managers) is managed by none of them: each sees the people who report to them. Fetched
    once per request."""
    if not hasattr(user, "_koers_managed"):
        me, managed = person_of(user), None
        if me is not None and me.unit_id is not None and role_of(user) == Role.MANAGER:
            peers = (
                Person.objects.filter(unit=me.unit, role__in=(Role.MANAGER, Role.DIRECTOR))
                .exclude(pk=me.pk)
                .exclude(pk__in=reports_of(user))
                .exists()
            )
            if not peers and not _boss_within(me, me.unit.path):
                managed = me.unit
        user._koers_managed = managed
    managed_one: OrgUnit | None = user._koers_managed
    return managed_one


def visible_people(user: Any) -> QuerySet[Person]:
    role, me = role_of(user), person_of(user)
    if role in ALL_SEEING:
        return Person.objects.all()
    if role == Role.MANAGER and me:
        unit = managed_unit(user)
        in_unit = Q(unit__path__startswith=unit.path) if unit is not None else Q(pk__in=[])
        return Person.objects.filter(in_unit | Q(pk=me.pk) | Q(pk__in=reports_of(user)))
    if role in {Role.SALESPERSON, Role.MARKETING} and me:
        return Person.objects.filter(pk=me.pk)
    return Person.objects.none()


# Everyone who may sell: a commercial director who sells counts like anyone else.
SELLING_ROLES = {Role.SALESPERSON, Role.MANAGER, Role.DIRECTOR}


def lead_assignees(user: Any) -> QuerySet[Person]:
    """Whom a lead may be handed to: marketing hands leads to anyone who sells (their
    names, not their records); anyone else to the people they see."""
    if role_of(user) == Role.MARKETING:
        return Person.objects.filter(role__in=SELLING_ROLES)
    return visible_people(user)


def visible_sellers(user: Any) -> QuerySet[Person]:
    """The people the user may see who sell: every KPI page, table and board counts these."""
    return visible_people(user).filter(role__in=SELLING_ROLES)


def _owned(qs: QuerySet[Any], user: Any, *owner_fields: str) -> QuerySet[Any]:
    """Records of ``qs`` owned by (or credited to) someone the user may see."""
    if sees_everything(user):
        return qs
    if role_of(user) not in {Role.MANAGER, Role.SALESPERSON}:
        return qs.none()
    people = visible_people(user).values("pk")
    # one subquery per field, each on its own index, joined by UNION: an OR across a
    # join (or of two IN lists) makes PostgreSQL read every row at millions of rows
    parts = [_holding(qs.model, field, people) for field in owner_fields]
    matching = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    return qs.filter(pk__in=matching)


def _holding(model: Any, field: str, people: Any) -> QuerySet[Any]:
    """The ids of ``model``'s records whose ``field`` (a path to a person) is one of
    ``people``. Through a reverse relation (an order line's credits, a deal's splits) the
    ids are read from the related table's own column, without joining the records back
    (a manager's 12,600 credited order lines each looked up by id again)."""
    head, _sep, rest = field.partition("__")
    relation = model._meta.get_field(head)
    if rest and relation.one_to_many:
        related = relation.related_model._default_manager
        return related.filter(**{f"{rest}__in": people}).order_by().values(relation.field.attname)
    manager = model._default_manager
    return manager.filter(**{f"{field}__in": people}).order_by().values("pk")


def visible_accounts(user: Any) -> QuerySet[Any]:
    from koers.sales.models import Account

    return _owned(Account.objects.all(), user, "owner", "opportunities__owner")


def visible_opportunities(user: Any) -> QuerySet[Any]:
    from koers.sales.models import Opportunity

    return _owned(Opportunity.objects.all(), user, "owner", "splits__person")


def visible_activities(user: Any) -> QuerySet[Any]:
    from koers.sales.models import Activity

    return _owned(Activity.objects.all(), user, "owner")


def visible_order_lines(user: Any) -> QuerySet[Any]:
    from koers.sales.models import OrderLine

    return _owned(OrderLine.objects.all(), user, "credits__person")


def sees_every_lead(user: Any) -> bool:
    """Marketing, who brings the leads in, and the roles that see everything."""
    return role_of(user) == Role.MARKETING or sees_everything(user)


def visible_leads(user: Any) -> QuerySet[Any]:
    """One's own and one's people's leads; every lead for :func:`sees_every_lead`."""
    from koers.sales.models import Lead

    if sees_every_lead(user):
        return Lead.objects.all()
    return _owned(Lead.objects.all(), user, "owner")


def visible_nps(user: Any) -> QuerySet[Any]:
    from koers.sales.models import NpsResponse

    return _owned(NpsResponse.objects.all(), user, "person", "account__owner")


def visible_targets(user: Any) -> QuerySet[Any]:
    """Targets of the people and units the user may see: one's own and one's team's, a
    manager's people's and units', all."""
    from koers.plan.models import Target

    return Target.objects.filter(
        Q(person__in=visible_people(user).values("pk"))
        | Q(unit__in=visible_units(user).values("pk"))
    )


def visible_target_rounds(user: Any) -> QuerySet[Any]:
    """The target rounds the user takes part in or sees someone in; all for the
    organisation-wide roles."""
    from koers.plan.models import TargetProposal, TargetRound

    if sees_everything(user):
        return TargetRound.objects.all()
    seen = TargetProposal.objects.filter(person__in=visible_people(user).values("pk"))
    return TargetRound.objects.filter(pk__in=seen.values("round"))


def visible_long_term_plans(user: Any) -> QuerySet[Any]:
    """The strategy is shared: everyone with a role reads it."""
    from koers.plan.models import LongTermPlan

    return LongTermPlan.objects.all() if role_of(user) else LongTermPlan.objects.none()


def visible_annual_plans(user: Any) -> QuerySet[Any]:
    """Everyone reads the annual plans (their unit's and the organisation's course)."""
    from koers.plan.models import AnnualPlan

    return AnnualPlan.objects.all() if role_of(user) else AnnualPlan.objects.none()


def visible_initiatives(user: Any) -> QuerySet[Any]:
    from koers.plan.models import Initiative

    return Initiative.objects.all() if role_of(user) else Initiative.objects.none()


def visible_individual_plans(user: Any) -> QuerySet[Any]:
    """One's own plan, a manager's people's, all for the organisation-wide roles."""
    from koers.plan.models import IndividualPlan

    return IndividualPlan.objects.filter(person__in=visible_people(user).values("pk"))


def visible_account_plans(user: Any) -> QuerySet[Any]:
    """The plans of the accounts the user may see."""
    from koers.plan.models import AccountPlan

    return AccountPlan.objects.filter(account__in=visible_accounts(user).values("pk"))


# Steer: who runs feedback rounds, coaches and trajectories
STEER_LEADS = {Role.MANAGER, Role.DIRECTOR, Role.ADMIN}


def may_lead_steer(user: Any) -> bool:
    """Run feedback rounds and training trajectories: managers for their people, the
    director and the administrator for everyone."""
    return role_of(user) in STEER_LEADS


def may_coach(user: Any, person: Person) -> bool:
    """Coach ``person`` (set goals, record sessions): a manager for the people in their
    subtree, the director and administrator for anyone; nobody coaches themselves."""
    me = person_of(user)
    if role_of(user) not in STEER_LEADS or (me is not None and me.pk == person.pk):
        return False
    return visible_people(user).filter(pk=person.pk).exists()


def visible_feedback_rounds(user: Any) -> QuerySet[Any]:
    """Rounds one owns or in which someone one may see is rated."""
    from koers.steer.models import FeedbackRound

    if sees_everything(user):
        return FeedbackRound.objects.all()
    me = person_of(user)
    if me is None:
        return FeedbackRound.objects.none()
    rated = FeedbackRound.objects.filter(requests__subject__in=visible_people(user).values("pk"))
    return (FeedbackRound.objects.filter(owner=me) | rated).distinct()


def visible_trajectories(user: Any) -> QuerySet[Any]:
    """Trajectories one owns or in which someone one may see takes part."""
    from koers.steer.models import Trajectory

    if sees_everything(user):
        return Trajectory.objects.all()
    me = person_of(user)
    if me is None:
        return Trajectory.objects.none()
    taking_part = Trajectory.objects.filter(
        taking_part__person__in=visible_people(user).values("pk")
    )
    return (Trajectory.objects.filter(owner=me) | taking_part).distinct()


def visible_territories(user: Any) -> QuerySet[Any]:
    from koers.sales.models import Territory

    if sees_everything(user):
        return Territory.objects.all()
    return Territory.objects.filter(unit__in=visible_units(user).values("pk"))


def visible_operating_costs(user: Any) -> QuerySet[Any]:
    """A unit's costs: for the whole organisation's overseers and a manager's own subtree;
    a salesperson steers on sales, not on the unit's books."""
    from koers.measure.models import OperatingCost

    if role_of(user) == Role.SALESPERSON:
        return OperatingCost.objects.none()
    return OperatingCost.objects.filter(unit__in=visible_units(user).values("pk"))


def visible_expenses(user: Any) -> QuerySet[Any]:
    """A person's expenses are seen like their pay (:func:`pay_visible_people`)."""
    from koers.measure.models import Expense

    if role_of(user) in PAY_ROLES:
        return Expense.objects.all()
    return Expense.objects.filter(person__in=pay_visible_people(user).values("pk"))


COST_ROLES = {Role.MANAGER, Role.DIRECTOR, Role.COMP_ADMIN, Role.ADMIN}
# who sees what campaigns cost: those who run the business and marketing, who spends it
CAMPAIGN_COST_ROLES = COST_ROLES | {Role.MARKETING}


def visible_campaign_costs(user: Any) -> QuerySet[Any]:
    """What campaigns cost: for those who run the business and marketing, not for a
    salesperson."""
    from koers.sales.models import CampaignCost

    if role_of(user) in CAMPAIGN_COST_ROLES:
        return CampaignCost.objects.all()
    return CampaignCost.objects.none()


def visible_lead_touches(user: Any) -> QuerySet[Any]:
    """The campaign touches of the leads the user sees (all of them for who sees every
    lead: no look-up of every lead's id)."""
    from koers.sales.models import LeadTouch

    if sees_every_lead(user):
        return LeadTouch.objects.all()
    return LeadTouch.objects.filter(lead__in=visible_leads(user).values("pk"))


def visible_reference(model: type[Model]):
    """Reference data (products, stages, campaigns, rates) is open to every role."""

    def selector(user: Any) -> QuerySet[Any]:
        return model.objects.all() if role_of(user) else model.objects.none()

    return selector


def pay_visible_people(user: Any) -> QuerySet[Person]:
    """The people whose base salary, earnings and expenses the user may see: one's own,
    everyone's for the pay roles, a manager's subtree."""
    role, me = role_of(user), person_of(user)
    if role in PAY_ROLES:
        return Person.objects.all()
    if role == Role.MANAGER:
        return visible_people(user)
    return Person.objects.filter(pk=me.pk) if me is not None else Person.objects.none()


def pay_visible_ids(user: Any, person_ids: Iterable[int]) -> set[int]:
    """Of ``person_ids``, those in :func:`pay_visible_people`. At most one query for any
    number (none for the pay roles and for one's own)."""
    ids = set(person_ids)
    role, me = role_of(user), person_of(user)
    if role in PAY_ROLES:
        return ids
    own = {me.pk} & ids if me is not None else set()
    if role != Role.MANAGER or not ids - own:
        return own
    others = pay_visible_people(user).filter(pk__in=ids - own).values_list("pk", flat=True)
    return own | set(others)


def can_see_pay(user: Any, person: Person) -> bool:
    return person.pk in pay_visible_ids(user, [person.pk])


def can_edit_pay(user: Any) -> bool:
    return role_of(user) in PAY_EDIT_ROLES


def require_role(user: Any, roles: set[str]) -> None:
    """PermissionDenied unless the user's role is one of ``roles``."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    if role_of(user) not in roles:
        raise PermissionDenied(_("Your role may not do this."))


# Which roles may create or change each kind of record. Managers and salespeople
# are further limited to the records they can see.
EDIT_ROLES: dict[str, set[str]] = {
    "org.orgunit": {Role.ADMIN, Role.DIRECTOR},
    "org.person": {Role.ADMIN, Role.DIRECTOR, Role.COMP_ADMIN},
    "sales.account": {Role.ADMIN, Role.DIRECTOR, Role.MANAGER, Role.SALESPERSON},
    "sales.opportunity": {Role.ADMIN, Role.DIRECTOR, Role.MANAGER, Role.SALESPERSON},
    "sales.activity": {Role.ADMIN, Role.DIRECTOR, Role.MANAGER, Role.SALESPERSON},
    "sales.lead": {Role.ADMIN, Role.DIRECTOR, Role.MANAGER, Role.SALESPERSON, Role.MARKETING},
    "sales.territory": {Role.ADMIN, Role.DIRECTOR},
    "measure.operatingcost": {Role.ADMIN, Role.DIRECTOR},
    # expenses come from finance: kept by the pay roles, never about oneself
    "measure.expense": {Role.ADMIN, Role.COMP_ADMIN},
    "sales.product": {Role.ADMIN, Role.DIRECTOR},
    "sales.productgroup": {Role.ADMIN, Role.DIRECTOR},
    "sales.campaign": {Role.ADMIN, Role.DIRECTOR, Role.MARKETING},
    "sales.campaigncost": {Role.ADMIN, Role.DIRECTOR, Role.MARKETING},
    "sales.leadtouch": {Role.ADMIN, Role.DIRECTOR, Role.MANAGER, Role.MARKETING},
    "sales.orderline": {Role.ADMIN},
    "sales.npsresponse": {Role.ADMIN},
    "sales.exchangerate": {Role.ADMIN, Role.COMP_ADMIN},
    "reward.planassignment": {Role.ADMIN, Role.COMP_ADMIN},
    "reward.goal": {Role.ADMIN, Role.COMP_ADMIN, Role.DIRECTOR, Role.MANAGER},
    "reward.pointrule": {Role.ADMIN, Role.COMP_ADMIN, Role.DIRECTOR},
    "reward.badge": {Role.ADMIN, Role.COMP_ADMIN, Role.DIRECTOR},
    # targets decide quotas and so pay: set by the director and the pay and system roles
    "plan.target": {Role.ADMIN, Role.DIRECTOR, Role.COMP_ADMIN},
    # the plans: strategy by the director; a unit's year and initiatives by its manager too;
    # one's own plan for the year by oneself and one's manager
    "plan.longtermplan": {Role.ADMIN, Role.DIRECTOR},
    "plan.annualplan": {Role.ADMIN, Role.DIRECTOR, Role.MANAGER},
    "plan.initiative": {Role.ADMIN, Role.DIRECTOR, Role.MANAGER},
    "plan.individualplan": {Role.ADMIN, Role.DIRECTOR, Role.MANAGER, Role.SALESPERSON},
    "plan.accountplan": {Role.ADMIN, Role.DIRECTOR, Role.MANAGER, Role.SALESPERSON},
}


def can_create(user: Any, model: type[Model]) -> bool:
    return role_of(user) in EDIT_ROLES.get(model._meta.label_lower, set())


def in_planning_scope(user: Any, obj: Model) -> bool:
    """A manager plans for her own unit and below: its annual plan and the initiatives of
    it (a long-term plan's initiatives are the director's)."""
    if role_of(user) != Role.MANAGER:
        return True
    label = obj._meta.label_lower
    if label == "plan.annualplan":
        return visible_units(user).filter(pk=obj.unit_id).exists()
    if label == "plan.initiative":
        annual = obj.annual
        return annual is not None and visible_units(user).filter(pk=annual.unit_id).exists()
    return True


def can_edit(user: Any, obj: Model, visible: QuerySet[Any]) -> bool:
    """May ``user`` change ``obj``? ``visible`` is the user's visible queryset for its model."""
    if not can_create(user, type(obj)):
        return False
    me = person_of(user)
    if obj._meta.label_lower == "reward.goal" and me is not None and obj.person_id == me.pk:
        return False  # one's own goals are scored by one's manager
    if role_of(user) in {Role.MANAGER, Role.SALESPERSON}:
        return visible.filter(pk=obj.pk).exists() and in_planning_scope(user, obj)
    return True


def can_import(user: Any) -> bool:
    """Imports write many records at once: the director, pay and system administrators,
    and marketing (its campaigns, their costs and touches, and leads: ``EDIT_ROLES``)."""
    return role_of(user) in {Role.ADMIN, Role.DIRECTOR, Role.COMP_ADMIN, Role.MARKETING}
