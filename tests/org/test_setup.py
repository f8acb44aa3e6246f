"""A new installation asks its first administrator the organisation's name, reporting
currency, fiscal-year start, language and revenue statuses before the first import; every
figure then reads them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from koers.org import onboarding, setup
from koers.org.models import Organisation, OrgUnit


@pytest.fixture
def first_admin(db, client):
    from django.core.cache import cache

    cache.delete(setup.NEW_KEY)  # a new installation: nothing known yet
    admin = User.objects.create_superuser("first", "first@example.com", "pw-long-enough-1")
    client.force_login(admin)
    return admin


ANSWERS = {
    "name": "Northwind Traders",
    "currency": "usd",
    "fiscal_month": "4",
    "language": "en",
    "statuses": ["shipped", "invoiced"],
}


def test_a_new_installation_asks_first_and_every_figure_then_reads_the_answers(first_admin, client):
    for page in ("/", "/data/imports/", "/data/imports/new/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == "/setup/"
    page = client.get("/setup/").content.decode()
    assert "Welcome: set up your organisation" in page
    response = client.post("/setup/", ANSWERS)
    assert response.status_code == 302 and response["Location"] == "/data/imports/"
    assert client.get("/data/imports/").status_code == 200  # no longer stopped
    assert setup.fiscal_start_month() == 4
    from koers.sales.currency import configured_currency, reporting_currency
    from koers.sales.status import counted_statuses

    assert configured_currency() == reporting_currency() == "USD"
    assert counted_statuses() == ["invoiced", "shipped"]
    assert OrgUnit.objects.get(parent=None).name == "Northwind Traders"  # the top unit
    organisation = Organisation.objects.get()
    assert organisation.set_up_by == first_admin
    # the fiscal year of a figure follows: a year that starts in April
    from koers.engine.periods import fiscal_year_start

    assert fiscal_year_start(dt.date(2027, 2, 1), setup.fiscal_start_month()) == dt.date(2026, 4, 1)


def test_the_organisations_language_is_everyones_default_until_they_choose(first_admin, client):
    client.post("/setup/", {**ANSWERS, "language": "nl"})
    client.cookies.pop("django_language", None)
    page = client.get("/data/imports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="nl">' in page
    client.cookies["django_language"] = "en"  # chosen with the language switch
    page = client.get("/data/imports/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert '<html lang="en">' in page


@pytest.mark.parametrize(
    "change, says",
    [
        ({"name": " "}, "This field is required"),
        ({"currency": "XYZ"}, "is not a currency code"),
        ({"statuses": []}, "This field is required"),
        ({"statuses": ["cancelled"]}, "Select a valid choice"),
        ({"fiscal_month": "13"}, "Select a valid choice"),
    ],
)
def test_a_wrong_answer_is_named_and_nothing_is_kept(first_admin, client, change, says):
    response = client.post("/setup/", {**ANSWERS, **change})
    assert response.status_code == 400 and says in response.content.decode()
    assert not Organisation.objects.exists()


def test_only_an_administrator_sets_up(cast, login):
    for who in ("dirk", "cora", "mia", "ruud"):
        client = login(cast.user(who))
        assert client.get("/setup/").status_code == 403
        assert client.post("/setup/", ANSWERS).status_code == 403
        client.get("/", follow=False)  # an installation with people is never stopped
    assert not Organisation.objects.exists()
    with pytest.raises(ValidationError, match="Only an administrator"):
        onboarding.set_up(
            name="X",
            currency="EUR",
            fiscal_month=1,
            language="nl",
            statuses=["invoiced"],
            by=cast.user("dirk"),
        )


def test_an_installation_with_data_is_not_stopped_and_keeps_its_currency(cast, login):
    admin = cast.user("ada")
    client = login(admin)
    assert client.get("/").status_code == 200  # people exist: no setup first
    response = client.post("/setup/", {**ANSWERS, "currency": "GBP"})
    assert response.status_code == 400
    assert "koers currency-switch --to GBP" in response.content.decode()
    response = client.post("/setup/", {**ANSWERS, "currency": "EUR"})
    assert response.status_code == 302 and setup.fiscal_start_month() == 4


def test_the_command_sets_up_and_shows(db):
    out = io.StringIO()
    call_command("setup", stdout=out)
    assert out.getvalue().startswith("Not set up yet")
    out = io.StringIO()
    call_command(
        "setup",
        name="Acme",
        currency="gbp",
        fiscal_year_start=7,
        language="nl",
        revenue_statuses="invoiced",
        stdout=out,
    )
    assert out.getvalue() == (
        "Acme: GBP, fiscal year from month 7, language nl, revenue: invoiced\n"
    )
    with pytest.raises(CommandError, match="not a currency code"):
        call_command("setup", currency="EURO", stdout=io.StringIO())
    assert setup.currency_setting() == "GBP"
