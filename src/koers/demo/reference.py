"""Demo reference data: sales process and stages, reasons, products, exchange rates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from koers.demo import cast
from koers.demo.sim import MONTHS
from koers.engine.periods import add_months

# Stage ids of the default funnel, created by the sales app's migrations.
SUSPECT, PROSPECT, HOT, WON, LOST = 1, 2, 3, 4, 5


def product_frames(rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    groups = pl.DataFrame(
        {
            "id": range(1, len(cast.PRODUCT_GROUPS) + 1),
            "code": [g[0] for g in cast.PRODUCT_GROUPS],
            "name": [g[1] for g in cast.PRODUCT_GROUPS],
        }
    )
    rows = []
    for gi, (code, _name, margin, (low, high), _share) in enumerate(cast.PRODUCT_GROUPS):
        for k in range(15):
            price = round(float(np.exp(rng.uniform(np.log(low), np.log(high)))), 2)
            cost = round(price * (1 - margin * rng.uniform(0.8, 1.2)), 2)
            rows.append(
                {
                    "id": len(rows) + 1,
                    "external_id": f"{code}-{k + 1:03d}",
                    "name": _product_name(code, k),
                    "group_id": gi + 1,
                    "list_price": f"{price:.2f}",
                    "standard_cost": f"{cost:.2f}",
                    "currency": "EUR",
                    "active": True,
                }
            )
    return {"sales_productgroup": groups, "sales_product": pl.DataFrame(rows)}


def exchange_rate_frame(today: dt.date, rng: np.random.Generator) -> pl.DataFrame:
    rows = []
    for currency, level in [("USD", 0.92), ("GBP", 1.17), ("CHF", 1.05), ("SEK", 0.088)]:
        for m in range(-(MONTHS - 1), 1):
            level *= float(np.exp(rng.normal(0, 0.012)))
            rows.append(
                {"currency": currency, "date": add_months(today, m), "rate": f"{level:.8f}"}
            )
    return (
        pl.DataFrame(rows).with_row_index("id", offset=1).with_columns(pl.col("id").cast(pl.Int64))
    )


def operating_cost_frame(
    units: pl.DataFrame, people: pl.DataFrame, today: dt.date, seed: int
) -> pl.DataFrame:
    """Monthly operating costs per team: about € 9,500 per FTE (salary, car, travel) plus
    € 4,000 for the office, varying a little month to month. Its own random stream, so
    the rest of the demo stays as it was."""
    rng = np.random.default_rng(seed + 7)
    fte = people.group_by("unit_id").agg(pl.col("fte").cast(pl.Float64).sum())
    teams = units.filter(pl.col("kind") == "team").join(
        fte, left_on="id", right_on="unit_id", how="left"
    )
    rows = []
    for unit_id, team_fte in teams.select("id", pl.col("fte").fill_null(0.0)).iter_rows():
        for m in range(-(MONTHS - 1), 1):
            euros = (team_fte * 9_500 + 4_000) * float(rng.uniform(0.92, 1.08))
            rows.append(
                {
                    "unit_id": unit_id,
                    "month": add_months(today, m).replace(day=1),
                    "amount": f"{euros:.2f}",
                }
            )
    frame = pl.DataFrame(rows, schema={"unit_id": pl.Int64, "month": pl.Date, "amount": pl.Utf8})
    return frame.with_row_index("id", offset=1).with_columns(pl.col("id").cast(pl.Int64))


EXPENSE_KINDS = (  # category, description, low and high euros a month
    ("car", "Lease auto", 620.0, 790.0),
    ("travel", "Reiskosten klantbezoeken", 60.0, 640.0),
    ("phone", "Telefoonabonnement", 35.0, 55.0),
)


def expense_frame(people: pl.DataFrame, today: dt.date, seed: int) -> pl.DataFrame:
    """Each salesperson's and manager's expenses per month employed: a lease car (the same
    each month), travel (varying) and a phone. Its own random stream, so the rest of the
    demo stays as it was."""
    rng = np.random.default_rng(seed + 11)
    sellers = people.filter(pl.col("role").is_in(["salesperson", "manager"])).select(
        pl.col("id").alias("person_id"), "start_date"
    )
    months = pl.DataFrame(
        {"date": [add_months(today.replace(day=1), m) for m in range(-(MONTHS - 1), 1)]}
    ).with_columns(pl.col("date").dt.month_end())
    rows = (
        sellers.join(months, how="cross")
        .filter(pl.col("date") >= pl.col("start_date"))
        .filter(pl.col("date") <= today)
        .select("person_id", "date")
    )
    n = rows.height
    car = rng.uniform(EXPENSE_KINDS[0][2], EXPENSE_KINDS[0][3], sellers.height)
    car_of = pl.DataFrame({"person_id": sellers["person_id"], "car": car.round(2)})
    parts = []
    for category, description, low, high in EXPENSE_KINDS:
        amount = (
            rows.join(car_of, on="person_id", how="left")["car"]
            if category == "car"
            else pl.Series(rng.uniform(low, high, n).round(2))
        )
        parts.append(
            rows.with_columns(
                pl.lit(category).alias("category"),
                pl.lit(description).alias("description"),
                amount.alias("amount"),
            )
        )
    frame = pl.concat(parts).sort("date", "person_id", "category")
    return frame.with_row_index("id", offset=1).select(
        pl.col("id").cast(pl.Int64),
        ("DEMO-EXP-" + pl.col("id").cast(pl.Utf8)).alias("external_id"),
        pl.col("person_id").cast(pl.Int64),
        "date",
        "category",
        "description",
        pl.col("amount").cast(pl.Decimal(16, 2)).cast(pl.Utf8),
        pl.lit("EUR").alias("currency"),
    )


def _product_name(group: str, k: int) -> str:
    """The k-th product of a group as a wholesaler names it: "Drukopnemer M"."""
    kinds = cast.PRODUCT_TYPES.get(group)
    if not kinds:
        return f"{group}-{k + 1:03d}"
    kind, size = divmod(k, len(cast.PRODUCT_SIZES))
    return f"{kinds[kind % len(kinds)]} {cast.PRODUCT_SIZES[size]}"
