"""Turns the simulated flows into table frames with ids, dates and exact money."""

from __future__ import annotations

import numpy as np
import polars as pl

from koers.demo import cast
from koers.demo.flows import NAT, days, expand
from koers.demo.sim import Simulation, cents_text, coded

DSO = {code: dso for code, _n, _iso, dso in cast.COUNTRIES}
KINDS = {0: "sale", 1: "return", 2: "cancellation"}


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def order_lines(sim: Simulation, lines: dict[str, np.ndarray], split_frame: pl.DataFrame) -> None:
    """Order lines with invoice and payment dates, returns and cancellations that reference
    their original, and credit holders (account owner, or the deal's splits)."""
    rng, cal, org = sim.rng, sim.cal, sim.org
    order = np.argsort(lines["date"], kind="stable")
    lines = {k: v[order] for k, v in lines.items()}
    n = lines["date"].size
    ids = np.arange(1, n + 1, dtype=np.int64)
    corrections = _corrections(sim, lines, ids)
    all_lines = _concat(
        [
            {**lines, "id": ids, "original": np.zeros(n, np.int64), "kind": np.zeros(n, np.int8)},
            corrections,
        ]
    )
    total = all_lines["id"].size
    team_dso = np.array([DSO[country] for country in org.team_country], dtype=float)
    dso = team_dso[sim.acc_team[all_lines["account"]]]
    invoice = all_lines["date"] + days(rng.integers(0, 5, total))
    paid = invoice + days(np.maximum(0, rng.normal(dso, 12)))
    invoice_ok = invoice <= cal.today
    paid = np.where(invoice_ok & (paid <= cal.today), paid, NAT)
    frame = pl.DataFrame(
        {
            "id": all_lines["id"],
            "opportunity_id": all_lines["opportunity"],
            "kind": pl.Series(all_lines["kind"]).replace_strict(KINDS, return_dtype=pl.Utf8),
            "order_date": all_lines["date"].astype("datetime64[D]"),
            "account_id": sim.acc_id[all_lines["account"]],
            "product_id": all_lines["product"] + 1,
            "quantity": pl.Series(all_lines["qty"]).cast(pl.Int64).cast(pl.Utf8),
            "amount": cents_text(all_lines["amount"]),
            "cost": cents_text(all_lines["cost"]),
            "invoice_date": np.where(invoice_ok, invoice, NAT).astype("datetime64[D]"),
            "paid_date": paid.astype("datetime64[D]"),
            "original_id": pl.Series(all_lines["original"]).replace(0, None),
        }
    )
    deal = pl.col("opportunity_id") > 0
    sim.frames["sales_orderline"] = frame.with_columns(
        coded("OL-", all_lines["id"], 9).alias("external_id"),
        pl.when(deal)
        .then("SO-D" + pl.col("opportunity_id").cast(pl.Utf8))
        .otherwise("SO-" + pl.col("id").cast(pl.Utf8))
        .alias("order_number"),
        pl.when(deal).then(pl.col("opportunity_id")).alias("opportunity_id"),
        pl.lit("EUR").alias("currency"),
        # invoiced once invoiced, ordered before: both count as revenue
        pl.when(pl.col("invoice_date").is_not_null())
        .then(pl.lit("invoiced"))
        .otherwise(pl.lit("ordered"))
        .alias("status"),
    )
    sim.frames["sales_orderlinecredit"] = _credits(sim, all_lines, split_frame)
    sim.sale_lines = lines


def _corrections(sim: Simulation, lines: dict[str, np.ndarray], ids: np.ndarray) -> dict:
    rng, cal = sim.rng, sim.cal
    n = ids.size
    draw = rng.random(n)
    is_return, is_cancel = draw < 0.012, (draw >= 0.012) & (draw < 0.015)
    delay = np.where(is_return, rng.integers(3, 41, n), rng.integers(0, 6, n))
    date = lines["date"] + days(delay)
    keep = (is_return | is_cancel) & (date <= cal.today)
    fraction = np.where(is_cancel | (rng.random(n) < 0.6), 1.0, 0.5)[keep]
    count = int(keep.sum())
    return {
        "account": lines["account"][keep],
        "product": lines["product"][keep],
        "date": date[keep],
        "qty": -np.maximum(1, np.round(lines["qty"][keep] * fraction)),
        "amount": -np.round(lines["amount"][keep] * fraction).astype(np.int64),
        "cost": -np.round(lines["cost"][keep] * fraction).astype(np.int64),
        "opportunity": lines["opportunity"][keep],
        "id": np.arange(n + 1, n + 1 + count, dtype=np.int64),
        "original": ids[keep],
        "kind": np.where(is_return[keep], 1, 2).astype(np.int8),
    }


