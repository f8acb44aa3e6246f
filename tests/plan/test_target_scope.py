"""A target is a person's own or a unit's; a group's target counts each once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koers.core.services import record_save
from koers.imports.services import import_file
from koers.measure import selectors as sel
from koers.org.models import Person
from koers.plan.models import Target
from koers.plan.selectors import group_targets
from koers.reward.models import PayoutLine
from koers.reward.services import run_month
from tests.conftest import on_plan

NOV = dt.date(2026, 11, 1)
NOV_END = dt.date(2026, 11, 30)


def test_a_target_is_for_a_person_or_a_unit_never_both_or_neither(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(kpi="revenue", month=NOV, value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(
            kpi="revenue", month=NOV, value=1, person=cast.ruud, unit=cast.ruud.unit
        )


def test_a_managers_team_target_is_her_peoples_not_doubled(cast, login):
    """The demo's case: a manager's team target set as her own once counted twice."""
    Target.objects.create(kpi="revenue", person=cast.ruud, month=NOV, value=Decimal("600"))
    Target.objects.create(kpi="revenue", person=cast.rosa, month=NOV, value=Decimal("400"))
    noord = cast.ruud.unit
    team = Person.objects.in_subtree(noord)
    assert sel.target_values(team, NOV, NOV_END, noord)["revenue"] == 1000.0
    Target.objects.create(kpi="revenue", unit=noord, month=NOV, value=Decimal("1200"))
    # the unit's target stands for the group; the members keep their own
    assert sel.target_values(team, NOV, NOV_END, noord)["revenue"] == 1200.0
    assert sel.target_values(team, NOV, NOV_END)["revenue"] == 1000.0
    ruud = Person.objects.filter(pk=cast.ruud.pk)
    assert sel.target_values(ruud, NOV, NOV_END)["revenue"] == 600.0
    body = login(cast.user("mia")).get(reverse("kpis")).content.decode()
    assert 'data-target="revenue">€ 1,200' in body or "1,200" in body


def test_the_kpi_api_reads_the_unit_target_for_the_unit(cast, login):
    Target.objects.create(kpi="revenue", person=cast.ruud, month=NOV, value=Decimal("600"))
    Target.objects.create(kpi="revenue", unit=cast.ruud.unit, month=NOV, value=Decimal("1500"))
    client = login(cast.user("mia"))
    url = "/api/v1/kpis/values"
    common = {"kpi": "revenue", "from": "2026-11-01", "to": "2026-11-30"}
    unit = client.get(url, {**common, "unit": cast.ruud.unit_id}).json()
    person = client.get(url, {**common, "person": cast.ruud.pk}).json()
    mine = client.get(url, common).json()
    assert unit["values"][0]["target"] == 1500.0
    assert person["values"][0]["target"] == 600.0
    assert mine["values"][0]["target"] == 1500.0  # Mia sees her unit: Team Noord


TEAM_PLAN = """\
code: team
name: Team
components:
  - code: team-bonus
    name: {en: Team bonus, nl: Teambonus}
    rule: bonus
    scope: team
    quota: revenue
    incentive: 100%
    curve: [{attainment: 0%, payout: 0%}, {attainment: 200%, payout: 200%}]
