"""Bad data is refused with a message naming the record and the field; nothing is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from koers.org.models import AuditEvent
from koers.sales import models as sm
from koers.sales.services import opportunity_save, order_line_save


def _new_opportunity(cast, **overrides):
    data = dict(
        name="Pumps for Acme",
        account=cast.accounts["ruud"],
        owner=cast.ruud,
        stage=cast.stages["prospect"],
        amount=Decimal("5000.00"),
        currency="EUR",
        created_on=dt.date(2026, 11, 1),
        expected_close_date=dt.date(2026, 12, 1),
        source="sales",
    )
    data.update(overrides)
    return sm.Opportunity(**data)


def _counts():
    return (
        sm.Opportunity.objects.count(),
        sm.OpportunitySplit.objects.count(),
        sm.StageChange.objects.count(),
        AuditEvent.objects.count(),
    )


def test_splits_not_summing_to_100_are_refused_and_nothing_is_written(cast):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        opportunity_save(
            opportunity=_new_opportunity(cast),
            by=cast.user("mia"),
            splits=[(cast.ruud, Decimal("60")), (cast.rosa, Decimal("30"))],
        )
    message = error.value.message_dict["splits"][0]
    assert message == (
        "Opportunity “Pumps for Acme”: the credit splits add up to 90%; they must add up to 100%."
    )
    assert _counts() == before


def test_splits_of_exactly_100_are_stored(cast):
    deal = opportunity_save(
        opportunity=_new_opportunity(cast),
        by=None,
        splits=[(cast.ruud, Decimal("66.67")), (cast.rosa, Decimal("33.33"))],
    )
    assert sum(s.percent for s in deal.splits.all()) == Decimal("100")


def test_a_person_twice_in_a_split_is_refused(cast):
    with pytest.raises(ValidationError) as error:
        opportunity_save(
            opportunity=_new_opportunity(cast),
            by=None,
            splits=[(cast.ruud, Decimal("50")), (cast.ruud, Decimal("50"))],
        )
    assert "more than once" in error.value.message_dict["splits"][0]


def test_unknown_currency_is_refused_naming_record_and_field(cast):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        opportunity_save(opportunity=_new_opportunity(cast, currency="XYZ"), by=None)
    message = error.value.message_dict["currency"][0]
    assert "Pumps for Acme" in message and "XYZ" in message
    assert _counts() == before


def test_opportunity_without_owner_is_refused(cast):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        opportunity_save(opportunity=_new_opportunity(cast, owner=None), by=None)
    assert "Pumps for Acme" in error.value.message_dict["owner"][0]
    assert _counts() == before


def test_close_date_before_creation_is_refused(cast):
    deal = _new_opportunity(cast, expected_close_date=dt.date(2026, 10, 1))
    with pytest.raises(ValidationError) as error:
        opportunity_save(opportunity=deal, by=None)
    assert "expected_close_date" in error.value.message_dict


def test_won_opportunity_needs_a_close_date(cast):
    deal = _new_opportunity(cast, stage=cast.stages["customer"])
    with pytest.raises(ValidationError) as error:
        opportunity_save(opportunity=deal, by=None)
    assert "closed_on" in error.value.message_dict


def test_stage_changes_are_kept_as_history(cast):
    deal = cast.opportunities["ruud"]
    deal.stage = cast.stages["customer"]
    deal.closed_on = dt.date(2026, 11, 20)
    opportunity_save(opportunity=deal, by=cast.user("ruud"))
    history = list(deal.stage_history.values_list("stage__code", "changed_on"))
    assert history == [("prospect", dt.date(2026, 10, 1)), ("customer", dt.date(2026, 11, 20))]


def test_changes_are_audited_with_before_and_after(cast):
    deal = cast.opportunities["ruud"]
    deal.amount = Decimal("12500.00")
    opportunity_save(opportunity=deal, by=cast.user("mia"))
    event = AuditEvent.objects.filter(model="sales.opportunity", object_id=str(deal.pk)).first()
    assert event.actor == cast.user("mia") and event.action == "update"
    assert event.before["amount"] == "10000.00" and event.after["amount"] == "12500.00"


def test_order_line_credits_must_sum_to_100(cast):
    line = sm.OrderLine(
        order_date=dt.date(2026, 11, 2),
        account=cast.accounts["ruud"],
        product=cast.product,
        quantity=Decimal("1"),
        amount=Decimal("10.00"),
    )
    count = sm.OrderLine.objects.count()
    with pytest.raises(ValidationError) as error:
        order_line_save(line=line, by=None, credits=[(cast.ruud, Decimal("99.99"))])
    assert "99.99" in error.value.message_dict["credits"][0]
    assert sm.OrderLine.objects.count() == count


def test_a_return_must_reference_its_original_and_be_negative(cast):
    line = sm.OrderLine(
        kind="return",
        order_date=dt.date(2026, 11, 5),
        account=cast.accounts["ruud"],
        product=cast.product,
        quantity=Decimal("-1"),
        amount=Decimal("100.00"),
    )
    with pytest.raises(ValidationError) as error:
        order_line_save(line=line, by=None, credits=[(cast.ruud, Decimal("100"))])
    assert {"original", "amount"} <= set(error.value.message_dict)


def test_payment_before_invoice_is_refused(cast):
    line = cast.lines["ruud"]
    line.invoice_date = dt.date(2026, 11, 10)
    line.paid_date = dt.date(2026, 11, 9)
    with pytest.raises(ValidationError) as error:
        order_line_save(line=line, by=None, credits=[(cast.ruud, Decimal("100"))])
    assert "paid_date" in error.value.message_dict
    line.refresh_from_db()
    assert line.paid_date is None


def test_nps_score_outside_0_to_10_is_refused(cast):
    from koers.core.services import record_save

    answer = sm.NpsResponse(
        account=cast.accounts["ruud"], score=11, responded_on=dt.date(2026, 11, 1)
    )
    with pytest.raises(ValidationError) as error:
        record_save(obj=answer, by=None)
    assert "score" in error.value.message_dict
