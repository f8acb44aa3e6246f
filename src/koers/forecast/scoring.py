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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
from django.core.cache import cache
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from koers.core.bulk import ids_in, query_frame
from koers.engine import win_model
from koers.forecast.pipeline import deals_version
from koers.sales.models import Activity, Opportunity, Stage, StageChange

CACHE_SECONDS = 24 * 3600  # the key changes with the deals: kept until they do
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


DEAL_SCHEMA = {
    "id": pl.Int64,
    "owner": pl.Int64,
    "account": pl.Int64,
    "process": pl.Int64,
    "order_now": pl.Int64,
    "kind": pl.Utf8,
    "amount": pl.Float64,
    "created_on": pl.Date,
    "closed_on": pl.Date,
    "new_business": pl.Float64,
    "from_marketing": pl.Float64,
}
CLOSED = "s.kind <> 'open' AND o.closed_on IS NOT NULL"


def _read_deals(where: str) -> pl.DataFrame:
    """The deals that match ``where`` (SQL over ``o``, the deal, and ``s``, its stage;
    formatted by this module only), one row each with what their features need."""
    sql = f"""
        SELECT o.id, o.owner_id, o.account_id, s.process_id, s."order", s.kind,
               COALESCE(o.reporting_amount, o.amount, 0), o.created_on, o.closed_on,
               CASE WHEN o.is_new_business THEN 1.0 ELSE 0.0 END,
               CASE WHEN o.source = 'marketing' THEN 1.0 ELSE 0.0 END
        FROM {Opportunity._meta.db_table} o JOIN {Stage._meta.db_table} s ON s.id = o.stage_id
        WHERE {where}"""  # noqa: S608 - only this module's SQL and integers
    return query_frame(sql, DEAL_SCHEMA)


def _epoch_days(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Int64)


def _as_of(
    deals: pl.DataFrame, on: pl.Expr, history: pl.DataFrame, by: str, value: str
) -> pl.Series:
    """For each deal, ``value`` of ``history`` (rows of ``by``, ``day`` and ``value``) on
    its latest ``day`` on or before ``on`` (epoch days) for the deal's ``by``; null when
    none; in the deals' order."""
    left = deals.select(pl.int_range(pl.len()).alias("_row"), by, on.alias("_on"))
    matched = left.sort("_on").join_asof(
        history.select(by, "day", value).sort("day"),
        left_on="_on",
        right_on="day",
        by=by,
        strategy="backward",
        check_sortedness=False,
    )
    return matched.sort("_row")[value]


