"""Benchmark: one calculation run of the compensation engine over 10,000,000 transaction
lines and 10,000 payees, against a straightforward per-row Python implementation.

    python bench/comp_run.py [--lines 10000000] [--payees 10000] [--baseline-lines N]

The data: a four-level hierarchy (reps, managers, directors, vice-presidents; 80% reps),
order lines in one month of which 15% are split between two reps (60/40), amounts from
€ 5 to € 25,000, three product groups. Two components run:

* commission: marginal tiers (3% / 5% above 100% / 8% above 150% of quota) with a cap,
  on the rep's own split credit;
* override: retroactive tiers (0.5% / 1% from 100%) with a cap, on the credit rolled up
  through the hierarchy to every manager, director and vice-president.

The engine (``koers.engine.comp.calculate``) produces for both components every payee's
measure, attainment and earnings, and the trace (every credited row behind every payout
line, the rolled-up ones included). The baseline does the same row by row with Decimal,
as a first implementation would; both must agree to the cent, which the benchmark checks.
The baseline runs on the first ``--baseline-lines`` lines (all by default); its rate is
per line, so the ratio compares like with like.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import resource
import sys
import time
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import numpy as np
import polars as pl

sys.path.insert(0, "src")
from koers.engine import comp  # noqa: E402
from koers.engine.comp import Component, Tier  # noqa: E402

MONTH, MONTH_END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
COMMISSION = Component(
    "commission",
    "marginal",
    tiers=(Tier(0, 30_000), Tier(1_000_000, 50_000), Tier(1_500_000, 80_000)),
    cap_cents=1_500_000,
)
OVERRIDE = Component(
    "override",
    "retroactive",
    tiers=(Tier(0, 5_000), Tier(1_000_000, 10_000)),
    cap_cents=5_000_000,
    rollup=True,
)


def hierarchy(payees: int) -> tuple[pl.DataFrame, int]:
    """person_id, manager_id for a 4-level tree with 5 reps a manager, 5 managers a
    director and 4 directors a vice-president. Returns the frame and the number of reps."""
    vps = max(1, payees // 125)
    directors = vps * 4
    managers = directors * 5
    reps = payees - vps - directors - managers
    ids = np.arange(1, payees + 1)
    manager_of = np.zeros(payees, dtype=np.int64)
    first_dir, first_mgr, first_rep = vps + 1, vps + directors + 1, vps + directors + managers + 1
    manager_of[first_dir - 1 : first_mgr - 1] = 1 + np.arange(directors) % vps
    manager_of[first_mgr - 1 : first_rep - 1] = first_dir + np.arange(managers) % directors
    manager_of[first_rep - 1 :] = first_mgr + np.arange(reps) % managers
    frame = pl.DataFrame({"person_id": ids, "manager_id": manager_of}).with_columns(
        pl.when(pl.col("manager_id") == 0)
        .then(None)
        .otherwise(pl.col("manager_id"))
        .alias("manager_id")
    )
    return frame, reps


def credits(lines: int, reps: int, first_rep: int) -> pl.DataFrame:
    rng = np.random.default_rng(7)
    amount = rng.integers(500, 2_500_000, lines)
    holder = first_rep + rng.integers(0, reps, lines)
    split = rng.random(lines) < 0.15
    second = first_rep + (holder - first_rep + 1 + rng.integers(0, reps - 1, lines)) % reps
    day = rng.integers(0, 30, lines)
    group = rng.integers(1, 4, lines)
    line_id = np.arange(1, lines + 1)
    one = pl.DataFrame(
        {
            "line_id": line_id,
            "person_id": holder,
            "share_bp": np.where(split, 6_000, 10_000),
            "day": day,
            "amount_cents": amount,
            "product_group_id": group,
        }
    )
    two = pl.DataFrame(
        {
            "line_id": line_id[split],
            "person_id": second[split],
            "share_bp": np.full(split.sum(), 4_000),
            "day": day[split],
            "amount_cents": amount[split],
            "product_group_id": group[split],
        }
    )
    start = pl.lit(MONTH)
    return (
        pl.concat([one, two])
        .with_columns(
            (start + pl.duration(days=pl.col("day"))).alias("order_date"),
            pl.lit(None, dtype=pl.Date).alias("invoice_date"),
            pl.lit(None, dtype=pl.Date).alias("paid_date"),
            pl.lit(None, dtype=pl.Int64).alias("cost_cents"),
            pl.lit(1, dtype=pl.Int64).alias("quantity"),
            pl.lit(False).alias("new_business"),
            pl.lit(None, dtype=pl.Date).alias("original_date"),
            pl.lit("", dtype=pl.Utf8).alias("segment"),
            pl.lit(None, dtype=pl.Int64).alias("original_id"),
        )
        .select(list(comp.CREDIT_SCHEMA))
        .cast(comp.CREDIT_SCHEMA)
    )


def payees_frame(people: pl.DataFrame, quotas: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "person_id": people["person_id"],
            "quota": quotas,
            "target_incentive_cents": np.zeros(people.height, dtype=np.int64),
            "valid_from": [MONTH] * people.height,
            "valid_to": [MONTH_END] * people.height,
        }
    )


def engine_run(data: pl.DataFrame, payees: pl.DataFrame, managers: pl.DataFrame):
    """Both components for every payee: results and trace."""
    out = {}
    shared: dict = {}
    for component in (COMMISSION, OVERRIDE):
        key = comp.credit_key(component)
        if key not in shared:  # both components credit the same rows: split them once
            shared[key] = comp.credited(data, component, MONTH, MONTH_END)
        results, trace = comp.calculate(
            data, payees, component, MONTH, MONTH_END, managers, rows=shared[key]
        )
        out[component.code] = (results, trace.height)
    return out


# ----------------------------------------------------------------- the per-row baseline
def _rate_marginal(measure: Decimal, quota: Decimal, tiers) -> Decimal:
    total = Decimal(0)
    bounds = [t.start for t in tiers] + [None]
    for tier, upper in zip(tiers, bounds[1:], strict=True):
        low = (quota * tier.start / 1_000_000).to_integral_value(ROUND_DOWN)
        high = (
            measure
            if upper is None
            else min(measure, (quota * upper / 1_000_000).to_integral_value(ROUND_DOWN))
        )
        if high > low:
            total += (high - low) * tier.rate
    return total


def baseline_run(rows: list[tuple], quotas: dict[int, int], manager_of: dict[int, int | None]):
    """Row by row: split each line with Decimal, give the cent left over to the largest
    share, keep the trace, roll up through the managers, then tiers and caps per person."""
    own: dict[int, Decimal] = {}
    rolled: dict[int, Decimal] = {}
    trace_own: list[tuple[int, int, Decimal]] = []
    by_line: dict[int, list[tuple]] = {}
    for row in rows:
        by_line.setdefault(row[0], []).append(row)
    for line_id, holders in by_line.items():
        holders.sort(key=lambda r: (-r[2], r[1]))
        amount = Decimal(holders[0][4])
        values = [(amount * r[2] / 10_000).to_integral_value(ROUND_DOWN) for r in holders]
        if sum(r[2] for r in holders) == 10_000:
            values[0] += amount - sum(values)
        for r, value in zip(holders, values, strict=True):
            person = r[1]
            own[person] = own.get(person, Decimal(0)) + value
            trace_own.append((line_id, person, value))
            boss: int | None = person
            while boss is not None:
                rolled[boss] = rolled.get(boss, Decimal(0)) + value
                boss = manager_of.get(boss)
    results = {}
    for component, measures in ((COMMISSION, own), (OVERRIDE, rolled)):
        earned = {}
        for person, quota in quotas.items():
            measure = measures.get(person, Decimal(0))
            q = Decimal(quota)
            if component.rule == "marginal":
                scaled = _rate_marginal(measure, q, component.tiers)
            else:
                attainment = (measure * 1_000_000 / q).to_integral_value(ROUND_DOWN) if q else 0
                rate = max(t.rate for t in component.tiers if attainment >= t.start)
                scaled = measure * rate
            cents = (scaled / 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            earned[person] = min(int(cents), component.cap_cents)
        results[component.code] = earned
    return results, len(trace_own)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--baseline-lines", type=int, default=0, help="0: all lines")
    args = parser.parse_args()
    people, reps = hierarchy(args.payees)
    first_rep = args.payees - reps + 1
    data = credits(args.lines, reps, first_rep)
    rng = np.random.default_rng(3)
    per_rep = args.lines * 1_250_000 // reps  # about the average rep's credit
    depth_share = np.where(np.arange(1, args.payees + 1) >= first_rep, 1, 5**2)
    quotas = (per_rep * depth_share * rng.uniform(0.6, 1.4, args.payees)).astype(np.int64)
    payees = payees_frame(people, quotas)
    print(
        f"{args.lines:,} lines, {data.height:,} credit rows (15% split), "
        f"{args.payees:,} payees ({reps:,} reps), {pl.thread_pool_size()} threads",
        flush=True,
    )
    gc.collect()
    started = time.perf_counter()
    out = engine_run(data, payees, people)
    engine_s = time.perf_counter() - started
    trace_rows = sum(height for _r, height in out.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"engine: {engine_s:.2f} s, {trace_rows:,} trace rows, peak memory {peak:.1f} GB")
    started = time.perf_counter()
    direct = comp.credited(data, OVERRIDE, MONTH, MONTH_END)
    per_payee = comp.payee_trace(direct, payees, people).height
    print(f"override trace per payee: {per_payee:,} rows in {time.perf_counter() - started:.2f} s")
    del direct

    sample_lines = args.baseline_lines or args.lines
    sample = data.filter(pl.col("line_id") <= sample_lines)
    rows = sample.select("line_id", "person_id", "share_bp", "order_date", "amount_cents").rows()
    manager_of = dict(people.iter_rows())
    sample_quotas = dict(zip(payees["person_id"].to_list(), payees["quota"].to_list(), strict=True))
    del data
    gc.collect()
    started = time.perf_counter()
    base, base_trace = baseline_run(rows, sample_quotas, manager_of)
    baseline_s = time.perf_counter() - started
    print(f"baseline: {baseline_s:.2f} s for {sample_lines:,} lines, {base_trace:,} trace rows")

    if sample_lines == args.lines:
        for code, (results, _h) in out.items():
            engine_earned = dict(results.select("person_id", "earnings_cents").iter_rows())
            assert engine_earned == base[code], f"{code}: engine and baseline disagree"
        print("engine and baseline agree to the cent on every payee")
    engine_rate = args.lines / engine_s
    baseline_rate = sample_lines / baseline_s
    print(
        f"engine {engine_rate:,.0f} lines/s, baseline {baseline_rate:,.0f} lines/s: "
        f"{engine_rate / baseline_rate:.0f}x"
    )


if __name__ == "__main__":
    main()
