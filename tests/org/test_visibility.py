"""Who sees what: a role x record matrix, through the one visibility module."""

from __future__ import annotations

import pytest

from koers.org import visibility as vis

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
