"""The learned win probability of each open deal (``koers.engine.win_model``), trained on
the closed deals as they stood on their snapshot date, and its calibration.

A closed deal's snapshot date is halfway between its creation and its close: it was open
then, and every feature is computed from what was known on that day only (its stage then,
its age, its amount, whether it is new business and where it came from, its owner's win
rate on the deals they had closed before, the activities on its account in the 90 days
before, and its OSKA score where one was given before that day). An open deal is scored as
it stands today. The expected close date is left out: a closed deal's may have been moved
at its close, which would tell the model the outcome.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from koers.engine import win_model
from koers.forecast.pipeline import deals_version
from koers.sales.models import Activity, Opportunity, Stage, StageChange

CACHE_SECONDS = 3600
WINDOW = 90  # days of account activity counted before the snapshot

FEATURES = [
    "stage_order",
    "log_amount",
    "age_days",
    "new_business",
    "from_marketing",
    "owner_win_rate",
    "activities",
    "oska",
]


def feature_names() -> dict[str, Any]:
    return {
        "stage_order": _("stage reached"),
        "log_amount": _("deal size"),
        "age_days": _("age of the deal"),
        "new_business": _("new business"),
        "from_marketing": _("lead from marketing"),
        "owner_win_rate": _("owner's win rate so far"),
        "activities": _("activities on the account, last 90 days"),
        "oska": _("OSKA score"),
    }


@dataclass
class Scored:
    model: win_model.WinModel | None
    calibration: win_model.Calibration | None
    closed: int


def _deals(open_deals: bool, people: Any = None) -> list[tuple]:
    qs = Opportunity.objects.all()
    if open_deals:
        qs = qs.filter(stage__kind=Stage.Kind.OPEN)
        if people is not None:
            qs = qs.filter(owner__in=people.values("pk"))
    else:
        qs = qs.exclude(stage__kind=Stage.Kind.OPEN).exclude(closed_on=None)
    return list(
        qs.values_list(
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


def _frame(rows: list[tuple], today: dt.date | None) -> pl.DataFrame:
    """Features of each deal as of its snapshot date (``today`` for open deals)."""
    from koers.forecast.models import OskaScore

    if not rows:
        return pl.DataFrame(schema={f: pl.Float64 for f in FEATURES})
    stages = {s.pk: s for s in Stage.objects.all()}
    first_open: dict[int, int] = {}
    open_probability: dict[tuple[int, int], float] = {}
    for s in stages.values():
        if s.kind == Stage.Kind.OPEN:
            first_open[s.process_id] = min(first_open.get(s.process_id, s.order), s.order)
            open_probability[(s.process_id, s.order)] = float(s.probability) / 100
    ids = [r[0] for r in rows]
    history: dict[int, list[tuple[dt.date, int]]] = {}
    for opp, stage, day in StageChange.objects.filter(opportunity__in=ids).values_list(
        "opportunity", "stage", "changed_on"
    ):
        if stages[stage].kind == Stage.Kind.OPEN:
            history.setdefault(opp, []).append((day, stages[stage].order))
    # the owners' closed deals in time, to count their record before each snapshot
    record: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    closed = Opportunity.objects.exclude(stage__kind=Stage.Kind.OPEN).exclude(closed_on=None)
    by_owner: dict[int, list[tuple[dt.date, bool]]] = {}
    for owner, day, kind in closed.values_list("owner", "closed_on", "stage__kind"):
        by_owner.setdefault(owner, []).append((day, kind == Stage.Kind.WON))
    for owner, items in by_owner.items():
        items.sort()
        days = np.array([d.toordinal() for d, _w in items])
        wins = np.cumsum([w for _d, w in items])
        record[owner] = (days, wins)
    accounts = {r[2] for r in rows}
    visits: dict[int, np.ndarray] = {}
    for account, day in Activity.objects.filter(account__in=accounts).values_list(
        "account", "date"
    ):
        visits.setdefault(account, []).append(day.toordinal())  # type: ignore[arg-type]
    visits = {a: np.sort(np.array(v)) for a, v in visits.items()}
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
        _probability,
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
        if today is not None and stages[stage].kind == Stage.Kind.OPEN:
            order = stages[stage].order
        else:
            order = max(reached) if reached else first_open.get(process, 0)
        config = open_probability.get((process, order), 0.0)
        days, wins = record.get(owner, (np.array([]), np.array([])))
        before = int(np.searchsorted(days, snap.toordinal(), side="left")) if len(days) else 0
        won_before = int(wins[before - 1]) if before else 0
        seen = visits.get(account, np.array([]))
        recent = (
            int(
                np.searchsorted(seen, snap.toordinal(), side="right")
                - np.searchsorted(seen, snap.toordinal() - WINDOW, side="right")
            )
            if len(seen)
            else 0
        )
        scores = [s for d, s in sorted(oska.get(pk, [])) if d <= snap]
        out.append(
            {
                "id": pk,
                "won": kind == Stage.Kind.WON,
                "closed_on": closed_on,
                "baseline": config,
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


def trained_key(version: str | None = None) -> str:
    """Where the model trained on the deals as they are (``version``: ``deals_version()``,
    when the caller asked already) is kept."""
    return f"koers:winmodel:{version or deals_version()}"


def kept_model(version: str | None = None) -> Scored | None:
    """The trained model when it is kept already (None: it needs training, a job)."""
    return cache.get(trained_key(version))


def trained() -> Scored:
    """The model trained on every closed deal, and its calibration (trained on the
    earlier ones, tested on the latest quarter); kept until a deal changes."""
    key = trained_key()
    value = cache.get(key)
    if value is None:
        frame = _frame(_deals(open_deals=False), today=None)
        value = Scored(
            win_model.fit(frame, FEATURES) if frame.height else None,
            win_model.calibrate(frame, FEATURES) if frame.height else None,
            frame.height,
        )
        cache.set(key, value, CACHE_SECONDS)
    return value


def score_open(people: Any, today: dt.date, limit: int = 50) -> list[dict[str, Any]]:
    """The open deals of ``people`` (the largest ``limit``), each with its learned win
    probability, its stage's probability and the three factors that weigh most."""
    scored = trained()
    rows = sorted(_deals(open_deals=True, people=people), key=lambda r: -float(r[7] or r[8] or 0))[
        :limit
    ]
    if not rows:
        return []
    frame = _frame(rows, today=today)
    names = feature_names()
    deals = {
        o.pk: o
        for o in Opportunity.objects.filter(pk__in=[r[0] for r in rows]).select_related(
            "account", "owner", "stage"
        )
    }
    result = []
    if scored.model is not None:
        probability = scored.model.predict(frame)
        parts = scored.model.contributions(frame)
    for i, deal_id in enumerate(frame["id"].to_list()):
        entry: dict[str, Any] = {
            "deal": deals[deal_id],
            "stage_probability": float(deals[deal_id].stage.probability),
            "learned": None,
            "factors": [],
        }
        if scored.model is not None:
            entry["learned"] = float(probability[i]) * 100
            order = np.argsort(-np.abs(parts[i]))[:3]
            entry["factors"] = [
                {
                    "name": names[scored.model.features[j]],
                    "up": bool(parts[i][j] > 0),
                    "weight": float(parts[i][j]),
                }
                for j in order
                if abs(parts[i][j]) > 0.01
            ]
        result.append(entry)
    return result
