"""From earnings to payout: draws, holds, adjustments, corrections of closed months and the
payroll file, on the small cast."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from koers.org.models import AuditEvent
from koers.reward.models import Payout, PayoutLine, PlanAssignment
from koers.reward.services import run_advance, run_month
from koers.reward.services.payouts import (
    add_adjustment,
    payroll_csv,
    place_hold,
    release_hold,
)
from koers.sales import models as sm
from koers.sales.services import order_line_save

OCT, NOV, DEC = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)
LATER = dt.date(2027, 1, 5)  # the months after November have started


def payout(person, month) -> Payout:
    return Payout.objects.get(person=person, run__month=month)


def ruuds_sale(number: str, day: dt.date, amount: str, ruud) -> None:
    """A sale to Ruud's account, credited to him in full."""
    order_line_save(
        line=sm.OrderLine(
            order_number=number,
            order_date=day,
            account=sm.Account.objects.get(name="Ruud's Pompen"),
            product=sm.Product.objects.first(),
            quantity=Decimal("1"),
            amount=Decimal(amount),
            currency="EUR",
        ),
        by=None,
        credits=[(ruud, Decimal("100"))],
    )


def close(run):
    """Approve and lock ``run``, its adjustments approved first by a second person."""
    from koers.org.models import Person
    from koers.reward.services.approval import adjustment_approve, pending_adjustments

    director = Person.objects.get(user__username="dirk").user
    for adjustment in pending_adjustments(run.month):
        adjustment_approve(adjustment=adjustment, by=director)
    approved = run_advance(run, by=None, expected="open", confirmed=True)
    return run_advance(approved, by=None, expected="approved", confirmed=True)


def test_a_recoverable_draw_is_paid_and_recovered_from_later_earnings(planned):
    PlanAssignment.objects.filter(person=planned.rosa).update(
        draw_kind="recoverable", draw_amount=Decimal("30.00")
    )
    run_month(OCT, by=None)
    october = payout(planned.rosa, OCT)
    # nothing earned in October: the draw of € 30 is paid and is owed
    assert (october.paid, october.draw_topup, october.balance) == (30, 30, 30)
    run_month(NOV, by=None)
    november = payout(planned.rosa, NOV)
    # November earns € 50 (5% of € 1,000): € 20 above the draw recovers € 20 of the € 30
    assert (november.earned, november.recovered, november.paid) == (50, 20, 30)
    assert november.balance == 10


def test_a_guarantee_is_not_recovered(planned):
    PlanAssignment.objects.filter(person=planned.rosa).update(
        draw_kind="guarantee", draw_amount=Decimal("30.00")
    )
    run_month(OCT, by=None)
    run_month(NOV, by=None)
    assert payout(planned.rosa, OCT).balance == 0
    assert payout(planned.rosa, NOV).paid == 50


def test_recalculating_a_month_carries_its_new_balance_into_later_open_months(planned):
    PlanAssignment.objects.filter(person=planned.rosa).update(
        draw_kind="recoverable", draw_amount=Decimal("30.00")
    )
    run_month(OCT, by=None)
    run_month(NOV, by=None)
    PlanAssignment.objects.filter(person=planned.rosa).update(draw_amount=Decimal("40.00"))
    run_month(OCT, by=None)
    assert payout(planned.rosa, NOV).balance == 40 - 10  # the draw of 40, 10 recovered


def test_a_hold_keeps_the_payout_back_and_its_release_pays_it(planned):
    run_month(NOV, by=None)
    hold = place_hold(person=planned.ruud, month=NOV, reason="Leaving; final check", by=None)
    november = payout(planned.ruud, NOV)
    assert (november.paid, november.held, november.held_balance) == (0, 60, 60)
    close(run_month(NOV, by=None))
    release_hold(hold, on=dt.date(2026, 12, 10), by=None)
    run_month(DEC, by=None, today=LATER)
    december = payout(planned.ruud, DEC)
    # December: the quarter bonus and the held € 60 of November
    assert december.released == 60 and december.paid == december.earned + 60


def test_an_adjustment_needs_a_reason_and_an_open_month_and_is_audited(planned, cast):
    run_month(NOV, by=None)
    with pytest.raises(ValidationError, match="reason"):
        add_adjustment(person=planned.rosa, month=NOV, amount=Decimal("25"), reason=" ", by=None)
    add_adjustment(
        person=planned.rosa, month=NOV, amount=Decimal("25"), reason="Missed split", by=None
    )
    assert payout(planned.rosa, NOV).paid == 50 + 25
    assert AuditEvent.objects.filter(model="reward.adjustment", action="create").exists()
    close(run_month(NOV, by=None))
    with pytest.raises(ValidationError, match="closed"):
        add_adjustment(person=planned.rosa, month=NOV, amount=Decimal("5"), reason="x", by=None)
    assert payout(planned.rosa, NOV).paid == 75  # the re-run kept the adjustment


