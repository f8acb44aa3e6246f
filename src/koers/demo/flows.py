"""The simulated flows: pipeline, orders, activities, marketing and NPS."""

from __future__ import annotations

import numpy as np
import polars as pl

from koers.demo import cast
from koers.demo.reference import HOT, LOST, PROSPECT, SUSPECT, WON
from koers.demo.sim import (
    DISCOUNT,
    LINE_VALUE,
    LINES_PER_MONTH,
    MONTHS,
    NEW_BUSINESS_SHARE,
    Simulation,
)

NAT = np.datetime64("NaT", "D")


def days(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype(np.int64).astype("timedelta64[D]")


def rep_param(sim: Simulation, attr: str) -> np.ndarray:
    return np.array([getattr(p, attr) for p in sim.profiles], dtype=float)


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows (i, month) repeated as often as ``counts[i, month]`` says."""
    cells = np.repeat(np.arange(counts.size), counts.ravel())
    return cells // counts.shape[1], cells % counts.shape[1]


def month_fraction(sim: Simulation) -> np.ndarray:
    """Share of each month that has happened (1 except for the current month)."""
    nexts = (sim.cal.starts.astype("datetime64[M]") + 1).astype("datetime64[D]")
    return sim.cal.available_days / (nexts - sim.cal.starts).astype(np.int64)


def rep_activity(sim: Simulation) -> dict[str, np.ndarray]:
    """Monthly activity counts per salesperson (reps x months), with new-hire ramp-up.
    Visits and meetings drive quotes: the root of the leading-indicator chain."""
    rng, cal = sim.rng, sim.cal
    m = np.arange(MONTHS)
    employed = m[None, :] >= sim.rep_start_month[:, None]
    since = m[None, :] - sim.rep_start_month[:, None]
    newhire = np.array([p == "newhire" for p in sim.org.rep_profile])[:, None]
    ramp = np.where(newhire, np.clip(0.25 + 0.2 * since, 0, 1), 1.0) * employed
    frac = month_fraction(sim)[None, :]
    visits = rng.poisson(rep_param(sim, "visits")[:, None] * cal.season[None, :] * ramp * frac)
    meetings = rng.poisson(visits * 0.2)
    hunter = np.array([p.focus == "hunter" for p in sim.profiles])[:, None]
    quotes = rng.binomial(visits + meetings, rep_param(sim, "quote_rate")[:, None])
    return {
        "visit": visits,
        "meeting": meetings,
        "quote": quotes + trained_quotes(sim, visits + meetings),
        "suspect": rng.poisson(visits * 0.25),
        "call": rng.poisson(visits * 1.5),
        "email": rng.poisson(visits * 0.7),
        "demo": rng.poisson(visits * 0.08),
        "lead": rng.poisson(ramp * frac * np.where(hunter, 1.8, 0.6)),
    }


def trained_quotes(sim: Simulation, contacts: np.ndarray) -> np.ndarray:
    """The extra quotes of the demo training's participants once it ended (drawn from a
    generator of its own, so the rest of the history stays as it was)."""
    after = np.arange(MONTHS) > MONTHS - 1 - cast.TRAINING_END_BACK
    trained = np.array(sim.org.rep_trained, dtype=bool)[:, None] & after[None, :]
    extra = np.random.default_rng(7).binomial(contacts, cast.TRAINING_EXTRA_QUOTE_RATE)
    return np.where(trained, extra, 0)


def pipeline(sim: Simulation, act: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Opportunities: one per quote, plus early suspects that were never quoted."""
    rng, cal = sim.rng, sim.cal
    q_rep, q_m = expand(act["quote"])
    s_rep, s_m = expand(act["suspect"])
    rep = np.concatenate([q_rep, s_rep])
    n = rep.size
    quoted = np.arange(n) < q_rep.size
    quote_day = np.concatenate([cal.random_day(rng, q_m), np.full(s_rep.size, NAT)])
    own_day = cal.random_day(rng, np.concatenate([q_m, s_m]))
    created = np.where(quoted, quote_day - days(rng.integers(1, 13, n)), own_day)
    created = np.maximum(created, sim.rep_start_day[rep])
    quote_day = np.where(quoted, np.maximum(quote_day, created), NAT)
    size = rep_param(sim, "deal_size")[rep] * rng.lognormal(-0.125, 0.5, n)
    amount = np.maximum(np.round(size / 10) * 1000, 50_000).astype(np.int64)  # cents, €10 steps
    won = quoted & (rng.random(n) < rep_param(sim, "win_rate")[rep])
    cycle = np.maximum(rng.gamma(3.0, rep_param(sim, "cycle_days")[rep] / 3.0), 5)
    close = np.where(quoted, quote_day + days(cycle), created + days(rng.integers(20, 76, n)))
    closed = close <= cal.today
    hot_day = np.where(quoted, quote_day + days(cycle * 0.5), NAT)
    stage = np.select(
        [closed & won, closed, quoted & (hot_day <= cal.today), quoted],
        [WON, LOST, HOT, PROSPECT],
        SUSPECT,
    )
    new_share = np.array([NEW_BUSINESS_SHARE[p] for p in sim.org.rep_profile])[rep]
    wants_new = rng.random(n) < new_share
    account = np.where(wants_new, sim.draw_account("prospect", rep), -1)
    account = np.where(account < 0, sim.draw_account("existing", rep), account)
    account = np.where(account < 0, sim.draw_account("all", rep), account)
    group = rng.choice(len(cast.PRODUCT_GROUPS), size=n, p=sim.group_shares)
    return {
        "id": np.arange(1, n + 1, dtype=np.int64),
        "rep": rep,
        "quoted": quoted,
        "quote_day": quote_day,
        "created": created,
        "amount": amount,
        "won": won,
        "close": close,
        "closed": closed,
        "hot_day": hot_day,
        "stage": stage,
        "account": account,
        "group": group,
        "marketing": rng.random(n) < 0.22,
    }


