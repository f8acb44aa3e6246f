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


def test_the_grouped_pipeline_equals_weighing_each_deal(history):
    """Counted and summed per stage, segment and month in the database, each group then
    weighted: the same months, counts and sums as weighing every open deal one by one."""
    import random

    cast = history
    rng = random.Random(7)
    open_stages = [s for s in cast.stages.values() if s.kind == sm.Stage.Kind.OPEN]
    accounts = [cast.accounts["ruud"]] + [
        sm.Account.objects.create(name=f"Zorg {i}", segment="zorg", owner=cast.ruud)
        for i in range(2)
    ]
    for i in range(40):
        sm.Opportunity.objects.create(
            name=f"open {i}",
            created_on=TODAY - dt.timedelta(days=100),
            account=rng.choice(accounts),
            owner=rng.choice([cast.ruud, cast.rosa]),
            stage=rng.choice(open_stages),
            expected_close_date=TODAY + dt.timedelta(days=rng.randint(-90, 120)),
            amount=Decimal(rng.randint(0, 10**7)) / 100,
            reporting_amount=None if i % 13 == 0 else Decimal(rng.randint(0, 10**7)) / 100,
        )
    people = Person.objects.filter(pk__in=[cast.ruud.pk, cast.rosa.pk])
    model = pipeline.learned()
    expected: dict[dt.date, pipeline.Month] = {}
    for deal in sm.Opportunity.objects.filter(owner__in=people, stage__kind=sm.Stage.Kind.OPEN):
        amount = float(deal.reporting_amount or 0)
        overdue = deal.expected_close_date < TODAY
        month = dt.date(2026, 11, 1) if overdue else deal.expected_close_date.replace(day=1)
        entry = expected.setdefault(month, pipeline.Month(month))
        learned = pipeline.stage_probability.probability_of(
            model.table, deal.stage.process_id, deal.stage_id, deal.account.segment or None
        )
        probability = float(deal.stage.probability) / 100 if learned is None else learned
        if overdue:
            probability *= model.slip
            entry.overdue_count += 1
            entry.overdue_amount += amount
        entry.count += 1
        entry.amount += amount
        entry.configured += amount * float(deal.stage.probability) / 100
        entry.learned += amount * min(probability, 1.0)
    months = pipeline.weighted(people, TODAY, model)
    assert [m.month for m in months] == sorted(expected)
    for got in months:
        want = expected[got.month]
        assert (got.count, got.overdue_count) == (want.count, want.overdue_count)
        for name in ("amount", "configured", "learned", "overdue_amount"):
            assert getattr(got, name) == pytest.approx(getattr(want, name), rel=1e-12)


def test_the_deals_version_changes_with_every_deal_saved_or_deleted(cast):
    """Kept per version of the facts, the deals' version still changes when a deal is
    added, moves a stage, closes or is deleted through Koers (each is audited)."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.admin.sites import site
    from django.core.cache import cache
    from django.test import RequestFactory

    from koers.core.admin import AuditedAdmin
    from koers.forecast.pipeline import deals_version
    from koers.sales import models as sm
    from koers.sales.services import opportunity_save

    cache.clear()
    seen = [deals_version()]
    deal = opportunity_save(
        opportunity=sm.Opportunity(
            name="Nieuw",
            account=cast.accounts["ruud"],
            owner=cast.ruud,
            stage=cast.stages["suspect"],
            amount=Decimal("500"),
            currency="EUR",
            created_on=dt.date(2026, 11, 1),
            expected_close_date=dt.date(2026, 12, 1),
            source="sales",
        ),
        by=cast.user("ruud"),
    )
    seen.append(deals_version())
    deal.stage = cast.stages["hot_prospect"]
    opportunity_save(opportunity=deal, by=cast.user("ruud"))
    seen.append(deals_version())
    deal.stage, deal.closed_on = cast.stages["customer"], dt.date(2026, 11, 20)
    opportunity_save(opportunity=deal, by=cast.user("ruud"))
    seen.append(deals_version())
    request = RequestFactory().post("/")
    request.user = cast.user("ada")
    AuditedAdmin(sm.Opportunity, site).delete_model(request, deal)  # as the admin deletes
    seen.append(deals_version())
    AuditedAdmin(sm.Opportunity, site).delete_model(request, cast.opportunities["rosa"])
    seen.append(deals_version())  # an older deal gone: no newest id changes, the count does
    assert len(set(seen[:4] + seen[5:])) == 5
    assert seen[4] == seen[0]  # the deals are as they were before: so is their version
    assert deals_version() == seen[-1]  # nothing changed: the same