def test_a_change_reaching_a_paid_month_is_a_correction_in_the_open_month(planned):
    close(run_month(NOV, by=None))
    paid = sorted(PayoutLine.objects.filter(run__month=NOV).values_list("pk", "earnings"))
    # a sale of € 100 dated in November is recorded in December
    ruuds_sale("SO-late", dt.date(2026, 11, 20), "100.00", planned.ruud)
    run_month(DEC, by=None, today=LATER)
    correction = PayoutLine.objects.get(run__month=DEC, correction_of=NOV)
    # November's commission is now 5% of 800 + 10% of 300 = € 70, € 10 more than was paid
    assert (correction.person, correction.component, correction.earnings) == (
        planned.ruud,
        "commission",
        Decimal("10.00"),
    )
    assert payout(planned.ruud, DEC).earned >= 10
    # paid history is never rewritten, and a re-run does not correct twice
    assert sorted(PayoutLine.objects.filter(run__month=NOV).values_list("pk", "earnings")) == paid
    run_month(DEC, by=None, today=LATER)
    assert PayoutLine.objects.filter(correction_of=NOV).count() == 1
    close(run_month(DEC, by=None, today=LATER))
    run_month(dt.date(2027, 1, 1), by=None, today=LATER)
    assert PayoutLine.objects.filter(correction_of=NOV).count() == 1


def test_months_close_in_order(planned):
    run_month(NOV, by=None)
    december = run_month(DEC, by=None, today=LATER)
    with pytest.raises(ValidationError, match="earlier month"):
        run_advance(december, by=None, expected=december.status, confirmed=True)


def test_the_payroll_file_has_a_row_per_person_and_component_adding_up_to_the_payout(planned):
    run = run_month(NOV, by=None)
    add_adjustment(
        person=planned.rosa, month=NOV, amount=Decimal("-5.50"), reason="Returned demo", by=None
    )
    with pytest.raises(ValidationError, match="approved or locked"):
        payroll_csv(run)
    run = close(run)
    text = payroll_csv(run)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    by_person: dict[str, Decimal] = {}
    for row in rows:
        by_person[row["person"]] = by_person.get(row["person"], Decimal(0)) + Decimal(row["amount"])
    for p in Payout.objects.filter(run=run).select_related("person"):
        assert by_person[str(p.person)] == p.paid
    assert {"commission", "adjustment: Returned demo"} <= {r["component"] for r in rows}


YTD = """\
code: ytd
name: Year to date
components:
  - code: ytd-commission
    rule: marginal
    period: ytd
    quota: revenue
    tiers: [{from: 0%, rate: 5%}, {from: 100%, rate: 10%}]
"""


def test_a_year_to_date_component_pays_the_years_earnings_less_what_was_paid(cast):
    from koers.plan.models import Target
    from koers.reward.models import Plan

    plan = Plan.objects.create(code="ytd", name="YTD", status="active", document=YTD)
    PlanAssignment.objects.create(
        person=cast.ruud, plan=plan, valid_from=dt.date(2026, 1, 1), target_incentive=0
    )
    Target.objects.create(kpi="revenue", person=cast.ruud, month=OCT, value=Decimal("800"))
    Target.objects.create(kpi="revenue", person=cast.ruud, month=NOV, value=Decimal("1200"))
    ruuds_sale("SO-oct", dt.date(2026, 10, 10), "1000.00", cast.ruud)
    run_month(OCT, by=None)
    october = PayoutLine.objects.get(run__month=OCT, person=cast.ruud)
    # October: € 1,000 against € 800 = 5% of 800 + 10% of 200 = € 60
    assert october.earnings == 60 and october.payable
    run_month(NOV, by=None)
    november = PayoutLine.objects.get(run__month=NOV, person=cast.ruud)
    # the year so far: € 2,000 against € 2,000 = 5% of 2,000 = € 100, of which 60 was paid
    assert (november.measure, november.quota, november.earnings) == (200_000, 200_000, 40)


OVERRIDE = """\
code: override
name: Override
components:
  - code: override
    rule: flat
    rate: 1%
    rollup: true
"""


