"""Numbers as people type them, in Dutch and English, in every form that takes money, a
quantity, a rate or a score."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from koers.kit.fields import LocalDecimalField, parse_local_number


@pytest.mark.parametrize(
    ("text", "language", "number"),
    [
        ("1.234,56", "nl", "1234.56"),
        ("1234,56", "nl", "1234.56"),
        ("10.000", "nl", "10000"),
        ("€ 1.000.000,5", "nl", "1000000.5"),
        ("-1.234,56", "nl", "-1234.56"),
        ("1.5", "nl", "1.5"),
        ("1,234.56", "en", "1234.56"),
        ("1234.56", "en", "1234.56"),
        ("10,000", "en", "10000"),
        ("€ 2,500", "en", "2500"),
    ],
)
def test_numbers_in_each_language(text, language, number):
    assert parse_local_number(text, language) == number


@pytest.mark.parametrize(
    ("text", "language"), [("1.23.4", "nl"), ("1000,50", "en"), ("12,34,5", "en")]
)
def test_numbers_that_cannot_be_read_are_refused_with_a_message(text, language):
    with translation.override(language):
        field = LocalDecimalField(max_digits=14, decimal_places=2)
        with pytest.raises(Exception, match="number|getal"):
            field.clean(text)


def test_a_dutch_amount_in_the_adjustment_form(planned_nl_month, login):
    cast = planned_nl_month
    client = login(cast.user("cora"))
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    url = reverse("reward_run_action", args=["2026-11", "adjust"])
    client.post(
        url, {"adj-person": cast.rosa.pk, "adj-amount": "1.234,56", "adj-reason": "Correctie"}
    )
    from koers.reward.models import Adjustment

    assert Adjustment.objects.get().amount == Decimal("1234.56")


@pytest.fixture
def planned_nl_month(planned):
    from koers.reward.services import run_month

    run_month(dt.date(2026, 11, 1), by=None)
    return planned


@pytest.mark.parametrize(
    ("language", "typed"), [("nl", "10.000"), ("nl", "10000,00"), ("en", "10,000")]
)
def test_the_estimator_takes_the_users_numbers(planned_nl_month, login, language, typed):
    cast = planned_nl_month
    client = login(cast.user("ruud"))
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    body = client.get(reverse("statement"), {"extra": typed}).content.decode()
    assert 'data-testid="extra-error"' not in body and 'data-testid="estimate"' in body


def test_a_dutch_amount_in_a_record_form_and_shown_back_the_dutch_way(cast, login):
    deal = cast.opportunities["ruud"]
    client = login(cast.user("ruud"))
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    from tests.ui.test_editing import _form

    url = reverse("entity_edit", args=["opportunities", deal.pk])
    response = client.post(url, _form(deal, amount="12.500,50"))
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.amount == Decimal("12500.50")
    assert 'value="12500,50"' in client.get(url).content.decode()