"""


def _team_bonus(cast) -> PayoutLine:
    on_plan(TEAM_PLAN, cast.ruud, cast.rosa, target_incentive="1200")
    run_month(NOV, by=None)
    return PayoutLine.objects.get(person=cast.ruud, component="team-bonus", run__month=NOV)


def test_the_team_quota_is_the_units_target_or_the_members_own_once(cast):
    Target.objects.create(kpi="revenue", person=cast.ruud, month=NOV, value=Decimal("600"))
    Target.objects.create(kpi="revenue", person=cast.rosa, month=NOV, value=Decimal("300"))
    # Mia's own target is hers, not the team's: it adds once, as a member's
    Target.objects.create(kpi="revenue", person=cast.mia, month=NOV, value=Decimal("100"))
    # the cast's team Noord sold € 2,000 in November (Ruud and Rosa € 1,000 each)
    assert _team_bonus(cast).attainment_ppm == 2_000_000  # € 2,000 of € 1,000


def test_a_unit_target_stands_for_the_team_quota(cast):
    Target.objects.create(kpi="revenue", person=cast.ruud, month=NOV, value=Decimal("600"))
    Target.objects.create(kpi="revenue", unit=cast.ruud.unit, month=NOV, value=Decimal("4000"))
    assert _team_bonus(cast).attainment_ppm == 500_000  # € 2,000 of € 4,000


@pytest.mark.parametrize(
    ("who", "unit", "allowed"),
    [
        ("mia", "NOORD", False),  # her own team's target decides her team pay
        ("dirk", "HQ", False),  # the director's company target decides his
        ("dirk", "NOORD", True),
        ("cora", "HQ", True),
        ("ruud", "NOORD", False),
    ],
)
def test_who_may_set_a_unit_target(cast, who, unit, allowed):
    from koers.org.models import OrgUnit

    target = Target(kpi="revenue", unit=OrgUnit.objects.get(code=unit), month=NOV, value=1)
    user = cast.user(who)
    if allowed:
        record_save(obj=target, by=user)
        assert Target.objects.filter(unit__code=unit).exists()
    else:
        with pytest.raises(PermissionDenied):
            record_save(obj=target, by=user)
        assert not Target.objects.exists()


def test_unit_targets_import_and_nobody_imports_their_own_groups(cast):
    own = b"kpi;unit;month;value\nrevenue;NOORD;2026-11-01;1,00\nrevenue;HQ;2026-11-01;9,00\n"
    with pytest.raises(PermissionDenied, match="about yourself"):
        import_file(kind="unit-targets", raw=own, filename="t.csv", by=cast.user("dirk"))
    assert not Target.objects.exists()
    text = b"kpi;unit;month;value\nrevenue;NOORD;2026-11-01;1.500,00\n"
    run = import_file(kind="unit-targets", raw=text, filename="t.csv", by=cast.user("dirk")).run
    assert run.status == "committed", run.errors
    assert Target.objects.get().unit.code == "NOORD"
    again = import_file(kind="unit-targets", raw=text, filename="t.csv", by=cast.user("dirk")).run
    assert (again.created, again.unchanged) == (0, 1)


def test_a_salesperson_sees_their_own_and_their_teams_target_only(cast, login):
    Target.objects.create(kpi="revenue", person=cast.ruud, month=NOV, value=600)
    Target.objects.create(kpi="revenue", person=cast.rosa, month=NOV, value=400)
    Target.objects.create(kpi="revenue", unit=cast.ruud.unit, month=NOV, value=1500)
    Target.objects.create(kpi="revenue", unit=cast.rik.unit, month=NOV, value=2500)
    from koers.org.visibility import visible_targets

    seen = {str(t.person or t.unit) for t in visible_targets(cast.user("ruud"))}
    assert seen == {str(cast.ruud), "Team Noord"}


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    own=st.lists(st.integers(0, 10_000_00), min_size=4, max_size=4),
    unit_target=st.none() | st.integers(0, 10_000_00),
    members=st.sets(st.integers(0, 3), min_size=1),
    repeat=st.integers(1, 3),
)
def test_a_groups_target_counts_each_person_once_unless_a_unit_target_stands(
    cast, own, unit_target, members, repeat
):
    people = [cast.ruud, cast.rosa, cast.rik, cast.mia]
    Target.objects.filter(month=NOV).delete()
    for person, cents in zip(people, own, strict=True):
        Target.objects.create(kpi="revenue", person=person, month=NOV, value=Decimal(cents) / 100)
    unit = cast.ruud.unit
    if unit_target is not None:
        Target.objects.create(kpi="revenue", unit=unit, month=NOV, value=Decimal(unit_target) / 100)
    ids = [people[i].pk for i in sorted(members)] * repeat  # a person named twice counts once
    got = group_targets(Person.objects.filter(pk__in=ids), unit, NOV, NOV_END)["revenue"]
    expected = (
        Decimal(unit_target) / 100
        if unit_target is not None
        else sum((Decimal(own[i]) / 100 for i in members), Decimal(0))
    )
    assert got == expected


ROLLUP_PLAN = """\
code: lead
name: Lead
components:
  - code: team-revenue
    name: {en: Team revenue, nl: Teamomzet}
    rule: bonus
    quota: revenue
    rollup: true
    incentive: 100%
    curve: [{attainment: 0%, payout: 0%}, {attainment: 300%, payout: 300%}]
"""


@pytest.mark.parametrize(("unit_target", "ppm"), [(None, 2_000_000), ("4000", 500_000)])
def test_a_manager_measured_on_her_team_has_her_teams_quota(cast, unit_target, ppm):
    """With rollup a manager earns on everything below her: her quota is her group's."""
    on_plan(ROLLUP_PLAN, cast.mia, target_incentive="1200")
    Target.objects.create(kpi="revenue", person=cast.ruud, month=NOV, value=Decimal("600"))
    Target.objects.create(kpi="revenue", person=cast.rosa, month=NOV, value=Decimal("400"))
    if unit_target:
        Target.objects.create(kpi="revenue", unit=cast.mia.unit, month=NOV, value=unit_target)
    run_month(NOV, by=None)
    line = PayoutLine.objects.get(person=cast.mia, component="team-revenue", run__month=NOV)
    assert line.attainment_ppm == ppm  # € 2,000 sold by Ruud and Rosa


