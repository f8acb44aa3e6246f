"""Points, badges and boards with each person's choice to be named; reward choice carried
into the payout and the payroll file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.urls import reverse

from koers.measure.services import kpi_facts_refresh
from koers.reward.models import Badge, Payout, Plan, PointRule, RewardChoice
from koers.reward.services import run_advance, run_month
from koers.reward.services.payouts import payroll_csv

NOV = dt.date(2026, 11, 1)


def test_the_boards_show_names_only_of_who_chose_so(cast, login):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    PointRule.objects.create(kpi="visits", points=5, per=1)
    Badge.objects.create(
        code="first", name_en="First visit", name_nl="Eerste bezoek", kpi="visits", threshold=1
    )
    cast.rik.show_on_leaderboard = False
    cast.rik.save()
    ruud = login(cast.user("ruud"))
    body = ruud.get(reverse("reward_game"), {"period": "year"}).content.decode()
    assert 'data-testid="board"' in body and "First visit" in body
    assert "Ruud" in body and "Rik" not in body and "(name not shown)" in body
    # Ruud hides his name; he still sees himself, Rosa no longer sees him
    ruud.post(reverse("reward_game"), {})
    cast.ruud.refresh_from_db()
    assert not cast.ruud.show_on_leaderboard
    assert (
        "Ruud"
        not in login(cast.user("rosa"))
        .get(reverse("reward_game"), {"period": "year"})
        .content.decode()
    )
    assert 'class="me"' in ruud.get(reverse("reward_game"), {"period": "year"}).content.decode()


def test_a_reward_taken_as_training_leaves_cash_and_reaches_payroll(planned, login):
    plan = Plan.objects.get()
    plan.document = plan.document.replace(
        "    rule: marginal\n", "    rule: marginal\n    choice: true\n"
    )
    plan.save()
    rosa = login(planned.user("rosa"))
    assert "Commission" in rosa.get(reverse("reward_choices")).content.decode()
    rosa.post(reverse("reward_choices"), {"component": "commission", "choice": "training"})
    assert RewardChoice.objects.get().choice == "training"
    # a component without the choice is refused
    rosa.post(reverse("reward_choices"), {"component": "bonus", "choice": "days"})
    assert RewardChoice.objects.count() == 1
    run = run_month(NOV, by=None)
    payout = Payout.objects.get(run=run, person=planned.rosa)
    # € 50 commission becomes € 55 training budget; nothing in cash
    assert (payout.converted, payout.training_budget, payout.paid) == (50, 55, 0)
    text = payroll_csv(run_advance(run, by=None, expected=run.status, confirmed=True))
    rows = [
        r
        for r in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
        if r["person"] == str(planned.rosa)
    ]
    assert sum(Decimal(r["amount"]) for r in rows) == 0
    assert any("training budget 55.00" in r["component"] for r in rows)


def test_a_login_without_a_person_sees_no_board(cast, login):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    PointRule.objects.create(kpi="visits", points=5, per=1)
    response = login(cast.user("otto")).get(reverse("reward_game"), {"period": "year"})
    assert response.status_code == 404 and "Ruud" not in response.content.decode()


def test_the_boards_are_computed_once_until_the_facts_or_a_rule_change(cast, login, monkeypatch):
    """Every viewer sees the same boards: computed once, then read; a point rule edited
    (audited) or refreshed facts count at once."""
    from koers.core.services import record_save
    from koers.reward.services import game
    from koers.sales.models import Activity

    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    rule = PointRule.objects.create(kpi="visits", points=5, per=1)
    computed = []
    real = game.scores
    monkeypatch.setattr(game, "scores", lambda *a: computed.append(a) or real(*a))

    def ruuds_points(who: str) -> str:
        body = login(cast.user(who)).get(reverse("reward_game"), {"period": "year"})
        return body.content.decode()

    first = ruuds_points("ruud")
    ruuds_points("rosa")
    ruuds_points("mia")
    assert len(computed) == 1
    rule.points = 50
    record_save(obj=rule, by=cast.user("ada"))
    assert ruuds_points("ruud") != first and len(computed) == 2
    kpi_facts_refresh(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    ruuds_points("ruud")
    assert len(computed) == 2  # a refresh that changed no fact changes no board
    Activity.objects.create(
        kind="visit", date=dt.date(2026, 11, 4), owner=cast.ruud, account=cast.accounts["ruud"]
    )
    kpi_facts_refresh(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    ruuds_points("ruud")
    assert len(computed) == 3