def test_a_manager_keeps_the_roll_up_of_credit_from_before_a_move(cast):
    from koers.org.services import person_save
    from koers.reward.models import Plan

    plan = Plan.objects.create(code="override", name="O", status="active", document=OVERRIDE)
    for boss in (cast.mia, cast.max):
        PlanAssignment.objects.create(
            person=boss, plan=plan, valid_from=dt.date(2026, 1, 1), target_incentive=0
        )
    # Ruud sold € 1,000 on 2 November and moved from Mia's team to Max's on the 15th
    cast.ruud.manager = cast.max
    person_save(person=cast.ruud, by=None, on=dt.date(2026, 11, 15))
    run_month(NOV, by=None)
    earned = dict(PayoutLine.objects.values_list("person__first_name", "earnings"))
    # Mia: her own team's € 1,000 (Ruud's, before his move) and Rosa's € 1,000; Max: Rik's
    assert earned[cast.mia.first_name] == Decimal("20.00")
    assert earned[cast.max.first_name] == Decimal("10.00")
    line = PayoutLine.objects.get(person=cast.mia)
    assert set(line.trace().values_list("order_line__order_number", flat=True)) == {
        "SO-ruud",
        "SO-rosa",
    }


TERRITORY = """\
code: territory
name: Territory
components:
  - code: territory
    rule: flat
    rate: 1%
    credit: territory
  - code: overlay
    rule: flat
    rate: 2%
    credit: territory-overlay
"""


def test_territory_credit_goes_to_whoever_holds_the_territory_on_the_day(cast):
    from koers.reward.models import Plan

    territory = sm.Territory.objects.get(code="T-NOORD")
    # Rosa's account belongs to Ruud's territory; Max is its overlay specialist
    sm.TerritoryAccount.objects.create(
        territory=territory,
        account=sm.Account.objects.get(name="Rosa's Kleppen"),
        valid_from=dt.date(2026, 1, 1),
    )
    sm.TerritoryPerson.objects.create(
        territory=territory, person=cast.max, kind="overlay", valid_from=dt.date(2026, 1, 1)
    )
    plan = Plan.objects.create(code="territory", name="T", status="active", document=TERRITORY)
    for person in (cast.ruud, cast.max):
        PlanAssignment.objects.create(
            person=person, plan=plan, valid_from=dt.date(2026, 1, 1), target_incentive=0
        )
    run_month(NOV, by=None)
    earned = {(line.person_id, line.component): line.earnings for line in PayoutLine.objects.all()}
    # Rosa's € 1,000 sale in Ruud's territory: 1% to Ruud, 2% to Max as overlay
    assert earned[(cast.ruud.pk, "territory")] == Decimal("10.00")
    assert earned[(cast.max.pk, "overlay")] == Decimal("20.00")
    assert earned[(cast.max.pk, "territory")] == 0 and earned[(cast.ruud.pk, "overlay")] == 0


def test_a_month_is_calculated_locked_and_paid_from_the_command_line(planned, tmp_path):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    file = tmp_path / "payroll.csv"
    call_command("calculate", "2026-11", "--lock", "--payroll", str(file), stdout=out)
    assert "2026-11 locked" in out.getvalue() and "commission" in file.read_text("utf-8")
    with pytest.raises(CommandError, match="not a month"):
        call_command("calculate", "november", stdout=out)


def test_the_payroll_file_downloaded_in_dutch_reads_as_dutch_payroll_expects(planned, login):
    from django.urls import reverse

    from koers.reward.models import PayoutLine

    run = run_month(NOV, by=None)
    add_adjustment(
        person=planned.rosa, month=NOV, amount=Decimal("-5.50"), reason="Demo retour", by=None
    )
    zero = PayoutLine.objects.filter(run=run).first()
    PayoutLine.objects.filter(pk=zero.pk).update(earnings=Decimal(0))
    run = close(run)
    response = login(planned.user("cora")).get(
        reverse("reward_payroll", args=["2026-11"]), HTTP_ACCEPT_LANGUAGE="nl"
    )
    text = response.content.decode().removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert list(rows[0]) == [
        "maand",
        "persoonsnummer",
        "persoon",
        "component",
        "periode_van",
        "periode_tot",
        "bedrag",
        "valuta",
        "omschrijving",
    ]
    adjustment = next(r for r in rows if r["component"].startswith("adjustment"))
    assert (adjustment["bedrag"], adjustment["omschrijving"]) == (
        "-5,50",
        "Aanpassing: Demo retour",
    )
    assert all(r["bedrag"] not in ("0,00", "-0,00") for r in rows if r["component"] != "held")
    assert all("." not in r["bedrag"] for r in rows)
