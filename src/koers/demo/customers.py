"""Opportunity and split tables, marketing campaigns and leads, NPS answers, territories."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from koers.demo import cast
from koers.demo.flows import NAT, days
from koers.demo.reference import HOT, LOST, PROSPECT, WON
from koers.demo.sim import MONTHS, Simulation, cents_text, coded
from koers.engine.periods import add_months

CHANNELS = ["Beurs", "E-mail", "Webinar", "LinkedIn", "Direct mail"]
KIND_OF_CHANNEL = {
    "Beurs": "trade_fair",
    "E-mail": "mailing",
    "Webinar": "webinar",
    "LinkedIn": "online",
    "Direct mail": "mailing",
}


def _expected_close(opp: dict, today: Any) -> np.ndarray:
    """The close date the owner expected: about a third of the closed deals slipped (they
    closed one to eight weeks later than expected, the lost ones more often) and a tenth of
    the open ones are overdue. Drawn from their own generator, so the rest of the demo is
    the same."""
    rng = np.random.default_rng(int(opp["id"].size) * 7919 + 17)
    n = opp["id"].size
    close = np.maximum(opp["close"], opp["created"])
    lost = opp["stage"] == LOST
    slipped = opp["closed"] & (rng.random(n) < np.where(lost, 0.45, 0.25))
    early = rng.integers(7, 57, n).astype("timedelta64[D]")
    expected = np.where(slipped, np.maximum(close - early, opp["created"]), close)
    overdue = ~opp["closed"] & (rng.random(n) < 0.10)
    past = np.datetime64(today) - rng.integers(3, 40, n).astype("timedelta64[D]")
    expected = np.where(overdue, np.maximum(past, opp["created"]), expected)
    return expected.astype("datetime64[D]")


def opportunity_frames(sim: Simulation, opp: dict, split_frame: pl.DataFrame, history) -> None:
    rng = sim.rng
    n = opp["id"].size
    accounts = sim.frames["sales_account"]
    # "group – account" joined by Polars: NumPy's fixed-width text took 1.2 GB at scale 100
    names = pl.concat_str(
        pl.Series([g[1] for g in cast.PRODUCT_GROUPS]).gather(opp["group"]),
        pl.lit(" – "),
        accounts["name"].gather(opp["account"]),
    )
    stage = opp["stage"]
    reason = np.where(
        stage == WON, rng.integers(5, 9, n), np.where(stage == LOST, rng.integers(1, 5, n), 0)
    )
    category = np.select(
        [stage == HOT, stage == PROSPECT, stage == WON],
        ["commit", "best_case", "commit"],
        "pipeline",
    )
    sim.frames["sales_opportunity"] = pl.DataFrame(
        {
            "id": opp["id"],
            "external_id": coded("OPP-", opp["id"], 8),
            "name": pl.select(names).to_series(),
            "account_id": sim.acc_id[opp["account"]],
            "owner_id": sim.org.rep_ids[opp["rep"]],
            "stage_id": stage.astype(np.int64),
            "product_group_id": opp["group"] + 1,
            "amount": cents_text(opp["amount"]),
            "currency": "EUR",
            "created_on": opp["created"].astype("datetime64[D]"),
            "expected_close_date": _expected_close(opp, sim.cal.today),
            "closed_on": np.where(opp["closed"], opp["close"], NAT).astype("datetime64[D]"),
            "close_reason_id": pl.Series(reason).replace(0, None),
            "source": np.where(opp["marketing"], "marketing", "sales"),
            "forecast_category": category,
            "is_new_business": sim.acc_class[opp["account"]] == 4,
        }
    )
    sim.frames["sales_stagechange"] = history.with_row_index("id", offset=1).with_columns(
        pl.col("id").cast(pl.Int64)
    )
    sim.frames["sales_opportunitysplit"] = (
        split_frame.select(
            "opportunity_id",
            "person_id",
            ((pl.col("bp") // 100).cast(pl.Utf8) + ".00").alias("percent"),
        )
        .with_row_index("id", offset=1)
        .with_columns(pl.col("id").cast(pl.Int64))
    )


def marketing(sim: Simulation, opp: dict) -> None:
    """Campaigns per country and quarter; every marketing-sourced opportunity comes from a
    converted lead, and many more leads did not convert."""
    rng, cal = sim.rng, sim.cal
    countries = [c[0] for c in cast.COUNTRIES]
    rows = []
    for ci, code in enumerate(countries):
        for quarter in range(MONTHS // 3):
            for k in range(2 * sim.scale):
                start = add_months(cal.today.astype(object), -MONTHS + 1 + quarter * 3 + (k % 3))
                channel = CHANNELS[(quarter + k + ci) % len(CHANNELS)]
                rows.append(
                    {
                        "country": ci,
                        "name": f"{channel} Q{start.month // 4 + 1} "
                        f"{start.year} {code}" + (f" #{k + 1}" if k else ""),
                        "channel": channel,
                        "start_date": start,
                        "end_date": start
                        + np.timedelta64(int(rng.integers(30, 61)), "D").astype(object),
                        "budget": int(rng.integers(20, 250)) * 10000,
                    }
                )
    camp = (
        pl.DataFrame(rows).with_row_index("id", offset=1).with_columns(pl.col("id").cast(pl.Int64))
    )
    # the details of marketing draw from a generator of their own, spawned from the demo's
    # (its seed decides them too; the draws of the rest of the demo stay as they were)
    extra = sim.rng.spawn(1)[0]
    fair = (camp["channel"] == "Beurs").to_numpy()
    n = camp.height
    stand = np.where(fair, extra.choice([9, 12, 18, 24, 36, 48, 72], n), np.nan)
    sim.frames["sales_campaign"] = camp.select(
        "id",
        coded("CMP-", camp["id"].to_numpy(), 5).alias("external_id"),
        "name",
        pl.col("channel").replace_strict(KIND_OF_CHANNEL).alias("kind"),
        "channel",
        pl.col("start_date").cast(pl.Date),
        pl.col("end_date").cast(pl.Date),
        pl.Series("budget", cents_text(camp["budget"].to_numpy())),
        pl.lit("EUR").alias("currency"),
        pl.Series("stand_m2", stand, dtype=pl.Float64).fill_nan(None),
        pl.Series("staff_days", np.ceil(stand / 6) * 3, dtype=pl.Float64).fill_nan(None),
        pl.Series(
            "visitors", np.nan_to_num(stand * extra.integers(8, 25, n)).astype(np.int64)
        ).replace(0, None),
        pl.Series("invitations", np.where(fair, extra.integers(200, 2000, n), 0)).replace(0, None),
    )
    sim.frames["sales_campaigncost"] = _campaign_costs(camp, extra)
    leads = _leads(sim, opp, camp, countries)
    sim.frames["sales_lead"], sim.frames["sales_leadtouch"] = _qualities_and_touches(
        leads, camp, extra, cal.today
    )


def _campaign_costs(camp: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Two or three cost lines per campaign adding up to 70–110% of its budget."""
    per = rng.integers(2, 4, camp.height)
    cid = np.repeat(camp["id"].to_numpy(), per)
    budget = np.repeat(camp["budget"].to_numpy(), per)
    share = rng.uniform(0.7, 1.1, cid.size) / np.repeat(per, per)
    start = np.repeat(camp["start_date"].cast(pl.Date).to_numpy().astype("datetime64[D]"), per)
    what = np.array(["Stand en inrichting", "Reis en verblijf", "Drukwerk", "Bureau", "Media"])
    return pl.DataFrame(
        {
            "campaign_id": cid,
            "date": (start + days(rng.integers(0, 30, cid.size))).astype("datetime64[D]"),
            "description": what[rng.integers(0, what.size, cid.size)],
            "amount": cents_text((budget * share).astype(np.int64)),
            "currency": "EUR",
        }
    ).with_columns(pl.col("date").cast(pl.Date))