def splits(sim: Simulation, opp: dict[str, np.ndarray]) -> pl.DataFrame:
    """Every opportunity credits its owner; 7% of quoted ones share with a team mate."""
    rng = sim.rng
    n = opp["id"].size
    owner = sim.org.rep_ids[opp["rep"]]
    team = sim.org.rep_team[opp["rep"]]
    reps_by_team = np.argsort(sim.org.rep_team, kind="stable")
    team_count = np.bincount(sim.org.rep_team)
    team_off = np.concatenate([[0], np.cumsum(team_count)[:-1]])
    shared = opp["quoted"] & (rng.random(n) < 0.07) & (team_count[team] > 1)
    pick = team_off[team] + rng.integers(0, 1 << 30, n) % team_count[team]
    mate = reps_by_team[pick]
    mate = np.where(
        mate == opp["rep"],
        reps_by_team[team_off[team] + (pick - team_off[team] + 1) % team_count[team]],
        mate,
    )
    mate_share = np.where(rng.random(n) < 0.5, 5000, 3000)  # basis points: 50% or 30%
    owner_share = np.where(shared, 10000 - mate_share, 10000)
    frame = pl.DataFrame({"opportunity_id": opp["id"], "person_id": owner, "bp": owner_share})
    extra = pl.DataFrame(
        {
            "opportunity_id": opp["id"][shared],
            "person_id": sim.org.rep_ids[mate[shared]],
            "bp": mate_share[shared],
        }
    )
    return pl.concat([frame, extra]).sort("opportunity_id")


def stage_history(opp: dict[str, np.ndarray], today: np.datetime64) -> pl.DataFrame:
    parts = [(opp["id"], np.full(opp["id"].size, SUSPECT), opp["created"])]
    q = opp["quoted"] & (opp["quote_day"] <= today)
    parts.append((opp["id"][q], np.full(int(q.sum()), PROSPECT), opp["quote_day"][q]))
    h = opp["quoted"] & (opp["hot_day"] <= today) & (opp["hot_day"] < opp["close"])
    parts.append((opp["id"][h], np.full(int(h.sum()), HOT), opp["hot_day"][h]))
    c = opp["closed"]
    parts.append((opp["id"][c], np.where(opp["won"][c], WON, LOST), opp["close"][c]))
    frame = pl.DataFrame(
        {
            "opportunity_id": np.concatenate([p[0] for p in parts]),
            "stage_id": np.concatenate([p[1] for p in parts]).astype(np.int64),
            "changed_on": np.concatenate([p[2] for p in parts]).astype("datetime64[D]"),
        }
    )
    return frame.sort(["opportunity_id", "changed_on", "stage_id"])


