"""Territory design on the web: a director (or the unit's manager) designs, sees the
workloads before and after, applies from a date; effective-dated assignments and new
owners follow. Others may not."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from koers.sales.models import Account, TerritoryAccount, TerritoryPerson
from tests.factories import AccountFactory


@pytest.fixture
def crowded(cast):
    # Ruud has seven accounts, Rosa one: a deliberately unbalanced team
    for i in range(6):
        AccountFactory(name=f"Extra {i}", owner=cast.ruud)
    return cast


def test_the_manager_designs_and_applies_her_team(crowded, login):
    client = login(crowded.user("mia"))
    page = client.get(
        reverse("plan_territories"), {"unit": crowded.noord.pk, "seconds": 3}
    ).content.decode()
    before = int(re.search(r'imbalance-before">(\d+)%', page).group(1))
    after = int(re.search(r'imbalance-after">(\d+)%', page).group(1))
    assert after < before
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    answer = client.post(reverse("plan_territories"), {"key": key, "valid_from": "2026-12-01"})
    assert answer.status_code == 302
    owners = list(
        Account.objects.filter(owner__in=[crowded.ruud, crowded.rosa]).values_list(
            "owner", flat=True
        )
    )
    assert owners.count(crowded.ruud.pk) == owners.count(crowded.rosa.pk) == 4
    moved = TerritoryAccount.objects.filter(valid_from=dt.date(2026, 12, 1))
    assert moved.count() == 3
    assert TerritoryPerson.objects.filter(person=crowded.rosa).exists()


@pytest.mark.parametrize("who", ["ruud", "max"])
def test_others_may_not_design_the_team(crowded, login, who):
    client = login(crowded.user(who))
    answer = client.get(reverse("plan_territories"), {"unit": crowded.noord.pk, "seconds": 1})
    assert answer.status_code in (400, 403)
    assert Account.objects.filter(owner=crowded.ruud).count() == 7


def test_moving_an_account_marks_the_months_of_its_owners_answers_stale(crowded, login):
    from koers.measure.models import StaleMonth
    from koers.sales.models import NpsResponse

    extra = Account.objects.filter(owner=crowded.ruud, name__startswith="Extra")
    for account in extra:
        NpsResponse.objects.create(account=account, score=9, responded_on=dt.date(2026, 6, 3))
    client = login(crowded.user("dirk"))
    page = client.get(
        reverse("plan_territories"), {"unit": crowded.noord.pk, "seconds": 2}
    ).content.decode()
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    client.post(reverse("plan_territories"), {"key": key, "valid_from": "2026-12-01"})
    assert StaleMonth.objects.filter(month=dt.date(2026, 6, 1)).exists()


def test_a_design_is_never_back_dated_into_approved_or_paid_months(crowded, login):
    """October is paid and November approved: a design from 2024-01-01 (or 1 November)
    would move the credit of signed-off months. It is refused with the first open day, and
    nothing moves; from 1 December it applies."""
    from koers.reward.models import CalcRun

    CalcRun.objects.create(month=dt.date(2026, 10, 1), status=CalcRun.Status.LOCKED)
    CalcRun.objects.create(month=dt.date(2026, 11, 1), status=CalcRun.Status.APPROVED)
    client = login(crowded.user("mia"))
    page = client.get(
        reverse("plan_territories"), {"unit": crowded.noord.pk, "seconds": 3}
    ).content.decode()
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    for day in ["2024-01-01", "2026-11-01", "2026-11-30"]:
        answer = client.post(
            reverse("plan_territories"), {"key": key, "valid_from": day}, follow=True
        )
        assert "1 December 2026 or later" in answer.content.decode()
        assert not TerritoryAccount.objects.exists()
        assert Account.objects.filter(owner=crowded.ruud).count() == 7
    answer = client.post(reverse("plan_territories"), {"key": key, "valid_from": "2026-12-01"})
    assert answer.status_code == 302
    assert TerritoryAccount.objects.filter(valid_from=dt.date(2026, 12, 1)).count() == 3
