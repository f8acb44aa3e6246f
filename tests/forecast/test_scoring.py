"""The learned win probability in the app: features as of each deal's snapshot date (a
later stage change or closing is not seen), the OSKA score by hand, who may score, and the
pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from koers.forecast import oska, scoring
from koers.forecast.models import OskaScore
from koers.sales import models as sm

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def _deal(cast, *, won, created, closed, owner=None, stages=("suspect",)):
    owner = owner or cast.rik
    deal = sm.Opportunity.objects.create(
        name="d",
        account=cast.accounts["rik"],
        owner=owner,
        stage=cast.stages["customer" if won else "lost"],
        amount=Decimal("1000"),
        currency="EUR",
        created_on=created,
        expected_close_date=closed,
        closed_on=closed,
        source="sales",
    )
    for code, day in stages if isinstance(stages[0], tuple) else [(s, created) for s in stages]:
        sm.StageChange.objects.create(opportunity=deal, stage=cast.stages[code], changed_on=day)
    return deal


def test_features_see_only_what_was_known_at_the_snapshot(cast):
    # created 1 January, closed 1 May: the snapshot is 1 March. It reached hot prospect
    # on 1 April (after the snapshot): at the snapshot it was a suspect.
    deal = _deal(
        cast,
        won=True,
        created=dt.date(2026, 1, 1),
        closed=dt.date(2026, 5, 1),
        stages=(("suspect", dt.date(2026, 1, 1)), ("hot_prospect", dt.date(2026, 4, 1))),
    )
    # Rik's earlier record: one won deal closed in February (before), one in June (after)
    _deal(cast, won=True, created=dt.date(2026, 1, 1), closed=dt.date(2026, 2, 1))
    _deal(cast, won=False, created=dt.date(2026, 1, 1), closed=dt.date(2026, 6, 1))
    sm.Activity.objects.create(
        kind="visit", date=dt.date(2026, 2, 15), owner=cast.rik, account=cast.accounts["rik"]
    )
    sm.Activity.objects.create(
        kind="visit", date=dt.date(2026, 3, 15), owner=cast.rik, account=cast.accounts["rik"]
    )
    frame = scoring.training_frame()
    row = frame.filter(frame["id"] == deal.pk).row(0, named=True)
    assert row["stage_order"] == cast.stages["suspect"].order
    assert row["baseline"] == pytest.approx(0.10)
    assert row["owner_win_rate"] == pytest.approx((1 + 1) / (1 + 2))  # one closed before, won
    assert row["activities"] == 1.0  # 15 February, not 15 March
    assert row["age_days"] == (dt.date(2026, 3, 2) - dt.date(2026, 1, 1)).days


def test_oska_by_hand_and_who_scores(cast):
    from koers.forecast.models import OskaFactor

    OskaFactor.objects.all().delete()  # as a flushed database: the defaults come back
    deal = cast.opportunities["ruud"]
    scores = {"relationship": 3, "budget": 2, "decision_maker": 1, "competition": 0, "timing": 3}
    # weights 3, 3, 2, 2, 1: (9 + 6 + 2 + 0 + 3) / (11 × 3) = 60.6%
    made = oska.score(opportunity=deal, scores=scores, by=cast.user("ruud"))
    assert made.total == Decimal("60.6") and made.probability == Decimal("60.6")
    for who in ("rosa", "max", "cora"):
        with pytest.raises(PermissionDenied):
            oska.score(opportunity=deal, scores=scores, by=cast.user(who))
    oska.score(opportunity=deal, scores=scores, by=cast.user("mia"))
    with pytest.raises(ValidationError, match="Score every factor"):
        oska.score(opportunity=deal, scores={"relationship": 3}, by=cast.user("ruud"))
    with pytest.raises(ValidationError, match="0, 1, 2 or 3"):
        oska.score(opportunity=deal, scores={**scores, "timing": 4}, by=cast.user("ruud"))
    assert OskaScore.objects.filter(opportunity=deal).count() == 2


def test_the_mapping_is_learned_once_enough_scored_deals_closed(cast):
    for k in range(40):
        won = k % 2 == 0
        deal = _deal(cast, won=won, created=dt.date(2026, 1, 1), closed=dt.date(2026, 3, 1))
        OskaScore.objects.create(
            opportunity=deal,
            scored_on=dt.date(2026, 2, 1),
            scores={},
            total=Decimal(80 if won else 20),
            probability=Decimal(0),
        )
    assert oska.mapping() is not None
    assert oska.probability_of(Decimal(80)) > Decimal(70)
    assert oska.probability_of(Decimal(20)) < Decimal(30)


def test_the_pages(cast, login):
    for k in range(40):
        _deal(
            cast,
            won=k % 3 == 0,
            created=dt.date(2025, 1, 1) + dt.timedelta(days=k),
            closed=dt.date(2025, 6, 1) + dt.timedelta(days=k),
        )
    page = login(cast.user("mia")).get(reverse("forecast_win"), HTTP_ACCEPT_LANGUAGE="nl")
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="brier-model"' in text
    assert "Deal ruud" in text and "Deal rik" not in text  # her own team's deals only
    deal = cast.opportunities["ruud"]
    client = login(cast.user("ruud"))
    answer = client.post(
        reverse("forecast_oska", args=[deal.pk]),
        {
            "relationship": "3",
            "budget": "3",
            "decision_maker": "3",
            "competition": "3",
            "timing": "3",
        },
    )
    assert answer.status_code == 302
    assert OskaScore.objects.get(opportunity=deal).total == Decimal("100.0")
    assert login(cast.user("rosa")).get(reverse("forecast_oska", args=[deal.pk])).status_code == 404
