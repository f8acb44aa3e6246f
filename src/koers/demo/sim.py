"""The demo's history, simulated with vectorised numpy so that --scale 100 stays fast.

Causality is built in, so that leading indicators really lead: visits and meetings
produce quotes, each quote is an opportunity, won opportunities become order lines one
to three months later. Existing customers order every month (customer pyramid,
seasonality, growth), more when their account manager farms well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from koers.demo import cast
from koers.demo.org_frames import Org
from koers.engine.money import cents_to_text
from koers.engine.periods import add_months

MONTHS = 36
PYRAMID = np.array([0.02, 0.08, 0.20, 0.35, 0.35])  # top, large, medium, small, prospect
LINES_PER_MONTH = np.array([6.0, 3.0, 1.1, 0.35, 0.0])
LINE_VALUE = np.array([5200.0, 2300.0, 1200.0, 520.0, 400.0])
DISCOUNT = np.array([0.18, 0.12, 0.08, 0.03, 0.0])
SIZE_CLASS = np.array(["enterprise", "large", "medium", "small", "small"])
EXISTING_WEIGHT = {
    "hunter": 0.6,
    "farmer": 1.6,
    "mixed": 1.0,
    "top": 1.3,
    "struggling": 1.0,
    "newhire": 0.35,
}
PROSPECT_WEIGHT = {
    "hunter": 1.8,
    "farmer": 0.4,
    "mixed": 1.0,
    "top": 1.3,
    "struggling": 1.0,
    "newhire": 1.6,
}
NEW_BUSINESS_SHARE = {
    "hunter": 0.65,
    "farmer": 0.12,
    "mixed": 0.35,
    "top": 0.55,
    "struggling": 0.40,
    "newhire": 0.70,
}


def cents_text(cents: np.ndarray) -> pl.Series:
    """Integer cents as exact decimal text ("-12.05"), the form the database takes."""
    frame = pl.DataFrame({"c": cents.astype(np.int64)})
    return frame.select(cents_to_text(pl.col("c")).alias("t"))["t"]


def coded(prefix: str, ids: np.ndarray, width: int) -> pl.Series:
    """External ids such as ACC-000042, made column-wise."""
    frame = pl.DataFrame({"i": ids.astype(np.int64)})
    return frame.select((pl.lit(prefix) + pl.col("i").cast(pl.Utf8).str.zfill(width)).alias("x"))[
        "x"
    ]


@dataclass
class Calendar:
    today: np.datetime64
    starts: np.ndarray  # datetime64[D] month starts, oldest first
    available_days: np.ndarray  # days of each month up to and including today
    season: np.ndarray
    growth: np.ndarray

    @classmethod
    def ending(cls, today: dt.date) -> Calendar:
        firsts = [add_months(today, m - MONTHS + 1) for m in range(MONTHS)]
        starts = np.array(firsts, dtype="datetime64[D]")
        ends = np.array([add_months(f, 1) for f in firsts], dtype="datetime64[D]")
        t = np.datetime64(today, "D")
        available = (np.minimum(ends, t + 1) - starts).astype(np.int64)
        season = np.array([cast.SEASON[f.month - 1] for f in firsts])
        growth = (1 + cast.ANNUAL_GROWTH) ** ((np.arange(MONTHS) - MONTHS + 1) / 12)
        return cls(t, starts, available, season, growth)

    def random_day(self, rng: np.random.Generator, month: np.ndarray) -> np.ndarray:
        offset = np.floor(rng.random(month.size) * self.available_days[month]).astype(np.int64)
        return self.starts[month] + offset

    def month_of(self, day: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.starts, day, side="right") - 1


class Simulation:
    def __init__(
        self, org: Org, today: dt.date, scale: int, rng: np.random.Generator, products: pl.DataFrame
    ) -> None:
        self.org, self.scale, self.rng = org, scale, rng
        self.cal = Calendar.ending(today)
        self.profiles = [cast.PROFILES[p] for p in org.rep_profile]
        self.product_price = (products["list_price"].cast(pl.Float64).to_numpy() * 100).round()
        self.product_cost = (products["standard_cost"].cast(pl.Float64).to_numpy() * 100).round()
        self.group_shares = np.array([g[4] for g in cast.PRODUCT_GROUPS])
        self.group_shares /= self.group_shares.sum()
        self.frames: dict[str, pl.DataFrame] = {}
        start_months = self.cal.month_of(np.array(org.rep_start, dtype="datetime64[D]"))
        self.rep_start_month = np.clip(start_months, 0, None)
        self.rep_start_day = np.array(org.rep_start, dtype="datetime64[D]")

    # ---------------------------------------------------------------- accounts
    def accounts(self) -> None:
        rng, org = self.rng, self.org
        n = 4000 * self.scale
        team_size = np.bincount(org.rep_team, minlength=len(org.team_ids)).astype(float)
        team = rng.choice(len(org.team_ids), size=n, p=team_size / team_size.sum())
        klass = rng.choice(5, size=n, p=PYRAMID)
        owner_rep = np.empty(n, dtype=np.int64)
        for t in range(len(org.team_ids)):
            reps = np.flatnonzero(org.rep_team == t)
            for is_prospect, weights in ((False, EXISTING_WEIGHT), (True, PROSPECT_WEIGHT)):
                mask = (team == t) & ((klass == 4) == is_prospect)
                w = np.array([weights[org.rep_profile[r]] for r in reps])
                owner_rep[mask] = rng.choice(reps, size=int(mask.sum()), p=w / w.sum())
        start_m = np.where(rng.random(n) < 0.10, rng.integers(1, MONTHS - 1, n), 0)
        end_m = np.where(rng.random(n) < 0.06, rng.integers(3, MONTHS - 4, n), MONTHS)
        end_m = np.maximum(end_m, start_m + 2)
        self.acc_team, self.acc_class, self.acc_rep = team, klass, owner_rep
        self.acc_start_m, self.acc_end_m = start_m, end_m
        self.acc_id = np.arange(1, n + 1, dtype=np.int64)
        self._account_frame(n)
        self._account_index()

    def _account_frame(self, n: int) -> None:
        rng, org = self.rng, self.org
        stems = np.array(cast.COMPANY_STEMS)[rng.integers(len(cast.COMPANY_STEMS), size=n)]
        words = np.array(cast.COMPANY_WORDS)[rng.integers(len(cast.COMPANY_WORDS), size=n)]
        country = np.array(org.team_country)[self.acc_team]
        legal = np.where(country == "DE", "GmbH", np.where(country == "NL", "B.V.", "BV"))
        segments = np.array(cast.SEGMENTS)[rng.integers(len(cast.SEGMENTS), size=n)]
        industry = [
            cast.INDUSTRIES[s][int(k) % len(cast.INDUSTRIES[s])]
            for s, k in zip(segments, rng.integers(0, 12, n), strict=True)
        ]
        city = [
            cast.CITIES[c][int(k) % len(cast.CITIES[c])]
            for c, k in zip(country, rng.integers(0, 12, n), strict=True)
        ]
        names = _unique_names(stems, words, legal, city)
        center = np.array(org.team_center)[self.acc_team]
        lat = np.round(center[:, 0] + rng.normal(0, 0.35, n), 6)
        lon = np.round(center[:, 1] + rng.normal(0, 0.5, n), 6)
        history_start = self.cal.starts[0]
        created = np.where(
            self.acc_start_m > 0,
            self.cal.starts[self.acc_start_m],
            history_start - rng.integers(30, 3650, n).astype("timedelta64[D]"),
        )
        self.frames["sales_account"] = pl.DataFrame(
            {
                "id": self.acc_id,
                "external_id": coded("ACC-", self.acc_id, 6),
                "name": names,
                "segment": segments,
                "industry": industry,
                "size_class": SIZE_CLASS[self.acc_class],
                "lifecycle": "potential",
                "country": country,
                "city": city,
                "postcode": [f"{k:04d}" for k in rng.integers(1000, 9999, n)],
                "latitude": lat,
                "longitude": lon,
                "owner_id": self.org.rep_ids[self.acc_rep],
                "created_on": created.astype("datetime64[D]"),
            }
        )

    def _account_index(self) -> None:
        """Per salesperson, their existing customers and their prospects, for fast draws."""
        reps = len(self.org.rep_ids)
        self.pools = {}
        for name, mask in (
            ("existing", self.acc_class < 4),
            ("prospect", self.acc_class == 4),
            ("all", np.ones_like(self.acc_class, dtype=bool)),
        ):
            idx = np.flatnonzero(mask)
            order = idx[np.argsort(self.acc_rep[idx], kind="stable")]
            counts = np.bincount(self.acc_rep[order], minlength=reps)
            offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
            self.pools[name] = (order, counts, offsets)

    def draw_account(self, pool: str, rep: np.ndarray) -> np.ndarray:
        """A random account index from each rep's pool (-1 when the pool is empty)."""
        order, counts, offsets = self.pools[pool]
        c = counts[rep]
        pick = offsets[rep] + np.floor(self.rng.random(rep.size) * np.maximum(c, 1)).astype(
            np.int64
        )
        return np.where(c > 0, order[np.minimum(pick, max(order.size - 1, 0))], -1)


def _unique_names(stems, words, legal, cities) -> list[str]:  # type: ignore[no-untyped-def]
    """Account names as a wholesaler's customers are called, each once: a name that is
    taken gets its town ("Ardennen Engineering Namur BV"), then a number. No random draw,
    so the rest of the demo stays the same."""
    names: list[str] = []
    used: set[str] = set()
    for stem, word, form, town in zip(stems, words, legal, cities, strict=True):
        name = f"{stem} {word} {form}"
        if name in used:
            name = f"{stem} {word} {town} {form}"
        number = 2
        while name in used:
            name, number = f"{stem} {word} {town} {number} {form}", number + 1
        used.add(name)
        names.append(name)
    return names
