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