@pytest.mark.parametrize("kpi", ["revenue", "win_rate"])
def test_every_leaders_team_target_at_once_equals_each_groups_target(cast, kpi):
    """A month's run reads every manager's team target in two queries: the same figure
    the KPI page reads group by group (members' own targets, a unit's own target where
    set for a month, the average for a ratio)."""
    from koers.plan.selectors import team_targets

    oct_ = dt.date(2026, 10, 1)
    for person, value in ((cast.ruud, "600"), (cast.rosa, "400"), (cast.rik, "250")):
        for month in (oct_, NOV):
            Target.objects.create(kpi=kpi, person=person, month=month, value=Decimal(value))
    Target.objects.create(kpi=kpi, person=cast.mia, month=NOV, value=Decimal("33.33"))
    Target.objects.create(kpi=kpi, unit=cast.ruud.unit, month=oct_, value=Decimal("1500"))
    leaders = list(Person.objects.filter(role__in=["manager", "director"]).select_related("unit"))
    assert len(leaders) >= 3
    at_once = team_targets(leaders, oct_, NOV_END, kpi)
    for leader in leaders:
        group = Person.objects.in_subtree(leader.unit)
        assert at_once.get(leader.pk) == group_targets(
            group, leader.unit, oct_, NOV_END, [kpi]
        ).get(kpi)
    assert at_once  # something to compare


@pytest.mark.parametrize("kpi", ["revenue", "win_rate"])
def test_every_units_target_at_once_equals_each_units_group_target(cast, kpi):
    """The forecast calls read every unit's target in two queries: the same figure the KPI
    page reads unit by unit."""
    from koers.org.models import OrgUnit
    from koers.plan.selectors import unit_targets

    oct_ = dt.date(2026, 10, 1)
    for person, value in ((cast.ruud, "600"), (cast.rosa, "400"), (cast.rik, "250")):
        for month in (oct_, NOV):
            Target.objects.create(kpi=kpi, person=person, month=month, value=Decimal(value))
    Target.objects.create(kpi=kpi, unit=cast.zuid, month=NOV, value=Decimal("900"))
    units = list(OrgUnit.objects.all())
    at_once = unit_targets(units, oct_, NOV_END, kpi)
    for unit in units:
        group = Person.objects.in_subtree(unit)
        assert at_once.get(unit.pk) == group_targets(group, unit, oct_, NOV_END, [kpi]).get(kpi)
    assert len(at_once) >= 3


@pytest.mark.parametrize("kpi", ["revenue", "win_rate"])
def test_a_years_unit_months_serve_every_span_without_a_query(cast, kpi):
    """A month's run reads a KPI's targets of its whole span once: every team quota of
    every period within it is then what the two queries per call give, and the group's
    target the KPI page reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from koers.org.models import OrgUnit
    from koers.plan.selectors import UnitMonths, unit_targets

    months = [dt.date(2026, m, 1) for m in (1, 2, 6, 10, 11, 12)]
    for k, month in enumerate(months):
        for person, value in ((cast.ruud, 600), (cast.rosa, 400), (cast.rik, 250), (cast.mia, 7)):
            Target.objects.create(kpi=kpi, person=person, month=month, value=Decimal(value + k))
    Target.objects.create(kpi=kpi, unit=cast.zuid, month=NOV, value=Decimal("900"))
    Target.objects.create(kpi=kpi, unit=cast.noord, month=months[1], value=Decimal("1500"))
    Target.objects.create(kpi=kpi, unit=cast.country, month=months[3], value=Decimal("5000.5"))
    units = list(OrgUnit.objects.all())
    year = UnitMonths.read(kpi, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    spans = [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
        (dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 10, 1), NOV_END),
        (NOV, NOV_END),
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ]
    for start, end in spans:
        with CaptureQueriesContext(connection) as queries:
            served = unit_targets(units, start, end, kpi, year)
        assert not [q for q in queries.captured_queries if "plan_target" in q["sql"]]
        assert served == unit_targets(units, start, end, kpi)
        for unit in units:
            group = Person.objects.in_subtree(unit)
            assert served.get(unit.pk) == group_targets(group, unit, start, end, [kpi]).get(kpi)
    # a span beyond the months read is read again, not cut short
    assert not year.spans(dt.date(2025, 12, 1), NOV_END)
    wider = unit_targets(units, dt.date(2025, 12, 1), NOV_END, kpi, year)
    assert wider == unit_targets(units, dt.date(2025, 12, 1), NOV_END, kpi)
