"""Turns the simulated flows into table frames with ids, dates and exact money."""

from __future__ import annotations

import numpy as np
import polars as pl

from koers.demo import cast
from koers.demo.flows import NAT, days, expand
from koers.demo.sim import Simulation, cents_text, coded

DSO = {code: dso for code, _n, _iso, dso in cast.COUNTRIES}
KINDS = {0: "sale", 1: "return", 2: "cancellation"}
# a column of a few words repeated millions of times, each kept once (the bulk write takes
# them as text): 4 bytes a row instead of 16 at the peak of generating the demo
WORD = pl.Categorical


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def order_lines(sim: Simulation, lines: dict[str, np.ndarray], split_frame: pl.DataFrame) -> None:
    """Order lines with invoice and payment dates, returns and cancellations that reference
    their original, and credit holders (account owner, or the deal's splits).

    Takes ``lines`` over: at scale 100 each copy of its arrays is 0.6 GB, so the steps
    below keep as few alive at once as they can (the caller holds no reference)."""
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
    del lines, corrections, ids
    # the sales (the first n lines) for the accounts' lifecycle: views, not copies
    sim.sale_lines = {k: all_lines[k][:n] for k in ("account", "date")}
    # the credit holders first, while the order lines are still arrays
    sim.frames["sales_orderlinecredit"] = _credits(sim, all_lines, split_frame)
    total = all_lines["id"].size
    team_dso = np.array([DSO[country] for country in org.team_country], dtype=float)
    dso = team_dso[sim.acc_team[all_lines["account"]]]
    invoice = all_lines["date"] + days(rng.integers(0, 5, total))
    paid = invoice + days(np.maximum(0, rng.normal(dso, 12)))
    del dso
    invoice_ok = invoice <= cal.today
    paid = np.where(invoice_ok & (paid <= cal.today), paid, NAT)
    frame = pl.DataFrame(
        {
            "id": all_lines.pop("id"),
            "opportunity_id": all_lines.pop("opportunity"),
            "kind": pl.Series(all_lines.pop("kind")).replace_strict(KINDS, return_dtype=WORD),
            "order_date": all_lines["date"].astype("datetime64[D]"),
            "account_id": sim.acc_id[all_lines["account"]],
            "product_id": all_lines.pop("product") + 1,
            "quantity": pl.Series(all_lines.pop("qty")).cast(pl.Int64).cast(pl.Utf8),
            "amount": cents_text(all_lines.pop("amount")),
            "cost": cents_text(all_lines.pop("cost")),
            "invoice_date": np.where(invoice_ok, invoice, NAT).astype("datetime64[D]"),
            "paid_date": paid.astype("datetime64[D]"),
            "original_id": pl.Series(all_lines.pop("original")).replace(0, None),
        }
    )
    del invoice, paid, invoice_ok
    deal = pl.col("opportunity_id") > 0
    sim.frames["sales_orderline"] = frame.with_columns(
        coded("OL-", frame["id"].to_numpy(), 9).alias("external_id"),
        pl.when(deal)
        .then("SO-D" + pl.col("opportunity_id").cast(pl.Utf8))
        .otherwise("SO-" + pl.col("id").cast(pl.Utf8))
        .alias("order_number"),
        pl.when(deal).then(pl.col("opportunity_id")).alias("opportunity_id"),
        pl.lit("EUR", dtype=WORD).alias("currency"),
        # invoiced once invoiced, ordered before: both count as revenue
        pl.when(pl.col("invoice_date").is_not_null())
        .then(pl.lit("invoiced"))
        .otherwise(pl.lit("ordered"))
        .cast(WORD)
        .alias("status"),
    )


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
    # built column by column in NumPy and sorted once, each column in turn: at scale 100
    # the 6.8 million activities as one frame copied by a sort would double their memory
    names = [*kinds, "quote"]
    parts: list[dict[str, np.ndarray]] = []
    for code, (kind, (low, high)) in enumerate(kinds.items()):
        rep, month = expand(act[kind])
        account = sim.draw_account("all", rep)
        parts.append(
            {
                "kind": np.full(rep.size, code, np.int8),
                "date": cal.random_day(rng, month).astype("datetime64[D]"),
                "owner_id": sim.org.rep_ids[rep],
                "account_id": np.where(account >= 0, sim.acc_id[np.maximum(account, 0)], 0),
                "opportunity_id": np.zeros(rep.size, np.int64),
                "duration_minutes": rng.integers(low, high, rep.size),
                "amount": np.zeros(rep.size, np.int64),
            }
        )
    quoted = opp["quoted"] & (opp["quote_day"] <= cal.today)
    count = int(quoted.sum())
    parts.append(
        {
            "kind": np.full(count, len(kinds), np.int8),
            "date": opp["quote_day"][quoted].astype("datetime64[D]"),
            "owner_id": sim.org.rep_ids[opp["rep"][quoted]],
            "account_id": sim.acc_id[opp["account"][quoted]],
            "opportunity_id": opp["id"][quoted],
            "duration_minutes": rng.integers(30, 91, count),
            "amount": opp["amount"][quoted],
        }
    )
    order = np.argsort(np.concatenate([part["date"] for part in parts]), kind="stable")
    columns = {}
    for column in list(parts[0]):
        columns[column] = np.concatenate([part.pop(column) for part in parts])[order]
    del parts, order
    outcomes = pl.Series(["positive", "neutral", "negative", "no_show"], dtype=WORD)
    n = columns["date"].size
    kind = pl.Series(columns.pop("kind")).replace_strict(dict(enumerate(names)), return_dtype=WORD)
    quote = kind == "quote"
    amount = cents_text(columns.pop("amount"))
    frame = pl.DataFrame(
        {
            "kind": kind,
            "date": columns.pop("date"),
            "owner_id": columns.pop("owner_id"),
            "account_id": pl.Series(columns.pop("account_id")).replace(0, None),
            "opportunity_id": pl.Series(columns.pop("opportunity_id")).replace(0, None),
            "duration_minutes": columns.pop("duration_minutes"),
            "amount": pl.select(pl.when(quote).then(amount)).to_series(),
        }
    ).with_columns(
        pl.col("kind").replace_strict(subjects, return_dtype=WORD).alias("subject"),
        outcomes.gather(rng.choice(4, size=n, p=[0.45, 0.38, 0.14, 0.03])).alias("outcome"),
        pl.lit("EUR", dtype=WORD).alias("currency"),
    )
    ids = np.arange(1, n + 1, dtype=np.int64)
    sim.frames["sales_activity"] = frame.select(
        pl.Series("id", ids), pl.all(), coded("ACT-", ids, 9).alias("external_id")
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
