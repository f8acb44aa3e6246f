"""The target round, step by step and role by role: the director's top-down proposal, the
salespeople's bottom-up numbers, the managers' agreement, the director's approval (which
writes the monthly targets the KPI pages and Reward read) and a new version with its reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from koers.measure import selectors as msel
from koers.measure.services import kpi_facts_refresh
from koers.org.models import AuditEvent, Person
from koers.plan.models import Target, TargetProposal, TargetRound
from koers.plan.services import (
    gaps_by_unit,
    proposal_agree,
    proposal_submit,
    round_approve,
    round_open,
    round_propose,
    round_revise,
)
from tests.conftest import sale

D = dt.date


@pytest.fixture
def history(cast):
    # this year (the last before the 2027 round): besides the cast's € 1,000 each in
    # November, Ruud sold € 3,000 in March: 4 : 1 : 1, and the managers nothing; the
    # season is that of the last twelve full months (November 2026 is not over): March
    # and, a year earlier, November 2025's € 3,000 (before the round's history)
    sale(cast, cast.ruud, "SO-MARCH", D(2026, 3, 10), "3000.00")
    sale(cast, cast.ruud, "SO-NOV-25", D(2025, 11, 10), "3000.00")
    kpi_facts_refresh(start=D(2025, 1, 1), end=D(2026, 11, 30))
    return cast


def _round(cast, method="history", total="100000.00", unit=None):
    return round_propose(
        year=2027,
        kpi="revenue",
        unit=unit or cast.company,
        total=Decimal(total),
        method=method,
        by=cast.user("dirk"),
    )


def _top(target_round) -> dict[str, Decimal]:
    return {
        p.person.first_name: p.top_down for p in target_round.proposals.select_related("person")
    }


def test_a_top_down_proposal_by_last_years_share(history):
    target_round = _round(history)
    # 4,000 : 1,000 : 1,000 of last year (managers had none)
    assert _top(target_round) == {
        "Ruud": Decimal("66666.68"),
        "Rosa": Decimal("16666.66"),
        "Rik": Decimal("16666.66"),
        "Mia": Decimal("0.00"),
        "Max": Decimal("0.00"),
    }
    assert sum(_top(target_round).values()) == Decimal("100000.00")


def test_equal_per_fte_counts_part_timers(history):
    Person.objects.filter(pk=history.rosa.pk).update(fte=Decimal("0.5"))
    shares = _top(_round(history, method="fte", total="4500.00"))
    assert shares["Rosa"] == Decimal("500.00") and shares["Ruud"] == Decimal("1000.00")
    assert sum(shares.values()) == Decimal("4500.00")


@pytest.mark.parametrize("who", ["mia", "ruud", "cora"])
def test_only_a_director_or_administrator_proposes(history, who):
    with pytest.raises(PermissionDenied):
        round_propose(
            year=2027,
            kpi="revenue",
            unit=history.company,
            total=Decimal(1),
            method="fte",
            by=history.user(who),
        )


def test_the_whole_cycle_writes_the_approved_targets(history):
    target_round = _round(history)
    ruud = target_round.proposals.get(person=history.ruud)
    with pytest.raises(ValidationError):  # not open yet
        proposal_submit(ruud, value=Decimal(70000), substantiation="", by=history.user("ruud"))
    round_open(target_round, by=history.user("dirk"))
    proposal_submit(
        ruud, value=Decimal("72000"), substantiation="3 key accounts grow", by=history.user("ruud")
    )
    ruud.refresh_from_db()
    assert ruud.gap == Decimal("5333.32")
    gaps = {g["unit"]: g for g in gaps_by_unit(target_round)}
    assert gaps["Team Noord"]["submitted"] == 1
    proposal_agree(ruud, value=Decimal("70000"), comment="halfway", by=history.user("mia"))
    written = round_approve(target_round, by=history.user("dirk"))
    assert written == 5 * 12
    targets = Target.objects.filter(person=history.ruud, kpi="revenue", month__year=2027)
    assert sum(t.value for t in targets) == Decimal("70000.00")
    # seasonality of the last twelve full months: March and November € 3,000 each
    by_month = {t.month.month: t.value for t in targets}
    assert by_month[3] == Decimal("35000.00") and by_month[11] == Decimal("35000.00")
    assert by_month[1] == Decimal("0.00")
    # the KPI pages read the approved targets
    people = Person.objects.filter(pk=history.ruud.pk)
    assert msel.target_values(people, D(2027, 1, 1), D(2027, 12, 31))["revenue"] == 70000
    target_round.refresh_from_db()
    assert target_round.status == TargetRound.Status.APPROVED
    assert AuditEvent.objects.filter(object_id=str(target_round.pk)).count() >= 3


def test_nobody_submits_for_someone_else_or_agrees_their_own(history):
    target_round = _round(history)
    round_open(target_round, by=history.user("dirk"))
    rosa = target_round.proposals.get(person=history.rosa)
    mia = target_round.proposals.get(person=history.mia)
    rik = target_round.proposals.get(person=history.rik)
    with pytest.raises(PermissionDenied):
        proposal_submit(rosa, value=Decimal(1), substantiation="", by=history.user("ruud"))
    with pytest.raises(PermissionDenied):  # her own
        proposal_agree(mia, value=Decimal(1), comment="", by=history.user("mia"))
    with pytest.raises(PermissionDenied):  # not in her unit
        proposal_agree(rik, value=Decimal(1), comment="", by=history.user("mia"))
    with pytest.raises(PermissionDenied):  # a salesperson agrees nothing
        proposal_agree(rosa, value=Decimal(1), comment="", by=history.user("ruud"))
    proposal_agree(rik, value=Decimal(1), comment="", by=history.user("max"))


def test_a_change_after_approval_is_a_new_version_with_its_reason(history):
    target_round = _round(history)
    round_open(target_round, by=history.user("dirk"))
    round_approve(target_round, by=history.user("dirk"))
    with pytest.raises(ValidationError):
        round_revise(target_round, reason=" ", by=history.user("dirk"))
    revised = round_revise(target_round, reason="Lost a key account", by=history.user("dirk"))
    assert (revised.version, revised.status) == (2, TargetRound.Status.OPEN)
    assert revised.proposals.count() == 5
    with pytest.raises(ValidationError):  # the approved version stays as it was
        proposal_submit(
            target_round.proposals.get(person=history.ruud),
            value=Decimal(1),
            substantiation="",
            by=history.user("ruud"),
        )
    with pytest.raises(ValidationError):  # a round is open: no new one beside it
        _round(history)


def test_a_new_hire_ramps_up_in_the_targets(history):
    Person.objects.filter(pk=history.rosa.pk).update(start_date=D(2027, 4, 1))
    target_round = _round(history, method="fte", total="46500.00")
    round_open(target_round, by=history.user("dirk"))
    round_approve(target_round, by=history.user("dirk"))
    rosa = {t.month.month: t.value for t in Target.objects.filter(person=history.rosa)}
    assert 1 not in rosa and 3 not in rosa  # no target before she starts
    # 7.5 full months of 12 against 12 for the others: 46,500 × 7.5 / 55.5
    assert TargetProposal.objects.get(round=target_round, person=history.rosa).top_down == (
        Decimal("6283.78")  # truncated; the leftover cent goes to a larger share
    )


def test_a_hand_allocation_that_does_not_add_up_is_refused(history):
    with pytest.raises(ValidationError, match="add up"):
        round_propose(
            year=2027,
            kpi="revenue",
            unit=history.noord,
            total=Decimal("100"),
            method="hand",
            by=history.user("dirk"),
            hand={
                history.ruud.pk: Decimal(60),
                history.rosa.pk: Decimal(30),
                history.mia.pk: Decimal(0),
            },
        )
    assert not TargetRound.objects.exists()


def test_a_product_group_round_writes_group_targets_beside_the_overall_ones(history):
    from koers.sales.models import ProductGroup

    group = ProductGroup.objects.get(pk=history.product.group_id)
    Target.objects.create(kpi="revenue", person=history.ruud, month=D(2027, 3, 1), value=9)
    target_round = round_propose(
        year=2027,
        kpi="revenue",
        unit=history.noord,
        total=Decimal("1200.00"),
        method="history",
        by=history.user("dirk"),
        product_group=group,
    )
    # last year's sales of the group: Ruud € 4,000 and Rosa € 1,000 (the cast's product)
    shares = {
        p.person.first_name: p.top_down for p in target_round.proposals.select_related("person")
    }
    assert shares == {"Ruud": Decimal("960.00"), "Rosa": Decimal("240.00"), "Mia": Decimal("0.00")}
    round_open(target_round, by=history.user("dirk"))
    round_approve(target_round, by=history.user("dirk"))
    grouped = Target.objects.filter(person=history.ruud, product_group=group, month__year=2027)
    assert sum(t.value for t in grouped) == Decimal("960.00")
    # the overall target of March stands as it was
    assert Target.objects.overall().get(person=history.ruud, month=D(2027, 3, 1)).value == 9
    # and an overall round of the same year is a round of its own
    _round(history, unit=history.noord)


def test_a_refused_division_is_said_in_dutch_with_euros_and_names(history):
    from django.utils import translation

    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        _round(history, method="potential")
    assert refused.value.messages == [
        "Niemand heeft potentieel om door te delen: kies een andere methode."
    ]
    hand = {history.ruud.pk: Decimal("60000"), history.rosa.pk: Decimal("30000")}

    def by_hand():  # type: ignore[no-untyped-def]
        return round_propose(
            year=2027,
            kpi="revenue",
            unit=history.noord,
            total=Decimal("100000"),
            method="hand",
            hand=hand,
            by=history.user("dirk"),
        )

    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        by_hand()
    assert refused.value.messages == ["Geen bedrag ingevuld voor: Mia Tester."]
    hand[history.mia.pk] = Decimal("0")
    with pytest.raises(ValidationError) as refused:
        by_hand()
    assert refused.value.messages == [
        "The amounts typed add up to € 90,000.00, not to the target € 100,000.00: add € 10,000.00."
    ]
