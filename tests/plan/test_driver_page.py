"""The driver model page: the scope each role gets, the targets it works back from, Dutch
levers, and an answer fast enough to move a lever and see."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from koers.measure.services import kpi_facts_refresh
from koers.plan.models import Target


@pytest.fixture
def planned(cast):
    for month in range(1, 13):
        day = dt.date(2027 if month < 11 else 2026, month, 1)
        Target.objects.create(kpi="revenue", person=cast.ruud, month=day, value=Decimal("10000"))
    kpi_facts_refresh(start=dt.date(2025, 11, 1), end=dt.date(2026, 11, 30))
    return cast


def _target(page: str) -> str:
    return re.search(r'data-testid="model-target">([^<]+)<', page).group(1)


def test_a_salesperson_models_their_own_targets(planned, login):
    page = login(planned.user("ruud")).get(reverse("plan_drivers")).content.decode()
    assert _target(page) == "€ 120,000"
    assert 'data-testid="driver-table"' in page


def test_levers_in_dutch_recompute(planned, login):
    client = login(planned.user("ruud"))
    base = client.get(reverse("plan_drivers"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    better = client.get(
        reverse("plan_drivers"),
        {"win_rate_points": "5,5", "deal_size_pct": "10", "extra_fte": "0,5"},
        HTTP_ACCEPT_LANGUAGE="nl",
    ).content.decode()
    assert "error" not in re.search(r'data-testid="levers".*?</form>', better, re.S).group(0)

    def decided(page: str) -> int:
        row = re.search(r'<tr class="total">(.*?)</tr>', page, re.S).group(1)
        return int(re.findall(r'<td class="num">([^<]+)</td>', row)[3].replace(".", ""))

    assert decided(better) < decided(base)


def test_a_manager_models_her_team_and_not_another_unit(planned, login):
    client = login(planned.user("mia"))
    page = client.get(reverse("plan_drivers")).content.decode()
    assert "Team Noord" in page
    other = client.get(reverse("plan_drivers"), {"unit": planned.zuid.pk}).content.decode()
    assert "Driver model · Team Noord" in other  # not hers: the choice is refused


def test_the_director_adopts_the_activity_needs_as_targets(planned, login):
    from koers.plan.models import Target

    client = login(planned.user("dirk"))
    page = client.get(reverse("plan_drivers"), {"unit": planned.noord.pk}).content.decode()
    assert 'data-testid="adopt"' in page
    answer = client.post(reverse("plan_drivers"), {"unit": planned.noord.pk})
    assert answer.status_code == 302
    visits = Target.objects.filter(kpi="visits", month__gte=dt.date(2026, 11, 1))
    assert {t.person_id for t in visits} == {planned.ruud.pk, planned.rosa.pk}
    row = re.search(r'<tr class="total">(.*?)</tr>', page, re.S).group(1)
    total_visits = int(re.findall(r'<td class="num">([^<]+)</td>', row)[7].replace(",", ""))
    assert sum(t.value for t in visits) == total_visits  # divided exactly, whole visits


@pytest.mark.parametrize("who", ["mia", "ruud"])
def test_only_a_planner_adopts(planned, login, who):
    from koers.plan.models import Target

    client = login(planned.user(who))
    assert 'data-testid="adopt"' not in client.get(reverse("plan_drivers")).content.decode()
    answer = client.post(reverse("plan_drivers"), {"unit": planned.noord.pk})
    assert answer.status_code in (302, 403)
    assert not Target.objects.filter(kpi="visits").exists()