def _credits(sim: Simulation, lines: dict, split_frame: pl.DataFrame) -> pl.DataFrame:
    """Deal lines follow the deal's splits; other lines credit the account owner, or the
    team manager for days before the owner joined."""
    org = sim.org
    rep = sim.acc_rep[lines["account"]]
    before_start = lines["date"] < sim.rep_start_day[rep]
    manager = np.array(org.team_manager)[org.rep_team[rep]]
    person = np.where(before_start, manager, org.rep_ids[rep])
    frame = pl.DataFrame(
        {"line_id": lines["id"], "opportunity_id": lines["opportunity"], "person_id": person}
    )
    direct = frame.filter(pl.col("opportunity_id") == 0).select(
        "line_id", "person_id", pl.lit("100.00").alias("percent")
    )
    deal = (
        frame.filter(pl.col("opportunity_id") > 0)
        .select("line_id", "opportunity_id")
        .join(split_frame, on="opportunity_id")
        .select(
            "line_id",
            "person_id",
            (pl.col("bp") // 100).cast(pl.Utf8).alias("percent") + pl.lit(".00"),
        )
    )
    out = pl.concat([direct, deal]).sort("line_id")
    return out.with_row_index("id", offset=1).with_columns(pl.col("id").cast(pl.Int64))


def activities(sim: Simulation, act: dict[str, np.ndarray], opp: dict[str, np.ndarray]) -> None:
    rng, cal = sim.rng, sim.cal
    kinds = {
        "visit": (45, 121),
        "call": (5, 26),
        "email": (3, 11),
        "meeting": (30, 91),
        "demo": (45, 121),
        "lead": (10, 31),
    }
    subjects = {
        "visit": "Klantbezoek",
        "call": "Telefonisch contact",
        "email": "E-mail",
        "meeting": "Overleg",
        "demo": "Productdemonstratie",
        "lead": "Nieuwe lead",
        "quote": "Offerte",
    }
    parts = []
    for kind, (low, high) in kinds.items():
        rep, month = expand(act[kind])
        account = sim.draw_account("all", rep)
        parts.append(
            pl.DataFrame(
                {
                    "kind": kind,
                    "date": cal.random_day(rng, month),
                    "owner_id": sim.org.rep_ids[rep],
                    "account_id": pl.Series(
                        np.where(account >= 0, sim.acc_id[np.maximum(account, 0)], 0)
                    ),
                    "opportunity_id": pl.Series(np.zeros(rep.size, np.int64)),
                    "duration_minutes": rng.integers(low, high, rep.size),
                    "amount": None,
                },
                schema_overrides={"amount": pl.Utf8},
            )
        )
    quoted = opp["quoted"] & (opp["quote_day"] <= cal.today)
    parts.append(
        pl.DataFrame(
            {
                "kind": "quote",
                "date": opp["quote_day"][quoted],
                "owner_id": sim.org.rep_ids[opp["rep"][quoted]],
                "account_id": sim.acc_id[opp["account"][quoted]],
                "opportunity_id": opp["id"][quoted],
                "duration_minutes": rng.integers(30, 91, int(quoted.sum())),
                "amount": cents_text(opp["amount"][quoted]),
            }
        )
    )
    frame = pl.concat(parts).sort("date", maintain_order=True)
    outcomes = np.array(["positive", "neutral", "negative", "no_show"])
    n = frame.height
    frame = frame.with_columns(
        pl.col("date").cast(pl.Date),
        pl.col("account_id").replace(0, None),
        pl.col("opportunity_id").replace(0, None),
        pl.col("kind").replace_strict(subjects, return_dtype=pl.Utf8).alias("subject"),
        pl.Series("outcome", outcomes[rng.choice(4, size=n, p=[0.45, 0.38, 0.14, 0.03])]),
        pl.lit("EUR").alias("currency"),
    ).with_row_index("id", offset=1)
    sim.frames["sales_activity"] = frame.with_columns(
        pl.col("id").cast(pl.Int64), coded("ACT-", frame["id"].to_numpy(), 9).alias("external_id")
    )


def lifecycle(sim: Simulation) -> None:
    """Potential, new, loyal or ex, derived from each account's own order history."""
    lines = sim.sale_lines
    n = sim.acc_id.size
    first = np.full(n, np.datetime64("2999-01-01", "D"))
    last = np.full(n, np.datetime64("1900-01-01", "D"))
    np.minimum.at(first, lines["account"], lines["date"])
    np.maximum.at(last, lines["account"], lines["date"])
    ordered = np.isin(np.arange(n), lines["account"])
    today = sim.cal.today
    state = np.select(
        [~ordered, last < today - 180, first >= today - 365], ["potential", "ex", "new"], "loyal"
    )
    sim.frames["sales_account"] = sim.frames["sales_account"].with_columns(
        pl.Series("lifecycle", state)
    )
