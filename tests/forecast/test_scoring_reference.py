"""The win model's features, computed set-based (as-of joins over each history), equal the
obvious computation deal by deal (kept here as the reference) on random deals: stage
changes on the snapshot day, activities on its edges, OSKA scores given twice a day,
owners closing several deals on one day, deals closed the day they were made."""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

import numpy as np
import polars as pl
import pytest

from koers.core.bulk import ids_in
from koers.forecast import scoring
from koers.forecast.models import OskaScore
from koers.sales import models as sm

DAY0 = dt.date(2024, 1, 1)


def _reference_deals(open_deals: bool, ids: list[int] | None = None) -> list[tuple]:
    qs = sm.Opportunity.objects.all()
    if open_deals:
        qs = qs.filter(stage__kind=sm.Stage.Kind.OPEN)
    else:
        qs = qs.exclude(stage__kind=sm.Stage.Kind.OPEN).exclude(closed_on=None)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(
        qs.order_by("pk").values_list(
            "pk",
            "owner",
            "account",
            "stage",
            "stage__kind",
            "stage__probability",
            "stage__process",
            "reporting_amount",
            "amount",
            "created_on",
            "closed_on",
            "is_new_business",
            "source",
        )
    )


def _reference_frame(rows: list[tuple], today: dt.date | None) -> pl.DataFrame:
    """Each deal's features, one deal at a time (the implementation before the set-based
    one)."""
    stages = {s.pk: s for s in sm.Stage.objects.all()}
    first_open: dict[int, int] = {}
    open_probability: dict[tuple[int, int], float] = {}
    for s in stages.values():
        if s.kind == sm.Stage.Kind.OPEN:
            first_open[s.process_id] = min(first_open.get(s.process_id, s.order), s.order)
            open_probability[(s.process_id, s.order)] = float(s.probability) / 100
    ids = [r[0] for r in rows]
    history: dict[int, list[tuple[dt.date, int]]] = {}
    for opp, stage, day in sm.StageChange.objects.filter(opportunity__in=ids).values_list(
        "opportunity", "stage", "changed_on"
    ):
        if stages[stage].kind == sm.Stage.Kind.OPEN:
            history.setdefault(opp, []).append((day, stages[stage].order))
    record = {}
    closed = sm.Opportunity.objects.exclude(stage__kind=sm.Stage.Kind.OPEN).exclude(closed_on=None)
    by_owner: dict[int, list[tuple[dt.date, bool]]] = {}
    for owner, day, kind in closed.values_list("owner", "closed_on", "stage__kind"):
        by_owner.setdefault(owner, []).append((day, kind == sm.Stage.Kind.WON))
    for owner, items in by_owner.items():
        items.sort()
        record[owner] = (
            np.array([d.toordinal() for d, _w in items]),
            np.cumsum([w for _d, w in items]),
        )
    visits: dict[int, list[int]] = {}
    for account, day in sm.Activity.objects.filter(account__in={r[2] for r in rows}).values_list(
        "account", "date"
    ):
        visits.setdefault(account, []).append(day.toordinal())
    seen_by = {a: np.sort(np.array(v)) for a, v in visits.items()}
    oska: dict[int, list[tuple[dt.date, float]]] = {}
    for opp, day, score in OskaScore.objects.filter(opportunity__in=ids).values_list(
        "opportunity", "scored_on", "total"
    ):
        oska.setdefault(opp, []).append((day, float(score)))
    out = []
    for (
        pk,
        owner,
        account,
        stage,
        kind,
        _p,
        process,
        amount,
        raw,
        created,
        closed_on,
        new,
        source,
    ) in rows:
        snap = today if today is not None else created + (closed_on - created) / 2
        reached = [o for d, o in history.get(pk, []) if d <= snap]
        if today is not None and stages[stage].kind == sm.Stage.Kind.OPEN:
            order = stages[stage].order
        else:
            order = max(reached) if reached else first_open.get(process, 0)
        days, wins = record.get(owner, (np.array([]), np.array([])))
        before = int(np.searchsorted(days, snap.toordinal(), side="left")) if len(days) else 0
        won_before = int(wins[before - 1]) if before else 0
        seen = seen_by.get(account, np.array([]))
        recent = (
            int(
                np.searchsorted(seen, snap.toordinal(), side="right")
                - np.searchsorted(seen, snap.toordinal() - scoring.WINDOW, side="right")
            )
            if len(seen)
            else 0
        )
        scores = [s for d, s in sorted(oska.get(pk, [])) if d <= snap]
        out.append(
            {
                "id": pk,
                "won": kind == sm.Stage.Kind.WON,
                "closed_on": closed_on,
                "baseline": open_probability.get((process, order), 0.0),
                "stage_order": float(order),
                "log_amount": math.log1p(float(amount if amount is not None else raw or 0)),
                "age_days": float((snap - created).days),
                "new_business": float(bool(new)),
                "from_marketing": float(source == "marketing"),
                "owner_win_rate": (won_before + 1) / (before + 2),
                "activities": float(recent),
                "oska": scores[-1] if scores else 0.0,
            }
        )
    return pl.DataFrame(out)


