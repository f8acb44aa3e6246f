"""Gamification from the KPI facts: points, badges and boards for a period, with each
person's choice to be shown by name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db.models import Sum

from koers.engine import game
from koers.measure.catalogue import definitions
from koers.reward.models import Badge, PointRule


def _fact_units(kpi: str) -> int:
    """The facts' units per unit of the KPI (cents per euro, thousandths per unit)."""
    known = definitions().get(kpi)
    return known.fact_units if known is not None else 1


def facts(people: list[int], start: dt.date, end: dt.date, kpis: set[str]) -> pl.DataFrame:
    from koers.measure.models import KpiFact

    rows = (
        KpiFact.objects.filter(kpi__in=kpis, person__in=people, month__gte=start, month__lte=end)
        .values("person", "month", "kpi")
        .annotate(v=Sum("numerator"))
        .order_by()
        .values_list("person", "month", "kpi", "v")
    )
    return pl.DataFrame(list(rows), schema=game.FACTS, orient="row")


@dataclass
class Scores:
    points: pl.DataFrame  # person_id, month, kpi, points
    badges: pl.DataFrame  # person_id, month, code
    board: pl.DataFrame  # person_id, points, rank, shown
    teams: pl.DataFrame  # unit_id, members, points, points_per_member, rank
    badge_names: dict[str, Badge] = field(default_factory=dict)


def kept_scores(start: dt.date, end: dt.date) -> Scores:
    """:func:`scores`, the same for every viewer (who read every seller's facts on each
    view): computed once until the facts or an audited record change (a point rule, a
    badge, who is shown by name)."""
    from koers.measure.memo import kept

    return kept("game_boards", (start, end), lambda: scores(start, end), translated=False)


def scores(start: dt.date, end: dt.date) -> Scores:
    """Points and badges of every active salesperson in ``start``..``end``, and the
    boards."""
    from koers.org.models import Person, Role

    sellers = list(
        Person.objects.active_on(end)
        .filter(role=Role.SALESPERSON)
        .values_list("pk", "unit_id", "show_on_leaderboard")
    )
    people = [p for p, _u, _s in sellers]
    rules = [r for r in PointRule.objects.filter(active=True)]
    badge_rules = list(Badge.objects.all())
    kpis = {r.kpi for r in rules} | {b.kpi for b in badge_rules}
    monthly = facts(people, start, end, kpis)
    rule_frame = pl.DataFrame(
        [(r.kpi, r.points, r.per * _fact_units(r.kpi)) for r in rules],
        schema=game.RULES,
        orient="row",
    )
    badge_frame = pl.DataFrame(
        [(b.code, b.kpi, b.threshold * _fact_units(b.kpi)) for b in badge_rules],
        schema=game.BADGES,
        orient="row",
    )
    points = game.points(monthly, rule_frame)
    roster = pl.DataFrame(
        sellers,
        schema={"person_id": pl.Int64, "unit_id": pl.Int64, "shown": pl.Boolean},
        orient="row",
    )
    return Scores(
        points=points,
        badges=game.badges(monthly, badge_frame),
        board=game.board(points, roster.select("person_id", "shown")),
        teams=game.team_board(points, roster.select("person_id", "unit_id")),
        badge_names={b.code: b for b in badge_rules},
    )


def board_rows(result: Scores, me: int | None, names: dict[int, str]) -> list[dict[str, Any]]:
    """The individual board as shown: a name only for who chose to be shown, and always
    for oneself."""
    return [
        {
            "rank": row["rank"],
            "points": row["points"],
            "me": row["person_id"] == me,
            "name": names.get(row["person_id"], "")
            if row["shown"] or row["person_id"] == me
            else None,
        }
        for row in result.board.iter_rows(named=True)
    ]