def life_stories(
    sim: Simulation, group: np.ndarray, product: np.ndarray, month: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Not every product group follows the season: protective equipment was launched ten
    months ago (no repeat orders before), tools had a two-month supply break five months
    ago, and fasteners are bought on framework call-offs in about one month out of three
    (intermittent). Orders that a story takes away go to the other groups, so each
    customer's total stays as simulated. Drawn from their own generator: the rest of the
    demo is the same."""
    codes = [code for code, *_rest in cast.PRODUCT_GROUPS]
    launched, broken, intermittent = codes.index("PBM"), codes.index("GER"), codes.index("BEV")
    story = np.random.default_rng(20_261_123)
    call_off = story.random(MONTHS) < 0.35
    taken = (
        ((group == launched) & (month < MONTHS - 10))
        | ((group == broken) & (month >= MONTHS - 7) & (month < MONTHS - 5))
        | ((group == intermittent) & ~call_off[month])
    )
    others = np.array([g for g in range(len(codes)) if g not in (launched, intermittent)])
    weights = sim.group_shares[others] / sim.group_shares[others].sum()
    moved = others[story.choice(others.size, size=int(taken.sum()), p=weights)]
    moved = np.where(
        (moved == broken) & (month[taken] >= MONTHS - 7) & (month[taken] < MONTHS - 5),
        others[0],
        moved,
    )
    group = group.copy()
    group[taken] = moved
    return group, group * 15 + product % 15


def recurring_lines(sim: Simulation) -> dict[str, np.ndarray]:
    """Monthly orders of existing customers, by pyramid class, season, growth and farming."""
    rng, cal = sim.rng, sim.cal
    customers = np.flatnonzero(sim.acc_class < 4)
    klass = sim.acc_class[customers]
    m = np.arange(MONTHS)
    alive = (m[None, :] >= sim.acc_start_m[customers, None]) & (
        m[None, :] < sim.acc_end_m[customers, None]
    )
    care = rep_param(sim, "care")[sim.acc_rep[customers]]
    lam = (
        LINES_PER_MONTH[klass][:, None]
        * (cal.season * cal.growth * month_fraction(sim))[None, :]
        * care[:, None]
        * alive
    )
    row, month = expand(rng.poisson(lam))
    account = customers[row]
    n = account.size
    group = rng.choice(len(cast.PRODUCT_GROUPS), size=n, p=sim.group_shares)
    product = group * 15 + rng.integers(0, 15, n)
    group, product = life_stories(sim, group, product, month)
    k = sim.acc_class[account]
    price = sim.product_price[product]
    qty = np.maximum(1, np.round(LINE_VALUE[k] * 100 * rng.lognormal(0, 0.6, n) / price))
    return {
        "account": account,
        "product": product,
        "date": cal.random_day(rng, month),
        "qty": qty,
        "amount": np.round(price * qty * (1 - DISCOUNT[k])).astype(np.int64),
        "cost": np.round(sim.product_cost[product] * qty).astype(np.int64),
        "opportunity": np.zeros(n, np.int64),
    }


def deal_lines(sim: Simulation, opp: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Won deals delivered as one to three order lines in the days after closing."""
    rng, cal = sim.rng, sim.cal
    won = np.flatnonzero(opp["stage"] == WON)
    per = 1 + rng.binomial(2, 0.4, won.size)
    deal = np.repeat(won, per)
    first = np.concatenate([[True], deal[1:] != deal[:-1]])
    weight = rng.uniform(0.5, 1.5, deal.size)
    starts = np.flatnonzero(first)
    share = weight / np.repeat(np.add.reduceat(weight, starts), per)
    amount = np.floor(opp["amount"][deal] * share).astype(np.int64)
    remainder = opp["amount"][won] - np.add.reduceat(amount, starts)
    amount[starts] += remainder  # the lines add up to the deal to the cent
    product = opp["group"][deal] * 15 + rng.integers(0, 15, deal.size)
    price = sim.product_price[product]
    date = np.minimum(opp["close"][deal] + days(rng.integers(0, 9, deal.size)), cal.today)
    return {
        "account": opp["account"][deal],
        "product": product,
        "date": date,
        "qty": np.maximum(1, np.round(amount / price)),
        "amount": amount,
        "cost": np.round(amount * sim.product_cost[product] / price).astype(np.int64),
        "opportunity": opp["id"][deal],
    }
