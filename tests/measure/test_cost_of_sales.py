"""Cost of sales per salesperson: base salary for the months employed plus the pay of the
runs, against the gross margin brought; only the pay roles see it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from koers.measure.cost_of_sales import months_employed
from koers.measure.services import kpi_facts_refresh
from koers.org.models import Person
from tests.conftest import sale

URL = "/measure/cost-of-sales/"
FIRST, LAST = dt.date(2025, 11, 1), dt.date(2026, 10, 31)


def test_months_employed_count_any_day_of_a_month():
    person = Person(start_date=dt.date(2026, 3, 31), end_date=dt.date(2026, 6, 1))
    assert months_employed(person, FIRST, LAST) == 4  # March to June
    assert months_employed(Person(), FIRST, LAST) == 12


def test_a_salespersons_cost_against_the_margin_he_brought(cast, login):
    Person.objects.filter(pk=cast.ruud.pk).update(
        base_salary=Decimal("36000"), start_date=dt.date(2020, 1, 1), end_date=None
    )
    sale(cast, cast.ruud, "SO-C1", dt.date(2026, 6, 3), "100000", cost="70000")
    kpi_facts_refresh(start=FIRST, end=dt.date(2026, 11, 30))
    page = login(cast.user("dirk")).get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = re.search(rf'data-person="{cast.ruud.pk}">(.*?)</tr>', page, re.S).group(1)
    # € 36,000 salary, no variable pay, € 30,000 margin: 120% of it
    assert "€ 36,000.00" in row and "€ 30,000.00" in row
    assert re.search(r'data-testid="share">120\.0%<', row)
    assert login(cast.user("mia")).get(URL).status_code == 403  # pay of others
    assert login(cast.user("ruud")).get(URL).status_code == 403


def test_expenses_count_in_the_cost_of_sales_at_their_days_rate(cast, login):
    from koers.measure.models import Expense

    Person.objects.filter(pk=cast.ruud.pk).update(
        base_salary=Decimal("36000"), start_date=dt.date(2020, 1, 1), end_date=None
    )
    sale(cast, cast.ruud, "SO-C1", dt.date(2026, 6, 3), "100000", cost="70000")
    for day, amount, currency in (
        (dt.date(2026, 6, 30), "700.00", "EUR"),
        (dt.date(2026, 10, 31), "100.00", "EUR"),
        (dt.date(2025, 10, 31), "999.00", "EUR"),  # before the twelve months
    ):
        Expense.objects.create(
            person=cast.ruud, date=day, category="car", amount=amount, currency=currency
        )
    # $ 500 on 1 November 2026 at 0.92: outside the window (the last month is October)
    Expense.objects.create(person=cast.ruud, date=dt.date(2026, 11, 2), amount=500, currency="USD")
    # $ 200 in June, before any USD rate is known: left out and said
    Expense.objects.create(person=cast.ruud, date=dt.date(2026, 6, 2), amount=200, currency="USD")
    kpi_facts_refresh(start=FIRST, end=dt.date(2026, 11, 30))
    page = login(cast.user("cora")).get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = re.search(rf'data-person="{cast.ruud.pk}">(.*?)</tr>', page, re.S).group(1)
    # € 36,000 salary + € 800 expenses = € 36,800 against € 30,000 margin: 122.7%
    assert re.search(r'data-testid="expenses"><a [^>]*>€ 800\.00<', row)
    assert "€ 36,800.00" in row and re.search(r'data-testid="share">122\.7%<', row)
    assert "1 expense line has no exchange rate for its date and is left out." in page


def test_expenses_are_seen_like_pay_and_kept_by_the_pay_roles(cast, login, client, token):
    import json

    from koers.measure.models import Expense

    mine = Expense.objects.create(
        person=cast.ruud, date=dt.date(2026, 10, 1), category="travel", amount=80, currency="EUR"
    )
    from koers.org import visibility as vis

    seen = {
        who: set(vis.visible_expenses(cast.user(who)).values_list("pk", flat=True))
        for who in ("ruud", "rosa", "mia", "max", "dirk", "cora")
    }
    assert seen == {
        "ruud": {mine.pk},
        "rosa": set(),
        "mia": {mine.pk},
        "max": set(),
        "dirk": {mine.pk},
        "cora": {mine.pk},
    }
    payload = {
        "person_id": cast.ruud.pk,
        "date": "2026-10-02",
        "category": "meals",
        "amount": "45.00",
        "currency": "EUR",
    }
    for who, status in (("cora", 200), ("dirk", 403), ("ruud", 403), ("mia", 403)):
        response = client.post(
            "/api/v1/expenses",
            data=json.dumps(payload),
            content_type="application/json",
            **token(who),
        )
        assert response.status_code in ({status} | ({201} if status == 200 else set())), who
    # nobody keeps their own expenses, not even the pay roles
    own = {**payload, "person_id": cast.cora.pk}
    response = client.post(
        "/api/v1/expenses", data=json.dumps(own), content_type="application/json", **token("cora")
    )
    assert response.status_code == 403
    assert Expense.objects.filter(person=cast.cora).count() == 0
    assert Expense.objects.filter(category="meals").count() == 1
