"""The weighted pipeline with learned stage probabilities: planted closed deals give the
probabilities by hand, per segment; an overdue deal counts in this month at the slip
factor; the page shows each role its own deals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from koers.forecast import pipeline
from koers.org.models import Person
from koers.sales import models as sm

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _today():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def _closed(cast, *, won: bool, furthest: str, segment: str = "", late: bool = False):
    account = cast.accounts["rik"]
    if segment:
        account = sm.Account.objects.create(
            name=f"{segment} {sm.Account.objects.count()}", segment=segment, owner=cast.rik
        )
    deal = sm.Opportunity.objects.create(
        name="closed",
        account=account,
        owner=cast.rik,
        stage=cast.stages["customer" if won else "lost"],
        amount=Decimal("1000"),
        currency="EUR",
        created_on=dt.date(2026, 1, 1),
        expected_close_date=dt.date(2026, 3, 1),
        closed_on=dt.date(2026, 4, 1) if late else dt.date(2026, 2, 1),
        source="sales",
    )
    order = ["suspect", "prospect", "hot_prospect"]
    for code in order[: order.index(furthest) + 1]:
        sm.StageChange.objects.create(
            opportunity=deal, stage=cast.stages[code], changed_on=dt.date(2026, 1, 2)
        )
    return deal


@pytest.fixture
def history(cast):
    """16 closed deals: 5 won on time, 10 lost after prospect (4 of them late) and one won
    late."""
    for _ in range(5):
        _closed(cast, won=True, furthest="hot_prospect")
    for k in range(10):
        _closed(cast, won=False, furthest="prospect", late=k < 4)
    _closed(cast, won=True, furthest="hot_prospect", late=True)
    return cast


def test_learned_by_hand(history):
    model = pipeline.learned()
    stages = history.stages
    table = model.table.filter(model.table["segment"].is_null())
    prospect = table.filter(table["stage_id"] == stages["prospect"].pk).row(0, named=True)
    hot = table.filter(table["stage_id"] == stages["hot_prospect"].pk).row(0, named=True)
    # 16 closed deals (the cast's own deals are open); 6 won; all reached prospect
    assert (prospect["reached"], prospect["won"]) == (16, 6)
    assert prospect["probability"] == pytest.approx((6 + 10 * 0.25) / (16 + 10))
    # hot prospect: the 6 won ones
    assert (hot["reached"], hot["won"]) == (6, 6)
    assert hot["probability"] == pytest.approx((6 + 10 * 0.60) / (6 + 10))
    # late: 5 closed late, 1 won; overall 6/16
    rate = 6 / 16
    assert (model.late, model.late_won) == (5, 1)
    assert model.slip == pytest.approx(((1 + 10 * rate) / (5 + 10)) / rate)


def test_a_segment_learns_apart(cast):
    for _ in range(6):
        _closed(cast, won=True, furthest="hot_prospect", segment="zorg")
    for _ in range(6):
        _closed(cast, won=False, furthest="prospect", segment="bouw")
    model = pipeline.learned()
    stage = cast.stages["prospect"].pk
    zorg = model.table.filter(
        (model.table["stage_id"] == stage) & (model.table["segment"] == "zorg")
    )
    process = model.table.filter(
        (model.table["stage_id"] == stage) & model.table["segment"].is_null()
    )
    base = (6 + 10 * 0.25) / (12 + 10)
    assert process["probability"].item() == pytest.approx(base)
    assert zorg["probability"].item() == pytest.approx((6 + 10 * base) / (6 + 10))


def test_the_weighted_pipeline_by_month_with_an_overdue_deal(history):
    cast = history
    ruud_deal = cast.opportunities["ruud"]  # prospect, € 10,000, 15 December
    ruud_deal.reporting_amount = Decimal("10000")
    ruud_deal.save()
    late = cast.opportunities["rosa"]
    late.expected_close_date = dt.date(2026, 10, 15)  # overdue
    late.reporting_amount = Decimal("10000")
    late.save()
    model = pipeline.learned()
    p = (6 + 10 * 0.25) / (16 + 10)
    months = pipeline.weighted(Person.objects.filter(pk__in=[cast.ruud.pk, cast.rosa.pk]), TODAY)
    assert [m.month for m in months] == [dt.date(2026, 11, 1), dt.date(2026, 12, 1)]
    november, december = months
    assert (november.overdue_count, november.count) == (1, 1)
    assert november.learned == pytest.approx(10000 * p * model.slip)
    assert november.configured == pytest.approx(2500)
    assert december.learned == pytest.approx(10000 * p)


@pytest.mark.parametrize("who", ["dirk", "mia", "ruud"])
def test_the_page(history, login, who):
    page = login(history.user(who)).get(reverse("forecast_pipeline"), HTTP_ACCEPT_LANGUAGE="nl")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="stage-probabilities"' in text
    assert ('name="unit"' in text) is (who != "ruud")