def _frame(deals: pl.DataFrame, today: dt.date | None, record: pl.DataFrame) -> pl.DataFrame:
    """Features of each deal as of its snapshot date (``today`` for open deals), computed
    set-based: each history (stage changes, the owners' closed deals in ``record``,
    activities on the accounts, OSKA scores) is cumulated per day and matched to the
    snapshot by an as-of join. In the deals' order."""
    if deals.is_empty():
        return pl.DataFrame(schema={f: pl.Float64 for f in FEATURES})
    from koers.forecast.models import OskaScore

    some = deals.height < 1000  # a few deals scored: read only their histories

    def only(column: str, values: pl.Series) -> str:
        return ids_in(column, values.to_list() if some else None)

    stages = pl.DataFrame(
        list(
            Stage.objects.filter(kind=Stage.Kind.OPEN).values_list(
                "process", "order", "probability"
            )
        ),
        schema={"process": pl.Int64, "order": pl.Int64, "probability": pl.Float64},
        orient="row",
    )
    first_open = stages.group_by("process").agg(pl.col("order").min().alias("first_open"))
    config = stages.group_by("process", "order").agg(
        (pl.col("probability").last() / 100).alias("baseline")
    )
    changes = (
        query_frame(
            f"""SELECT c.opportunity_id, c.changed_on, MAX(s."order")
            FROM {StageChange._meta.db_table} c JOIN {Stage._meta.db_table} s ON s.id = c.stage_id
            WHERE s.kind = 'open'{only("c.opportunity_id", deals["id"])}
            GROUP BY c.opportunity_id, c.changed_on""",  # noqa: S608
            {"deal": pl.Int64, "day": pl.Date, "reached": pl.Int64},
        )
        .with_columns(_epoch_days("day"))
        .sort("deal", "day")
        .with_columns(pl.col("reached").cum_max().over("deal"))
    )
    visits = (
        query_frame(
            f"""SELECT account_id, date, COUNT(*) FROM {Activity._meta.db_table}
            WHERE account_id IS NOT NULL{only("account_id", deals["account"].unique())}
            GROUP BY account_id, date""",  # noqa: S608
            {"account": pl.Int64, "day": pl.Date, "seen": pl.Int64},
        )
        .with_columns(_epoch_days("day"))
        .sort("account", "day")
        .with_columns(pl.col("seen").cum_sum().over("account"))
    )
    scores = query_frame(
        f"""SELECT opportunity_id, scored_on, MAX(total) FROM {OskaScore._meta.db_table}
            WHERE 1 = 1{only("opportunity_id", deals["id"])}
            GROUP BY opportunity_id, scored_on""",  # noqa: S608
        {"deal": pl.Int64, "day": pl.Date, "oska": pl.Float64},
    ).with_columns(_epoch_days("day"))
    closed = (
        record.group_by("owner", _epoch_days("closed_on").alias("day"))
        .agg(pl.len().alias("before"), (pl.col("kind") == Stage.Kind.WON).sum().alias("won_before"))
        .sort("owner", "day")
        .with_columns(pl.col("before", "won_before").cum_sum().over("owner"))
    )
    if today is not None:
        snap = pl.lit((today - dt.date(1970, 1, 1)).days, pl.Int64)
    else:  # halfway between creation and close, rounded down to the day
        snap = (
            _epoch_days("created_on") + (_epoch_days("closed_on") - _epoch_days("created_on")) // 2
        )
    frame = deals.with_columns(snap.alias("snap"), pl.col("id").alias("deal"))
    at = pl.col("snap")
    frame = frame.with_columns(
        _as_of(frame, at, changes, "deal", "reached"),
        _as_of(frame, at - 1, closed, "owner", "before"),  # closed before the day
        _as_of(frame, at - 1, closed, "owner", "won_before"),
        _as_of(frame, at, visits, "account", "seen").alias("seen_to"),
        _as_of(frame, at - WINDOW, visits, "account", "seen").alias("seen_from"),
        _as_of(frame, at, scores, "deal", "oska"),
    ).join(first_open, on="process", how="left", maintain_order="left")
    now_open = pl.col("kind") == Stage.Kind.OPEN
    order = pl.coalesce("reached", "first_open", pl.lit(0))
    if today is not None:  # an open deal scored today stands in its stage
        order = pl.when(now_open).then(pl.col("order_now")).otherwise(order)
    frame = frame.with_columns(order.alias("order")).join(
        config, on=["process", "order"], how="left", maintain_order="left"
    )
    before, won_before = pl.col("before").fill_null(0), pl.col("won_before").fill_null(0)
    return frame.select(
        "id",
        (pl.col("kind") == Stage.Kind.WON).alias("won"),
        "closed_on",
        pl.col("baseline").fill_null(0.0),
        pl.col("order").cast(pl.Float64).alias("stage_order"),
        pl.col("amount").log1p().alias("log_amount"),
        (at - _epoch_days("created_on")).cast(pl.Float64).alias("age_days"),
        "new_business",
        "from_marketing",
        ((won_before + 1) / (before + 2)).alias("owner_win_rate"),
        (pl.col("seen_to").fill_null(0) - pl.col("seen_from").fill_null(0))
        .cast(pl.Float64)
        .alias("activities"),
        pl.col("oska").fill_null(0.0),
    )


def training_frame() -> pl.DataFrame:
    """Every closed deal's features as of its snapshot date, by id."""
    deals = _read_deals(CLOSED).sort("id")
    return _frame(deals, None, record=deals)


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
        frame = training_frame()
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
    size = Coalesce("reporting_amount", "amount", Value(Decimal(0)))
    ranked = list(
        Opportunity.objects.filter(stage__kind=Stage.Kind.OPEN, owner__in=people.values("pk"))
        .order_by(size.desc(), "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ranked:
        return []
    deals = _read_deals("1 = 1" + ids_in("o.id", ranked))
    deals = pl.DataFrame({"id": ranked}).join(deals, on="id", maintain_order="left")
    record = _read_deals(CLOSED + ids_in("o.owner_id", deals["owner"].to_list()))
    frame = _frame(deals, today, record)
    names = feature_names()
    shown = {
        o.pk: o
        for o in Opportunity.objects.filter(pk__in=ranked).select_related(
            "account", "owner", "stage"
        )
    }
    result = []
    if scored.model is not None:
        probability = scored.model.predict(frame)
        parts = scored.model.contributions(frame)
    for i, deal_id in enumerate(frame["id"].to_list()):
        entry: dict[str, Any] = {
            "deal": shown[deal_id],
            "stage_probability": float(shown[deal_id].stage.probability),
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
