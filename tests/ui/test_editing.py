"""Editing through the web app: allowed where the role allows, refused with clear
messages, and nothing written when the data is bad."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from koers.sales import models as sm


def _form(deal, **changes):
    data = {
        "name": deal.name,
        "account": deal.account_id,
        "owner": deal.owner_id,
        "stage": deal.stage_id,
        "amount": str(deal.amount),
        "currency": deal.currency,
        "created_on": deal.created_on.isoformat(),
        "expected_close_date": deal.expected_close_date.isoformat(),
        "source": deal.source,
        "forecast_category": deal.forecast_category,
        "splits-TOTAL_FORMS": "0",
        "splits-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_salesperson_edits_own_opportunity(cast, login):
    deal = cast.opportunities["ruud"]
    client = login(cast.user("ruud"))
    response = client.post(
        reverse("entity_edit", args=["opportunities", deal.pk]), _form(deal, amount="12000.00")
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.amount == Decimal("12000.00")


def test_bad_splits_in_the_form_are_refused_with_a_message(cast, login):
    deal = cast.opportunities["ruud"]
    client = login(cast.user("mia"))
    data = _form(
        deal,
        **{
            "splits-TOTAL_FORMS": "2",
            "splits-0-person": cast.ruud.pk,
            "splits-0-percent": "50",
            "splits-1-person": cast.rosa.pk,
            "splits-1-percent": "40",
            "amount": "99999.00",
        },
    )
    response = client.post(reverse("entity_edit", args=["opportunities", deal.pk]), data)
    assert response.status_code == 400
    assert "the credit splits add up to 90%; they must add up to 100%." in (
        response.content.decode()
    )
    deal.refresh_from_db()
    assert deal.amount == Decimal("10000.00")
    assert list(deal.splits.values_list("percent", flat=True)) == [Decimal("100.00")]


def test_unknown_currency_in_the_form_is_refused(cast, login):
    deal = cast.opportunities["ruud"]
    client = login(cast.user("ruud"))
    response = client.post(
        reverse("entity_edit", args=["opportunities", deal.pk]), _form(deal, currency="XYZ")
    )
    assert response.status_code == 400 and "XYZ" in response.content.decode()
    deal.refresh_from_db()
    assert deal.currency == "EUR"


def test_salesperson_cannot_make_a_peer_the_owner(cast, login):
    deal = cast.opportunities["ruud"]
    client = login(cast.user("ruud"))
    response = client.post(
        reverse("entity_edit", args=["opportunities", deal.pk]), _form(deal, owner=cast.rosa.pk)
    )
    assert response.status_code == 400
    deal.refresh_from_db()
    assert deal.owner == cast.ruud


def test_compadmin_may_not_edit_sales_data(cast, login):
    deal = cast.opportunities["ruud"]
    client = login(cast.user("cora"))
    response = client.post(
        reverse("entity_edit", args=["opportunities", deal.pk]), _form(deal, amount="1.00")
    )
    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.amount == Decimal("10000.00")


def test_only_pay_roles_see_the_salary_field_in_the_person_form(cast, login):
    url = reverse("entity_edit", args=["people", cast.ruud.pk])
    assert 'name="base_salary"' in login(cast.user("cora")).get(url).content.decode()
    assert 'name="base_salary"' not in login(cast.user("dirk")).get(url).content.decode()


def test_new_account_is_created_and_audited(cast, login):
    client = login(cast.user("ruud"))
    response = client.post(
        reverse("entity_create", args=["accounts"]),
        {
            "name": "Nieuwe Klant B.V.",
            "lifecycle": "potential",
            "country": "NL",
            "owner": cast.ruud.pk,
        },
    )
    assert response.status_code == 302
    account = sm.Account.objects.get(name="Nieuwe Klant B.V.")
    from koers.org.models import AuditEvent

    assert AuditEvent.objects.filter(
        model="sales.account", object_id=str(account.pk), action="create"
    ).exists()
