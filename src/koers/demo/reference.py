"""Demo reference data: sales process and stages, reasons, products, exchange rates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from koers.demo import cast
from koers.engine.periods import add_months

# The default funnel of DOMAIN.md with its default probabilities.
STAGES = [  # id, code, en, nl, order, kind, probability
    (1, "suspect", "Suspect", "Suspect", 1, "open", "10.00"),
    (2, "prospect", "Prospect", "Prospect", 2, "open", "25.00"),
    (3, "hot_prospect", "Hot prospect", "Hot prospect", 3, "open", "60.00"),
    (4, "customer", "Customer (won)", "Klant (gewonnen)", 4, "won", "100.00"),
    (5, "lost", "Lost", "Verloren", 5, "lost", "0.00"),
]
SUSPECT, PROSPECT, HOT, WON, LOST = 1, 2, 3, 4, 5


def process_frames() -> dict[str, pl.DataFrame]:
    stages = pl.DataFrame(
        [
            {
                "id": s[0],
                "process_id": 1,
                "code": s[1],
                "name_en": s[2],
                "name_nl": s[3],
                "order": s[4],
                "kind": s[5],
                "probability": s[6],
            }
            for s in STAGES
        ]
    )
    reasons = [(i + 1, "lost", en, nl) for i, (_c, en, nl) in enumerate(cast.LOST_REASONS)]
    reasons += [
        (len(reasons) + i + 1, "won", en, nl) for i, (_c, en, nl) in enumerate(cast.WON_REASONS)
    ]
    return {
        "sales_salesprocess": pl.DataFrame(
            {"id": [1], "name": ["Standaard verkoopproces"], "is_default": [True]}
        ),
        "sales_stage": stages,
        "sales_closereason": pl.DataFrame(
            {
                "id": [r[0] for r in reasons],
                "kind": [r[1] for r in reasons],
                "name_en": [r[2] for r in reasons],
                "name_nl": [r[3] for r in reasons],
            }
        ),
    }


def product_frames(rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    groups = pl.DataFrame(
        {
            "id": range(1, len(cast.PRODUCT_GROUPS) + 1),
            "code": [g[0] for g in cast.PRODUCT_GROUPS],
            "name": [g[1] for g in cast.PRODUCT_GROUPS],
        }
    )
    rows = []
    for gi, (code, name, margin, (low, high), _share) in enumerate(cast.PRODUCT_GROUPS):
        for k in range(15):
            price = round(float(np.exp(rng.uniform(np.log(low), np.log(high)))), 2)
            cost = round(price * (1 - margin * rng.uniform(0.8, 1.2)), 2)
            rows.append(
                {
                    "id": len(rows) + 1,
                    "external_id": f"{code}-{k + 1:03d}",
                    "name": f"{name.split(' ')[0]} {code}-{k + 1:03d}",
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
        for m in range(-23, 1):
            level *= float(np.exp(rng.normal(0, 0.012)))
            rows.append(
                {"currency": currency, "date": add_months(today, m), "rate": f"{level:.8f}"}
            )
    return (
        pl.DataFrame(rows).with_row_index("id", offset=1).with_columns(pl.col("id").cast(pl.Int64))
    )
