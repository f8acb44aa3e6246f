"""Who sees what: a role x record matrix, through the one visibility module."""

from __future__ import annotations

import pytest

from koers.org import visibility as vis
from koers.org.models import Person

PEOPLE = ["dirk", "cora", "ada", "mia", "max", "ruud", "rosa", "rik"]

# viewer -> the people whose records they see
SEES = {
    "dirk": set(PEOPLE),
    "cora": set(PEOPLE),
    "ada": set(PEOPLE),
    "mia": {"mia", "ruud", "rosa"},
    "max": {"max", "rik"},
    "ruud": {"ruud"},
    "rosa": {"rosa"},
    "rik": {"rik"},
    "otto": set(),
}
SELLERS = ["ruud", "rosa", "rik"]


@pytest.mark.parametrize("viewer", list(SEES))
def test_visible_people_matches_the_role(cast, viewer):
    names = {p.user.username for p in vis.visible_people(cast.user(viewer))}
    assert names == SEES[viewer]


@pytest.mark.parametrize("viewer", list(SEES))
@pytest.mark.parametrize(
    "selector,records",
    [
        (vis.visible_accounts, "accounts"),
        (vis.visible_opportunities, "opportunities"),
        (vis.visible_order_lines, "lines"),
    ],
)
def test_sales_records_follow_their_owner(cast, viewer, selector, records):
    visible = set(selector(cast.user(viewer)).values_list("pk", flat=True))
    expected = {getattr(cast, records)[s].pk for s in SELLERS if s in SEES[viewer]}
    assert visible == expected


@pytest.mark.parametrize("viewer", list(SEES))
def test_activities_nps_and_leads_follow_their_owner(cast, viewer):
    user = cast.user(viewer)
    owners = {a.owner.user.username for a in vis.visible_activities(user)}
    nps = {r.person.user.username for r in vis.visible_nps(user)}
    leads = {lead.owner.user.username for lead in vis.visible_leads(user)}
    expected = {"ruud", "rik"} & SEES[viewer]
    assert owners == nps == leads == expected


def test_a_split_makes_the_opportunity_visible_to_the_co_seller(cast):
    from decimal import Decimal

    from koers.sales.services import opportunity_save

    deal = cast.opportunities["rik"]
    opportunity_save(
        opportunity=deal, by=None, splits=[(cast.rik, Decimal("60")), (cast.ruud, Decimal("40"))]
    )
    assert deal in vis.visible_opportunities(cast.user("ruud"))
    assert deal not in vis.visible_opportunities(cast.user("rosa"))


@pytest.mark.parametrize(
    "viewer,subject,allowed",
    [
        ("ruud", "ruud", True),
        ("ruud", "rosa", False),
        ("ruud", "mia", False),
        ("mia", "ruud", True),
        ("mia", "rik", False),
        ("max", "rik", True),
        ("dirk", "rik", True),
        ("cora", "ruud", True),
        ("ada", "rosa", True),
        ("otto", "ruud", False),
    ],
)
def test_pay_is_seen_only_by_oneself_the_line_and_the_pay_roles(cast, viewer, subject, allowed):
    assert vis.can_see_pay(cast.user(viewer), getattr(cast, subject)) is allowed


def test_units_a_manager_sees_are_their_subtree(cast):
    assert set(vis.visible_units(cast.user("mia"))) == {cast.noord}
    assert set(vis.visible_units(cast.user("ruud"))) == {cast.noord}
    assert vis.visible_units(cast.user("otto")).count() == 0
    assert vis.visible_units(cast.user("dirk")).count() == 4


def test_compadmin_reads_sales_data_but_may_not_change_it(cast):
    cora = cast.user("cora")
    deal = cast.opportunities["ruud"]
    assert deal in vis.visible_opportunities(cora)
    assert not vis.can_edit(cora, deal, vis.visible_opportunities(cora))


def test_salesperson_edits_own_opportunity_only(cast):
    ruud = cast.user("ruud")
    visible = vis.visible_opportunities(ruud)
    assert vis.can_edit(ruud, cast.opportunities["ruud"], visible)
    assert not vis.can_edit(ruud, cast.opportunities["rosa"], visible)


@pytest.fixture
def deep(cast):
    """A unit below Team Noord (Noord-Oost, salesperson Ties) and a regional manager Ria
    at the country, two levels above the teams."""
    from tests.conftest import _person
    from tests.factories import AccountFactory, UnitFactory

    oost = UnitFactory(code="NOORD-OOST", name="Noord-Oost", parent=cast.noord)
    ria = _person("ria", cast.country, "manager", cast.dirk)
    ties = _person("ties", oost, "salesperson", cast.mia)
    account = AccountFactory(name="Ties' Techniek", owner=ties)
    return oost, ria, ties, account