def _random_deals(cast, seed: int) -> None:
    rng = random.Random(seed)
    people = [cast.ruud, cast.rosa, cast.rik]
    accounts = list(cast.accounts.values())
    codes = [code for code, stage in cast.stages.items() if stage.kind == "open"]
    ends = [code for code, stage in cast.stages.items() if stage.kind != "open"]
    for _k in range(120):
        created = DAY0 + dt.timedelta(days=rng.randrange(0, 600))
        state = rng.random()
        closed = created + dt.timedelta(days=rng.choice([0, 1, 2, 3, rng.randrange(4, 300)]))
        stage = rng.choice(codes) if state < 0.3 else rng.choice(ends)
        deal = sm.Opportunity.objects.create(
            name="r",
            account=rng.choice(accounts),
            owner=rng.choice(people),
            stage=cast.stages[stage],
            amount=Decimal(rng.choice(["0", "1", "999.99", "125000", "1000000000000"])),
            currency="EUR",
            created_on=created,
            expected_close_date=closed,
            closed_on=None if state < 0.3 else closed,
            source=rng.choice(["sales", "marketing", "partner"]),
            is_new_business=rng.random() < 0.5,
        )
        span = max((closed - created).days, 1)
        for _c in range(rng.randrange(0, 4)):
            day = created + dt.timedelta(days=rng.choice([0, span // 2, rng.randrange(span)]))
            sm.StageChange.objects.create(
                opportunity=deal, stage=cast.stages[rng.choice(codes + ends)], changed_on=day
            )
        for _s in range(rng.randrange(0, 3)):
            OskaScore.objects.create(
                opportunity=deal,
                scored_on=created + dt.timedelta(days=rng.choice([0, span // 2, span])),
                scores={},
                total=Decimal(rng.randrange(0, 1001)) / 10,
                probability=Decimal(0),
            )
    for _a in range(200):
        sm.Activity.objects.create(
            kind="visit",
            date=DAY0 + dt.timedelta(days=rng.randrange(0, 900)),
            owner=rng.choice(people),
            account=rng.choice(accounts),
        )


def _same(fast: pl.DataFrame, slow: pl.DataFrame) -> None:
    assert fast.columns == slow.columns
    assert fast.height == slow.height
    for column in fast.columns:
        assert fast[column].to_list() == slow[column].to_list(), column


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_features_equal_the_deal_by_deal_reference(cast, seed):
    _random_deals(cast, seed)
    columns = ["id", "won", "closed_on", "baseline", *scoring.FEATURES]
    _same(
        scoring.training_frame().select(columns),
        _reference_frame(_reference_deals(open_deals=False), today=None).select(columns),
    )
    today = dt.date(2026, 11, 20)
    ids = [r[0] for r in _reference_deals(open_deals=True)]
    deals = scoring._read_deals("1 = 1" + ids_in("o.id", ids)).sort("id")
    record = scoring._read_deals(scoring.CLOSED)
    _same(
        scoring._frame(deals, today, record).select(columns),
        _reference_frame(_reference_deals(open_deals=True), today=today).select(columns),
    )


def test_the_random_deals_reach_every_case(cast):
    _random_deals(cast, 1)
    frame = scoring.training_frame()
    assert frame.height > 60
    assert frame["activities"].max() > 0 and frame["oska"].max() > 0
    assert frame["owner_win_rate"].n_unique() > 10 and frame["stage_order"].n_unique() > 1
