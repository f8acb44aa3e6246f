"""The sales-force size page: each team's FTE needed for its accounts against its FTE,
with Dutch parameters, and only the teams the viewer sees."""

from __future__ import annotations

import re

from django.urls import reverse

from koers.sales.models import Account


def _row(page: str, unit) -> list[str]:
    row = re.search(rf'data-unit="{unit.pk}">(.*?)</tr>', page, re.S).group(1)
    return re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)


def test_the_teams_need_by_hand(cast, login):
    # Noord: Ruud's and Rosa's accounts (no class: small, 2 visits × 1.5 h each) = 6 h;
    # make Ruud's large: 8 × 1.5 = 12 h; 12 + 3 = 15 h ÷ 880 = 0.0 FTE against 2.0
    Account.objects.filter(pk=cast.accounts["ruud"].pk).update(size_class="large")
    page = login(cast.user("dirk")).get(reverse("plan_sizing")).content.decode()
    assert _row(page, cast.noord)[:4] == ["2", "15", "0.0", "2.0"]
    # Dutch parameters: 2,5 hours a visit and 10 selling hours a year
    page = (
        login(cast.user("dirk"))
        .get(
            reverse("plan_sizing"),
            {"hours_per_visit": "2,5", "selling_hours": "10"},
            HTTP_ACCEPT_LANGUAGE="nl",
        )
        .content.decode()
    )
    # (8 + 2) visits × 2,5 h = 25 h ÷ 10 = 2,5 FTE
    assert _row(page, cast.noord)[:4] == ["2", "25", "2,5", "2,0"]


def test_a_manager_sees_only_her_team(cast, login):
    page = login(cast.user("mia")).get(reverse("plan_sizing")).content.decode()
    assert f'data-unit="{cast.noord.pk}"' in page
    assert f'data-unit="{cast.zuid.pk}"' not in page


def test_the_kept_table_follows_an_edit_and_a_new_account(cast, login):
    """The table is kept per scope and parameters; an account edited (audited) or added
    shows on the next view."""
    from koers.core.services import record_save
    from tests.factories import AccountFactory

    client = login(cast.user("dirk"))
    assert _row(client.get(reverse("plan_sizing")).content.decode(), cast.noord)[:2] == ["2", "6"]
    account = Account.objects.get(pk=cast.accounts["ruud"].pk)
    account.size_class = "large"
    record_save(obj=account, by=cast.user("ada"))
    assert _row(client.get(reverse("plan_sizing")).content.decode(), cast.noord)[:2] == ["2", "15"]
    AccountFactory(name="Nieuw", owner=cast.rosa)
    assert _row(client.get(reverse("plan_sizing")).content.decode(), cast.noord)[:2] == ["3", "18"]
