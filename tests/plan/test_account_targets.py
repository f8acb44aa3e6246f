"""A person's year target divided over their accounts: by last year's purchases, by
potential, equally and by hand (Dutch amounts), exact per month and per account, written
only by a director or an administrator, and replacing what was there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from koers.measure.models import AccountMonthFact
from koers.org.models import AuditEvent
from koers.plan import account_targets
from koers.plan.models import Target
from tests.factories import AccountFactory

YEAR = 2027


@pytest.fixture
def ruud_plan(cast):
    """Ruud: € 1,000.01 a month in 2027 (€ 12,000.12), three accounts, of which the
    Pompen bought € 3,000 and the Kranen € 1,000 last year; the Buizen nothing."""
    pompen = cast.accounts["ruud"]
    kranen = AccountFactory(name="Kranen", owner=cast.ruud, potential=Decimal("5000"))
    buizen = AccountFactory(name="Buizen", owner=cast.ruud, potential=Decimal("15000"))
    for month in range(1, 13):
        Target.objects.create(
            kpi="revenue",
            person=cast.ruud,
            month=dt.date(YEAR, month, 1),
            value=Decimal("1000.01"),
        )
    for account, cents in [(pompen, 300_000), (kranen, 100_000)]:
        AccountMonthFact.objects.create(
            account=account, month=dt.date(YEAR - 1, 3, 1), revenue_cents=cents, margin_cents=0
        )
    return pompen, kranen, buizen


def _years(division):
    return {row.account.name: row.year for row in division.rows}


def _adds_up(division):
    for i, month in enumerate(division.person_months):
        assert sum(row.months[i] for row in division.rows) == month
    assert sum(row.year for row in division.rows) == division.total == Decimal("12000.12")


def test_share_of_last_year(cast, ruud_plan):
    division = account_targets.divide(cast.ruud, year=YEAR, kpi="revenue", method="history")
    # 3 : 1 : 0 of € 12,000.12 → € 9,000.09, € 3,000.03 and nothing
    assert _years(division) == {
        "Buizen": Decimal(0),
        "Kranen": Decimal("3000.03"),
        "Ruud's Pompen": Decimal("9000.09"),
    }
    _adds_up(division)


def test_share_of_potential_and_equally(cast, ruud_plan):
    pompen, _kranen, _buizen = ruud_plan
    pompen.potential = Decimal("0")
    pompen.save()
    division = account_targets.divide(cast.ruud, year=YEAR, kpi="revenue", method="potential")
    assert _years(division) == {
        "Buizen": Decimal("9000.09"),
        "Kranen": Decimal("3000.03"),
        "Ruud's Pompen": Decimal(0),
    }
    _adds_up(division)
    division = account_targets.divide(cast.ruud, year=YEAR, kpi="revenue", method="equal")
    assert sorted(_years(division).values()) == [
        Decimal("4000.04"),
        Decimal("4000.04"),
        Decimal("4000.04"),
    ]
    _adds_up(division)


def test_by_hand_must_add_up(cast, ruud_plan):
    pompen, kranen, buizen = ruud_plan
    typed = {pompen.pk: Decimal("6000"), kranen.pk: Decimal("6000.12"), buizen.pk: Decimal(0)}
    division = account_targets.divide(
        cast.ruud, year=YEAR, kpi="revenue", method="hand", hand=typed
    )
    assert _years(division)["Kranen"] == Decimal("6000.12")
    _adds_up(division)
    typed[buizen.pk] = Decimal("0.01")
    with pytest.raises(ValidationError, match="12000.13"):
        account_targets.divide(cast.ruud, year=YEAR, kpi="revenue", method="hand", hand=typed)


def test_what_cannot_be_divided_is_named(cast, ruud_plan):
    with pytest.raises(ValidationError, match="no revenue target for 2030"):
        account_targets.divide(cast.ruud, year=2030, kpi="revenue", method="equal")
    with pytest.raises(ValidationError, match="revenue or gross margin"):
        account_targets.divide(cast.ruud, year=YEAR, kpi="visits", method="equal")
    Target.objects.create(
        kpi="gross_margin", person=cast.ruud, month=dt.date(YEAR, 1, 1), value=Decimal(1)
    )
    with pytest.raises(ValidationError, match="another method"):
        account_targets.divide(cast.ruud, year=YEAR, kpi="gross_margin", method="history")


def test_writing_replaces_and_is_audited(cast, ruud_plan):
    division = account_targets.divide(cast.ruud, year=YEAR, kpi="revenue", method="history")
    written = account_targets.write(division, by=cast.user("dirk"))
    assert written == 24  # the Buizen have nothing to write
    division = account_targets.divide(cast.ruud, year=YEAR, kpi="revenue", method="equal")
    assert account_targets.write(division, by=cast.user("dirk")) == 36
    mine = Target.objects.filter(person=cast.ruud, account__isnull=False)
    assert mine.count() == 36
    assert sum(t.value for t in mine) == Decimal("12000.12")
    # the overall targets stand as they were, and the KPI pages still read only them
    assert Target.objects.overall().filter(person=cast.ruud, month__year=YEAR).count() == 12
    event = AuditEvent.objects.filter(model="org.person", object_id=str(cast.ruud.pk))
    event = event.order_by("pk").last()
    assert event.after == {
        f"account targets revenue {YEAR}": {
            "Buizen": "4000.04",
            "Kranen": "4000.04",
            "Ruud's Pompen": "4000.04",
        }
    }


@pytest.mark.parametrize("who", ["ruud", "mia", "cora", "rosa"])
def test_only_planners_write(cast, ruud_plan, who):
    division = account_targets.divide(cast.ruud, year=YEAR, kpi="revenue", method="equal")
    with pytest.raises(PermissionDenied):
        account_targets.write(division, by=cast.user(who))
    assert not Target.objects.filter(account__isnull=False).exists()


PAGE = {"year": YEAR, "kpi": "revenue", "method": "history"}


def test_the_page_previews_and_a_director_writes(cast, ruud_plan, login):
    client = login(cast.user("dirk"))
    query = {**PAGE, "person": cast.ruud.pk}
    page = client.get(reverse("plan_account_targets"), query, HTTP_ACCEPT_LANGUAGE="nl")
    text = page.content.decode()
    assert page.status_code == 200
    assert "9.000,09" in text and 'data-testid="write"' in text
    response = client.post(reverse("plan_account_targets"), query, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 302
    assert Target.objects.filter(person=cast.ruud, account__isnull=False).count() == 24


def test_the_page_by_hand_in_dutch(cast, ruud_plan, login):
    pompen, kranen, buizen = ruud_plan
    client = login(cast.user("dirk"))
    query = {**PAGE, "person": cast.ruud.pk, "method": "hand"}
    page = client.get(reverse("plan_account_targets"), query, HTTP_ACCEPT_LANGUAGE="nl")
    text = page.content.decode()
    # the inputs start from last year's shares, in Dutch
    assert f'name="hand_{pompen.pk}" value="9000,09"' in text
    assert 'data-testid="write"' not in text  # nothing typed yet: nothing to write
    typed = {
        f"hand_{pompen.pk}": "10.000,00",
        f"hand_{kranen.pk}": "2.000,12",
        f"hand_{buizen.pk}": "",
    }
    response = client.post(
        reverse("plan_account_targets"), {**query, **typed}, HTTP_ACCEPT_LANGUAGE="nl"
    )
    assert response.status_code == 302
    rows = Target.objects.filter(person=cast.ruud, account=kranen)
    assert sum(t.value for t in rows) == Decimal("2000.12")
    # typed amounts that do not add up: the table stays, with the amounts as typed
    typed[f"hand_{buizen.pk}"] = "1"
    page = client.post(
        reverse("plan_account_targets"), {**query, **typed}, HTTP_ACCEPT_LANGUAGE="nl"
    )
    assert page.status_code == 400
    assert 'value="10.000,00"' in page.content.decode()
    assert rows.count() == 12


@pytest.mark.parametrize("who", ["ruud", "mia"])
def test_sellers_and_managers_look_but_do_not_write(cast, ruud_plan, login, who):
    client = login(cast.user(who))
    query = {**PAGE, "person": cast.ruud.pk}
    page = client.get(reverse("plan_account_targets"), query)
    assert page.status_code == 200 and 'data-testid="write"' not in page.content.decode()
    assert client.post(reverse("plan_account_targets"), query).status_code == 403
    assert not Target.objects.filter(account__isnull=False).exists()


def test_a_peer_is_not_in_the_choice(cast, ruud_plan, login):
    page = login(cast.user("rosa")).get(
        reverse("plan_account_targets"), {**PAGE, "person": cast.ruud.pk}
    )
    assert page.status_code == 400  # Ruud is not a valid choice for Rosa
    assert "Pompen" not in page.content.decode()


API = "/api/v1/plan/account-targets"


def test_the_api_divides_and_writes(cast, ruud_plan, login):
    pompen, kranen, buizen = ruud_plan
    body = {"person_id": cast.ruud.pk, **PAGE, "dry_run": True}
    director = login(cast.user("dirk"))
    shown = director.post(API, body, content_type="application/json")
    assert shown.status_code == 200, shown.content
    assert shown.json()["written"] == 0
    assert {a["account"]: a["year"] for a in shown.json()["accounts"]}["Kranen"] == "3000.03"
    assert not Target.objects.filter(account__isnull=False).exists()
    hand = {str(pompen.pk): "12000.12", str(kranen.pk): "0", str(buizen.pk): "0"}
    body = {**body, "dry_run": False, "method": "hand", "hand": hand}
    written = director.post(API, body, content_type="application/json")
    assert written.status_code == 200 and written.json()["written"] == 12
    bad = director.post(
        API, {**body, "hand": {**hand, str(kranen.pk): "1"}}, content_type="application/json"
    )
    assert bad.status_code == 422 and "12001.12" in bad.content.decode()


@pytest.mark.parametrize("who", ["ruud", "mia", "cora"])
def test_the_api_writes_only_for_planners(cast, ruud_plan, login, who):
    body = {"person_id": cast.ruud.pk, **PAGE}
    answer = login(cast.user(who)).post(API, body, content_type="application/json")
    assert answer.status_code == 403
    dry = login(cast.user(who)).post(
        API, {**body, "dry_run": True}, content_type="application/json"
    )
    assert dry.status_code == 200
    assert (
        login(cast.user("rosa")).post(API, body, content_type="application/json").status_code == 404
    )
    assert not Target.objects.filter(account__isnull=False).exists()