def _qualities_and_touches(
    leads: pl.DataFrame, camp: pl.DataFrame, rng: np.random.Generator, today: Any
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each lead's quality (converted ones hot or warm, disqualified ones cold) and the day
    sales accepted it (a few days after it came in, when someone owns it); a third of the
    converted leads were reached by a second campaign of the organisation before they
    became an opportunity."""
    status = leads["status"].to_numpy()
    draw = rng.choice(["cold", "warm", "hot"], leads.height, p=[0.5, 0.35, 0.15])
    quality = np.where(
        status == "converted",
        rng.choice(["warm", "hot"], leads.height, p=[0.4, 0.6]),
        np.where(status == "disqualified", "cold", np.where(status == "new", "", draw)),
    )
    created = leads["created_on"].to_numpy().astype("datetime64[D]")
    accepted = np.minimum(created + days(rng.integers(0, 12, leads.height)), today)
    owned = leads["owner_id"].is_not_null().to_numpy()
    leads = leads.with_columns(
        pl.Series("quality", quality),
        pl.Series("accepted_on", np.where(owned, accepted, np.datetime64("NaT"))).cast(pl.Date),
    )
    converted = leads.filter(
        (pl.col("status") == "converted") & pl.col("campaign_id").is_not_null()
    )
    picked = converted.filter(pl.Series(rng.random(converted.height) < 1 / 3))
    starts = camp.sort("start_date")
    start_days = starts["start_date"].cast(pl.Date).to_numpy().astype("datetime64[D]")
    ids = starts["id"].to_numpy()
    made = picked["created_on"].to_numpy().astype("datetime64[D]")
    became = picked["converted_on"].to_numpy().astype("datetime64[D]")
    # one of the (at most 40) campaigns that started last before the lead converted
    began = np.searchsorted(start_days, became, side="right")
    low = np.maximum(began - 40, 0)
    index = low + (rng.random(picked.height) * (began - low)).astype(np.int64)
    index = np.minimum(index, np.maximum(began - 1, 0))
    first = np.maximum(start_days[index], made)
    keep = (began > 0) & (ids[index] != picked["campaign_id"].to_numpy()) & (first <= became)
    touches = pl.DataFrame(
        {
            "lead_id": picked["id"].to_numpy()[keep],
            "campaign_id": ids[index][keep],
            "date": first[keep],
        },
        schema={"lead_id": pl.Int64, "campaign_id": pl.Int64, "date": pl.Date},
    ).unique(["lead_id", "campaign_id", "date"], maintain_order=True)
    return leads, touches


def _campaign_for(camp: pl.DataFrame, country: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The latest campaign of the country that started on or before ``day`` (0 if none)."""
    out = np.zeros(day.size, np.int64)
    for ci in range(int(camp["country"].max()) + 1):
        sub = camp.filter(pl.col("country") == ci).sort("start_date")
        starts = sub["start_date"].cast(pl.Date).to_numpy().astype("datetime64[D]")
        mask = country == ci
        pos = np.searchsorted(starts, day[mask], side="right") - 1
        out[mask] = np.where(pos >= 0, sub["id"].to_numpy()[np.maximum(pos, 0)], 0)
    return out


def _leads(sim: Simulation, opp: dict, camp: pl.DataFrame, countries: list[str]) -> pl.DataFrame:
    rng, cal, org = sim.rng, sim.cal, sim.org
    country_index = {c: i for i, c in enumerate(countries)}
    rep_country = np.array([country_index[org.team_country[t]] for t in org.rep_team])
    m = opp["marketing"]
    created = opp["created"][m] - days(rng.integers(3, 21, int(m.sum())))
    converted = pl.DataFrame(
        {
            "campaign_id": _campaign_for(camp, rep_country[opp["rep"][m]], created),
            "account_id": sim.acc_id[opp["account"][m]],
            "company_name": sim.frames["sales_account"]["name"].to_numpy()[opp["account"][m]],
            "status": "converted",
            "created_on": created.astype("datetime64[D]"),
            "owner_id": org.rep_ids[opp["rep"][m]],
            "opportunity_id": opp["id"][m],
            "converted_on": opp["created"][m].astype("datetime64[D]"),
        }
    )
    per = rng.poisson(120 * np.ones(camp.height))
    cid = np.repeat(camp["id"].to_numpy(), per)
    cstart = np.repeat(camp["start_date"].cast(pl.Date).to_numpy().astype("datetime64[D]"), per)
    day = np.minimum(cstart + days(rng.integers(0, 46, cid.size)), cal.today)
    recent = day > cal.today - 60
    status = np.where(
        recent,
        rng.choice(
            ["new", "working", "qualified", "disqualified"], size=cid.size, p=[0.35, 0.4, 0.15, 0.1]
        ),
        rng.choice(["qualified", "disqualified"], size=cid.size, p=[0.25, 0.75]),
    )
    country = np.repeat(camp["country"].to_numpy(), per)
    reps_of = [np.flatnonzero(rep_country == c) for c in range(len(countries))]
    owner_rep = np.array(
        [
            reps_of[c][k % reps_of[c].size]
            for c, k in zip(country, rng.integers(0, 1 << 20, cid.size), strict=True)
        ]
    )
    stems = np.array(cast.COMPANY_STEMS)[rng.integers(len(cast.COMPANY_STEMS), size=cid.size)]
    open_leads = pl.DataFrame(
        {
            "campaign_id": cid,
            "account_id": None,
            "company_name": np.char.add(stems.astype(str), " Prospect"),
            "status": status,
            "created_on": day.astype("datetime64[D]"),
            "owner_id": pl.Series(np.where(status == "new", 0, org.rep_ids[owner_rep])).replace(
                0, None
            ),
            "opportunity_id": None,
            "converted_on": None,
        },
        schema_overrides={
            "account_id": pl.Int64,
            "opportunity_id": pl.Int64,
            "converted_on": pl.Date,
        },
    )
    leads = pl.concat(
        [
            converted.with_columns(
                pl.col("created_on").cast(pl.Date), pl.col("converted_on").cast(pl.Date)
            ),
            open_leads,
        ],
        how="vertical_relaxed",
    ).sort("created_on")
    first = np.array(cast.FIRST_NAMES)[rng.integers(len(cast.FIRST_NAMES), size=leads.height)]
    last = np.array(cast.LAST_NAMES)[rng.integers(len(cast.LAST_NAMES), size=leads.height)]
    leads = leads.with_row_index("id", offset=1).with_columns(
        pl.col("id").cast(pl.Int64),
        pl.col("campaign_id").replace(0, None),
        pl.Series(
            "contact_name", np.char.add(np.char.add(first.astype(str), " "), last.astype(str))
        ),
        pl.lit("").alias("email"),
        pl.lit("marketing").alias("source"),
    )
    return leads.with_columns(coded("LEAD-", leads["id"].to_numpy(), 8).alias("external_id"))


def nps(sim: Simulation) -> None:
    """Answers from existing customers; the account manager's care shows in the score."""
    rng, cal = sim.rng, sim.cal
    customers = np.flatnonzero(sim.acc_class < 4)
    k = sim.acc_class[customers]
    m = np.arange(MONTHS)
    alive = (m[None, :] >= sim.acc_start_m[customers, None]) & (
        m[None, :] < sim.acc_end_m[customers, None]
    )
    p = np.array([0.06, 0.04, 0.025, 0.015])[k][:, None] * alive
    row, month = np.nonzero(rng.random(p.shape) < p)
    account = customers[row]
    rep = sim.acc_rep[account]
    mean = (
        np.array([pr.nps_mean for pr in sim.profiles])[rep]
        + np.array([0.3, 0.2, 0, -0.3])[sim.acc_class[account]]
    )
    score = np.clip(np.round(rng.normal(mean, 1.9)), 0, 10).astype(np.int64)
    band = np.where(score <= 6, "low", np.where(score <= 8, "mid", "high"))
    comment = np.array(
        [
            cast.NPS_COMMENTS[b][int(x) % len(cast.NPS_COMMENTS[b])]
            for b, x in zip(band, rng.integers(0, 60, band.size), strict=True)
        ],
        dtype=object,
    )
    comment = np.where(rng.random(band.size) < 0.55, comment, "")
    date = cal.random_day(rng, month)
    person = np.where(date >= sim.rep_start_day[rep], sim.org.rep_ids[rep], 0)
    first = np.array(cast.FIRST_NAMES)[rng.integers(len(cast.FIRST_NAMES), size=band.size)]
    frame = (
        pl.DataFrame(
            {
                "account_id": sim.acc_id[account],
                "person_id": pl.Series(person).replace(0, None),
                "contact_name": first.astype(str),
                "score": score,
                "comment": comment.astype(str),
                "responded_on": date.astype("datetime64[D]"),
            }
        )
        .sort("responded_on")
        .with_row_index("id", offset=1)
    )
    sim.frames["sales_npsresponse"] = frame.with_columns(
        pl.col("id").cast(pl.Int64), coded("NPS-", frame["id"].to_numpy(), 7).alias("external_id")
    )


def territories(sim: Simulation) -> None:
    org = sim.org
    units = org.units
    team_rows = units.filter(pl.col("id").is_in(org.team_ids))
    sim.frames["sales_territory"] = team_rows.select(
        pl.col("id").cast(pl.Int64),
        ("T-" + pl.col("code")).alias("code"),
        ("Rayon " + pl.col("name")).alias("name"),
        pl.col("id").alias("unit_id"),
        pl.lit("").alias("description"),
    )
    team_to_territory = np.array(org.team_ids)
    accounts = sim.frames["sales_account"]
    sim.frames["sales_territoryaccount"] = pl.DataFrame(
        {
            "id": sim.acc_id,
            "territory_id": team_to_territory[sim.acc_team],
            "account_id": sim.acc_id,
            "valid_from": accounts["created_on"],
            "valid_to": None,
        },
        schema_overrides={"valid_to": pl.Date},
    )
    people = org.people.filter(pl.col("unit_id").is_in(org.team_ids))
    sim.frames["sales_territoryperson"] = people.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("id"),
        pl.col("unit_id").alias("territory_id"),
        pl.col("id").alias("person_id"),
        pl.col("start_date").alias("valid_from"),
        pl.lit(None, pl.Date).alias("valid_to"),
        pl.lit("primary").alias("kind"),
    )
