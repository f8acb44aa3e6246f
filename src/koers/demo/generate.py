"""Builds the whole demo organisation as table frames, deterministically from a seed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from koers.demo import assemble, customers, flows, reference
from koers.demo.org_frames import build_org
from koers.demo.sim import Simulation

# Tables in the order they are written (every reference points backwards).
TABLE_ORDER = [
    "auth_user",
    "org_orgunit",
    "org_person",
    "org_unitmembership",
    "org_managerlink",
    "sales_productgroup",
    "sales_product",
    "sales_account",
    "sales_territory",
    "sales_territoryaccount",
    "sales_territoryperson",
    "sales_opportunity",
    "sales_stagechange",
    "sales_opportunitysplit",
    "sales_campaign",
    "sales_campaigncost",
    "sales_lead",
    "sales_leadtouch",
    "sales_orderline",
    "sales_orderlinecredit",
    "sales_activity",
    "sales_npsresponse",
    "sales_exchangerate",
    "measure_operatingcost",
    "measure_expense",
]


def generate(
    today: dt.date, scale: int = 1, seed: int = 2026, password_hash: str = "!"
) -> dict[str, pl.DataFrame]:
    """All demo tables for history up to ``today``; the same inputs give the same data."""
    if scale < 1:
        raise ValueError("scale must be 1 or more")
    rng = np.random.default_rng(seed)
    org = build_org(today, scale, rng, password_hash)
    frames: dict[str, pl.DataFrame] = {
        "auth_user": org.users,
        "org_orgunit": org.units,
        "org_person": org.people,
        "org_unitmembership": org.memberships,
        "org_managerlink": org.manager_links,
        **reference.product_frames(rng),
    }
    sim = Simulation(org, today, scale, rng, frames["sales_product"])
    sim.accounts()
    act = flows.rep_activity(sim)
    opp = flows.pipeline(sim, act)
    split_frame = flows.splits(sim, opp)
    # handed over without a name here, so its arrays go as soon as they are sorted
    assemble.order_lines(
        sim,
        assemble._concat([flows.recurring_lines(sim), flows.deal_lines(sim, opp)]),
        split_frame,
    )
    assemble.lifecycle(sim)
    customers.opportunity_frames(sim, opp, split_frame, flows.stage_history(opp, sim.cal.today))
    customers.marketing(sim, opp)
    assemble.activities(sim, act, opp)
    customers.nps(sim)
    customers.territories(sim)
    frames.update(sim.frames)
    frames["sales_exchangerate"] = reference.exchange_rate_frame(today, rng)
    frames["measure_operatingcost"] = reference.operating_cost_frame(
        org.units, org.people, today, seed
    )
    frames["measure_expense"] = reference.expense_frame(org.people, today, seed)
    return {name: frames[name] for name in TABLE_ORDER}
