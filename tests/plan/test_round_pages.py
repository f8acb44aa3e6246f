"""The target round on the web, as each role clicks it: the director proposes and opens,
a salesperson submits a Dutch number and sees only their own and their team's total, the
manager agrees, the director approves; each step refused to the roles it is not for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from koers.measure.services import kpi_facts_refresh
from koers.plan.models import Target, TargetProposal, TargetRound


@pytest.fixture
def facts(cast):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    return cast


def _propose(client, cast):
    return client.post(
        reverse("plan_rounds"),
        {
            "year": 2027,
            "kpi": "revenue",
            "unit": cast.noord.pk,
            "total": "90.000,00",
            "method": "fte",
        },
        HTTP_ACCEPT_LANGUAGE="nl",
    )


def test_the_cycle_on_the_web_in_dutch(facts, login):
    director = login(facts.user("dirk"))
    answer = _propose(director, facts)
    assert answer.status_code == 302, answer.content.decode()[:500]
    target_round = TargetRound.objects.get()
    url = reverse("plan_round", args=[target_round.pk])
    # Noord: Ruud, Rosa and their manager Mia, one FTE each
    assert {p.top_down for p in target_round.proposals.all()} == {Decimal("30000.00")}
    director.post(url, {"action": "open"})

    ruud = login(facts.user("ruud"))
    page = ruud.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Rosa" not in page  # only my own number and my team's total
    assert 'data-testid="team-total"' in page
    answer = ruud.post(
        url,
        {"action": "submit", "value": "32.500,50", "note": "Twee nieuwe klanten"},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert answer.status_code == 302
    mine = TargetProposal.objects.get(round=target_round, person=facts.ruud)
    assert (mine.bottom_up, mine.substantiation) == (Decimal("32500.50"), "Twee nieuwe klanten")

    mia = login(facts.user("mia"))
    page = mia.get(url).content.decode()
    assert "Twee nieuwe klanten" in page and "Rosa" in page
    mia.post(url, {"action": "agree", "proposal": mine.pk, "agreed": "32000", "comment": ""})
    mine.refresh_from_db()
    assert mine.agreed == Decimal("32000")

    director = login(facts.user("dirk"))
    page = director.get(url).content.decode()
    assert 'data-testid="gaps"' in page
    director.post(url, {"action": "approve"})
    target_round.refresh_from_db()
    assert target_round.status == TargetRound.Status.APPROVED
    total = sum(t.value for t in Target.objects.filter(person=facts.ruud, month__year=2027))
    assert total == Decimal("32000.00")


@pytest.mark.parametrize("who", ["ruud", "mia", "cora"])
def test_only_planners_propose_open_and_approve(facts, login, who):
    client = login(facts.user(who))
    assert _propose(client, facts).status_code == 403
    assert not TargetRound.objects.exists()


def test_a_salesperson_cannot_approve_or_agree(facts, login):
    _propose(login(facts.user("dirk")), facts)
    target_round = TargetRound.objects.get()
    url = reverse("plan_round", args=[target_round.pk])
    login(facts.user("dirk")).post(url, {"action": "open"})
    ruud = login(facts.user("ruud"))
    assert ruud.post(url, {"action": "approve"}).status_code == 403
    rosa = TargetProposal.objects.get(round=target_round, person=facts.rosa)
    assert (
        ruud.post(url, {"action": "agree", "proposal": rosa.pk, "agreed": "1"}).status_code == 403
    )
    target_round.refresh_from_db()
    assert target_round.status == TargetRound.Status.OPEN
    rosa.refresh_from_db()
    assert rosa.agreed is None


def test_someone_outside_the_round_is_refused(facts, login):
    _propose(login(facts.user("dirk")), facts)
    url = reverse("plan_round", args=[TargetRound.objects.get().pk])
    assert login(facts.user("rik")).get(url).status_code == 403  # Zuid is not in it


def test_an_improbable_target_is_flagged_with_its_figures(facts, login):
    # Ruud's record: € 2,000 in the last twelve full months (January and March, the
    # season too); no open deal closes in the first quarter of 2027, whose January deals
    # should mostly be open by 23 November
    from koers.plan.services import round_open, round_propose
    from tests.conftest import sale

    sale(facts, facts.ruud, "SO-JANUARY", dt.date(2026, 1, 5), "1000.00")
    sale(facts, facts.ruud, "SO-MARCH", dt.date(2026, 3, 5), "1000.00")
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))

    target_round = round_propose(
        year=2027,
        kpi="revenue",
        unit=facts.noord,
        total=Decimal("90000"),
        method="fte",
        by=facts.user("dirk"),
    )
    round_open(target_round, by=facts.user("dirk"))
    page = (
        login(facts.user("mia")).get(reverse("plan_round", args=[target_round.pk])).content.decode()
    )
    flags = page.split(f'data-person="{facts.ruud.pk}"')[1].split("</tr>")[0]
    assert "needs 1400.0% growth on the last twelve months (€ 2,000)" in flags
    assert "open pipeline for the first quarter" in flags
    rosa = page.split(f'data-person="{facts.rosa.pk}"')[1].split("</tr>")[0]
    assert "nothing achieved on this KPI in the last twelve months" in rosa


def test_a_large_round_comes_page_by_page(facts, login, monkeypatch):
    from koers.plan import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    _propose(login(facts.user("dirk")), facts)
    url = reverse("plan_round", args=[TargetRound.objects.get().pk])
    client = login(facts.user("dirk"))
    first = client.get(url).content.decode()
    assert first.count("data-person=") == 2 and "Page 1 of 2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("data-person=") == 1


def test_a_salespersons_team_total_never_moves_with_a_colleagues_number(facts, login):
    """Ruud's view of his team must not rise by exactly Rosa's new number: it shows the
    top-down total, and the agreed total only once every number of the team is agreed."""
    import re

    from koers.plan.services import proposal_agree, proposal_submit

    director = login(facts.user("dirk"))
    _propose(director, facts)
    target_round = TargetRound.objects.get()
    url = reverse("plan_round", args=[target_round.pk])
    director.post(url, {"action": "open"})
    ruud = login(facts.user("ruud"))

    def team_line() -> str:
        page = ruud.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
        return re.search(r'data-testid="team-total">(.*?)</p>', page, re.S).group(1)

    before = team_line()
    rosa = TargetProposal.objects.get(round=target_round, person=facts.rosa)
    proposal_submit(rosa, value=Decimal("41234"), substantiation="", by=facts.user("rosa"))
    assert team_line() == before and "41.234" not in before
    for proposal in TargetProposal.objects.filter(round=target_round):
        proposal_agree(proposal, value=Decimal("30000"), comment="", by=facts.user("dirk"))
    assert "90.000" in team_line()  # all agreed: the agreed total


def test_a_manager_agrees_many_numbers_at_once_in_the_grid(facts, login):
    from tests.conftest import open_round

    target_round = open_round(facts)
    url = reverse("plan_round", args=[target_round.pk])
    client = login(facts.user("mia"))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert 'data-testid="agree-grid"' in page
    assert f'data-testid="agree-{facts.mia.pk}"' not in page  # never her own number
    ruud = target_round.proposals.get(person=facts.ruud)
    rosa = target_round.proposals.get(person=facts.rosa)
    # whole euros to type over, in Dutch notation without separators; the total of the
    # three numbers she sees (hers, Ruud's, Rosa's) as they stand under the column
    assert f'name="agreed_{ruud.pk}" inputmode="decimal" size="9" value="30000"' in page
    assert "€ 90.000" in page.split('data-testid="round-totals"')[1].split("</tr>")[0]
    answer = client.post(
        url,
        {
            "action": "agree_many",
            f"agreed_{ruud.pk}": "32.500",
            f"was_{ruud.pk}": "30000",
            f"agreed_{rosa.pk}": "30000",  # untouched: not agreed by looking at it
            f"was_{rosa.pk}": "30000",
        },
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert answer.status_code == 302
    ruud.refresh_from_db()
    rosa.refresh_from_db()
    assert (ruud.agreed, rosa.agreed) == (Decimal("32500"), None)
    # one row she may not agree (Rik, in Zuid): nothing of the grid is agreed
    rik = target_round.proposals.get(person=facts.rik)
    answer = client.post(
        url,
        {
            "action": "agree_many",
            f"agreed_{rosa.pk}": "31000",
            f"was_{rosa.pk}": "30000",
            f"agreed_{rik.pk}": "1",
            f"was_{rik.pk}": "30000",
        },
    )
    assert answer.status_code == 403
    rosa.refresh_from_db()
    assert rosa.agreed is None
    # one row's own Agree button agrees that row only, as typed
    client.post(url, {"action": "agree_many", "only": rosa.pk, f"agreed_{rosa.pk}": "30000"})
    rosa.refresh_from_db()
    assert rosa.agreed == Decimal("30000")