def test_a_manager_sees_every_unit_and_person_below_her_not_beside(cast, deep):
    oost, ria, ties, account = deep
    names = {p.user.username for p in vis.visible_people(ria.user)}
    assert names == {"ria", "mia", "max", "ruud", "rosa", "rik", "ties"}
    assert set(vis.visible_units(ria.user)) == {cast.country, cast.noord, cast.zuid, oost}
    mia_sees = {p.user.username for p in vis.visible_people(cast.user("mia"))}
    assert mia_sees == {"mia", "ruud", "rosa", "ties"}
    assert set(vis.visible_units(cast.user("mia"))) == {cast.noord, oost}
    assert "ties" not in {p.user.username for p in vis.visible_people(cast.user("max"))}
    assert account in vis.visible_accounts(ria.user)
    assert account in vis.visible_accounts(cast.user("mia"))
    assert account not in vis.visible_accounts(cast.user("max"))
    assert vis.can_see_pay(ria.user, ties) and vis.can_see_pay(cast.user("mia"), ties)
    assert not vis.can_see_pay(cast.user("max"), ties)
    assert not vis.can_see_pay(ties.user, cast.ruud)


def test_a_salesperson_sees_only_her_own_unit_even_with_units_below_it(cast, deep):
    assert set(vis.visible_units(cast.user("ruud"))) == {cast.noord}


@pytest.mark.parametrize(
    ("viewer", "sees_costs"),
    [
        ("ruud", False),
        ("mia", True),
        ("max", False),
        ("dirk", True),
        ("cora", True),
        ("otto", False),
    ],
)
def test_operating_costs_are_for_the_units_overseers_not_salespeople(cast, viewer, sees_costs):
    costs = vis.visible_operating_costs(cast.user(viewer))
    assert costs.exists() is sees_costs  # the cast's one cost belongs to Team Noord


@pytest.mark.parametrize("viewer", ["ruud", "mia", "dirk", "cora", "ada"])
def test_reference_data_is_open_to_every_role_and_closed_to_outsiders(cast, viewer):
    from koers.sales.models import Product

    selector = vis.visible_reference(Product)
    assert list(selector(cast.user(viewer))) == [cast.product]
    assert not selector(cast.user("otto")).exists()


def test_a_request_without_a_login_has_no_person_and_no_role(db):
    from django.contrib.auth.models import AnonymousUser

    for nobody in (None, AnonymousUser(), object()):
        assert vis.person_of(nobody) is None and vis.role_of(nobody) is None
        assert not vis.visible_people(nobody).exists()


def test_require_role_lets_the_named_roles_through_and_stops_the_rest(cast):
    from django.core.exceptions import PermissionDenied

    vis.require_role(cast.user("cora"), vis.PAY_EDIT_ROLES)  # does not raise
    for who in ["dirk", "mia", "ruud", "otto"]:
        with pytest.raises(PermissionDenied):
            vis.require_role(cast.user(who), vis.PAY_EDIT_ROLES)


def test_goals_are_scored_by_the_line_never_by_their_owner(cast):
    import datetime as dt

    from koers.reward.models import Goal

    def goal(person):
        return Goal.objects.create(
            person=person,
            period_start=dt.date(2026, 10, 1),
            period_end=dt.date(2026, 12, 31),
            description="Certified",
        )

    visible = Goal.objects.all()
    own, team, director = goal(cast.mia), goal(cast.ruud), goal(cast.dirk)
    mia, dirk = cast.user("mia"), cast.user("dirk")
    assert not vis.can_edit(mia, own, visible)
    assert vis.can_edit(mia, team, Goal.objects.filter(person__in=vis.visible_people(mia)))
    assert not vis.can_edit(mia, director, Goal.objects.filter(person__in=vis.visible_people(mia)))
    assert vis.can_edit(dirk, own, visible) and not vis.can_edit(dirk, director, visible)
    assert not vis.can_edit(cast.user("ruud"), team, visible)


@pytest.mark.parametrize("viewer", ["dirk", "ada"])
def test_the_all_seeing_editors_may_change_any_sales_record(cast, viewer):
    user = cast.user(viewer)
    for name in ["ruud", "rosa", "rik"]:
        deal = cast.opportunities[name]
        assert vis.can_edit(user, deal, vis.visible_opportunities(user))
    assert vis.can_edit(user, cast.ruud, vis.visible_people(user))
    assert vis.can_edit(user, cast.accounts["rik"], vis.visible_accounts(user))


