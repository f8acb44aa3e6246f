"""Inquiries: a salesperson asks about a statement line with a reason; the administrator
answers within the service level, with an explanation or an adjustment; all audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from koers.org.models import AuditEvent
from koers.reward.models import Inquiry, Payout, PayoutLine
from koers.reward.services import run_month
from koers.reward.services.inquiries import add_business_days, inquiry_open, inquiry_resolve

NOV = dt.date(2026, 11, 1)


def test_the_service_level_counts_business_days():
    friday = dt.date(2026, 11, 20)
    assert add_business_days(friday, 5) == dt.date(2026, 11, 27)
    assert add_business_days(friday, 1) == dt.date(2026, 11, 23)


def test_an_inquiry_is_raised_answered_with_an_adjustment_and_audited(planned, login):
    run_month(NOV, by=None)
    line = PayoutLine.objects.get(person=planned.ruud, component="commission")
    ruud = login(planned.user("ruud"))
    response = ruud.post(
        reverse("statement_line_inquiry", args=[line.pk]),
        {"reason": "missing-credit", "message": "The Pompen order of 28-11 is missing."},
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.person == planned.ruud and inquiry.status == "open"
    assert inquiry.due_on > dt.date.today()
    # a peer cannot ask about Ruud's line, nor resolve anything
    rosa = login(planned.user("rosa"))
    assert (
        rosa.post(
            reverse("statement_line_inquiry", args=[line.pk]), {"reason": "other", "message": "x"}
        ).status_code
        == 404
    )
    assert (
        rosa.post(reverse("reward_inquiry_resolve", args=[inquiry.pk]), {"answer": "x"}).status_code
        == 403
    )
    assert "Pompen order" not in rosa.get(reverse("reward_inquiries")).content.decode()
    # recalculating the open month keeps the inquiry on its line
    run_month(NOV, by=None)
    inquiry.refresh_from_db()
    assert inquiry.line == PayoutLine.objects.get(person=planned.ruud, component="commission")
    cora = login(planned.user("cora"))
    assert "Pompen order" in cora.get(reverse("reward_inquiries")).content.decode()
    cora.post(
        reverse("reward_inquiry_resolve", args=[inquiry.pk]),
        {"answer": "Added: the order was booked late.", "amount": "15.00"},
    )
    inquiry.refresh_from_db()
    assert inquiry.status == "resolved" and inquiry.adjustment.amount == Decimal("15.00")
    assert Payout.objects.get(person=planned.ruud).adjustments == Decimal("15.00")
    page = ruud.get(reverse("statement_line", args=[inquiry.line_id])).content.decode()
    assert "Added: the order was booked late." in page
    events = AuditEvent.objects.filter(model="reward.inquiry").values_list("action", flat=True)
    assert sorted(events) == ["create", "update"]


def test_an_inquiry_needs_a_reason_and_a_question(planned):
    run_month(NOV, by=None)
    line = PayoutLine.objects.get(person=planned.ruud, component="commission")
    with pytest.raises(ValidationError):
        inquiry_open(line=line, reason="because", message="x", by=None)
    with pytest.raises(ValidationError):
        inquiry_open(line=line, reason="other", message="  ", by=None)
    inquiry = inquiry_open(line=line, reason="other", message="Why 5%?", by=None)
    with pytest.raises(ValidationError, match="already"):
        inquiry_open(line=line, reason="other", message="Again", by=None)
    with pytest.raises(ValidationError):
        inquiry_resolve(inquiry, answer="", by=None)
    inquiry_resolve(inquiry, answer="5% up to the goal, 10% above.", by=None)
    with pytest.raises(ValidationError, match="already"):
        inquiry_resolve(inquiry, answer="Again", by=None)