def test_territories_follow_the_units_a_person_sees(cast):
    assert [t.code for t in vis.visible_territories(cast.user("ruud"))] == ["T-NOORD"]
    assert not vis.visible_territories(cast.user("rik")).exists()
    assert not vis.visible_territories(cast.user("max")).exists()
    assert vis.visible_territories(cast.user("dirk")).count() == 1


def test_a_new_manager_scores_the_goals_of_people_who_joined_before_her(cast):
    import datetime as dt

    from koers.reward.models import Goal
    from tests.conftest import _person

    nina = _person("nina", cast.noord, "manager", cast.dirk)  # joins after Ruud
    # she takes Ruud over: a second manager in a unit sees the people who report to her
    Person.objects.filter(pk=cast.ruud.pk).update(manager=nina)
    # she takes Ruud over: a second manager in a unit sees the people who report to her
    Person.objects.filter(pk=cast.ruud.pk).update(manager=nina)
    goal = Goal.objects.create(
        person=cast.ruud,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 12, 31),
        description="Certified",
    )
    visible = Goal.objects.filter(person__in=vis.visible_people(nina.user))
    assert cast.ruud.pk < nina.pk and vis.can_edit(nina.user, goal, visible)


def test_a_manager_sees_who_reports_to_them_by_the_manager_column(cast):
    """Teams need not be modelled as units: someone in another unit (or unassigned) who
    reports to Mia, and whoever reports to them, roll up to Mia, with their records."""
    from koers.org import visibility as vis
    from koers.org.models import OrgUnit
    from koers.org.services import unit_save
    from koers.sales.models import Account
    from tests.factories import PersonFactory

    elsewhere = unit_save(
        unit=OrgUnit(code="ELDERS", name="Elders", kind="team", parent=cast.company), by=None
    )
    lead = PersonFactory(first_name="Lea", unit=elsewhere, manager=cast.mia, role="manager")
    junior = PersonFactory(first_name="Jul", unit=elsewhere, manager=lead)
    account = Account.objects.create(name="Lea's Klant", owner=junior)
    mia = cast.user("mia")
    assert set(vis.reports_of(mia)) == {cast.ruud.pk, cast.rosa.pk, lead.pk, junior.pk}
    seen = set(vis.visible_people(mia).values_list("pk", flat=True))
    assert {lead.pk, junior.pk} <= seen and cast.rik.pk not in seen
    assert vis.visible_accounts(mia).filter(pk=account.pk).exists()
    # Max, the other manager, and the salespeople see none of it
    assert not vis.visible_people(cast.user("max")).filter(pk__in=[lead.pk, junior.pk]).exists()
    assert not vis.visible_people(cast.user("ruud")).filter(pk=junior.pk).exists()
    # and Lea sees her own report, not her manager's other people
    lea_seen = set(vis.visible_people(lead.user).values_list("pk", flat=True))
    assert junior.pk in lea_seen and cast.ruud.pk not in lea_seen


@pytest.mark.parametrize(
    "who", ["dirk", "cora", "ada", "mia", "max", "ruud", "rosa", "rik", "otto"]
)
def test_records_held_through_a_related_table_equal_the_joined_definition(cast, who):
    """Order lines by their credits, deals by their splits, accounts by their deals: read
    from the related table's own column, the same records as joining them back."""
    from koers.org import visibility as vis
    from koers.sales import models as sm
    from tests.conftest import sale

    sale(
        cast,
        cast.rosa,
        "SO-R2",
        cast.lines["rosa"].order_date,
        "10.00",
        account=cast.accounts["rik"],
    )
    user = cast.user(who) if who != "otto" else cast.otto
    people = vis.visible_people(user)

    def joined(model, *fields):
        if vis.sees_everything(user):
            return set(model.objects.values_list("pk", flat=True))
        if vis.role_of(user) not in {"manager", "salesperson"}:
            return set()
        found = set()
        for field in fields:
            found |= set(
                model.objects.filter(**{f"{field}__in": people}).values_list("pk", flat=True)
            )
        return found

    lines = joined(sm.OrderLine, "credits__person")
    assert set(vis.visible_order_lines(user).values_list("pk", flat=True)) == lines
    assert bool(lines) == (who != "otto")
    assert set(vis.visible_opportunities(user).values_list("pk", flat=True)) == joined(
        sm.Opportunity, "owner", "splits__person"
    )
    assert set(vis.visible_accounts(user).values_list("pk", flat=True)) == joined(
        sm.Account, "owner", "opportunities__owner"
    )
