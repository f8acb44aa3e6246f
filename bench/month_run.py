"""Benchmark: a month's calculation run on a demo database, step by step, against a plain
SQL aggregation of the credited sales it pays on, in the same run.

    DATABASE_URL=postgresql://127.0.0.1/koers_s10 python bench/month_run.py [--repeat 2]

Recalculates the open month (the closed months checked for corrections), inside a
transaction that is rolled back so each repeat starts alike. The baseline: ``SELECT …
GROUP BY`` person of the credited revenue of the fiscal year the run reads, the least any
run must do. Prints a Markdown table; ``--markdown FILE`` also writes it there.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, "src")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koers.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

STEPS = {
    "shared_context": "reading the credits of the fiscal year",
    "compute_month": "the month's components (engine)",
    "corrections": "the closed months again, for corrections",
    "bulk_insert": "writing the trace",
    "settle_month": "settling the payouts",
}


class Rollback(Exception):
    pass


def baseline(first, last) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.person_id, SUM(ROUND(l.reporting_amount * c.percent)) "
            "FROM sales_orderlinecredit c JOIN sales_orderline l ON l.id = c.line_id "
            "WHERE l.order_date BETWEEN %s AND %s GROUP BY 1",
            [first, last],
        )
        cursor.fetchall()
    return time.perf_counter() - started


def run(month) -> tuple[float, dict[str, float], int, int]:  # type: ignore[no-untyped-def]
    from koers.reward.models import PayoutCredit, PayoutLine
    from koers.reward.services import calc

    parts = dict.fromkeys(STEPS, 0.0)
    originals = {name: getattr(calc, name) for name in STEPS}

    def timed(name, fn):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                parts[name] += time.perf_counter() - started

        return wrapper

    for name, fn in originals.items():
        setattr(calc, name, timed(name, fn))
    try:
        with transaction.atomic():
            started = time.perf_counter()
            calc.run_month(month, by=None)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconds = time.perf_counter() - started
            lines = PayoutLine.objects.filter(run__month=month).count()
            trace = PayoutCredit.objects.filter(line__run__month=month).count()
            raise Rollback
    except Rollback:
        pass
    finally:
        for name, fn in originals.items():
            setattr(calc, name, fn)
    return seconds, parts, lines, trace


def main() -> None:
    from koers.engine.periods import fiscal_year_start, month_end
    from koers.org.setup import fiscal_start_month
    from koers.reward.models import CalcRun

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--markdown", default="")
    options = parser.parse_args()
    month = (
        CalcRun.objects.filter(status=CalcRun.Status.OPEN)
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )
    if month is None:
        sys.exit("No open month: load a demo first (koers demo --scale N).")
    first = fiscal_year_start(month, fiscal_start_month())
    base = min(baseline(first, month_end(month)) for _ in range(options.repeat))
    seconds, parts, lines, trace = min(
        (run(month) for _ in range(options.repeat)), key=lambda r: r[0]
    )
    rows = [
        "| | time | against the baseline |",
        "|---|---:|---:|",
        f"| plain SQL sum of the credited revenue per person, {first:%m-%Y} to "
        f"{month:%m-%Y} (baseline) | {base:.1f} s | 1.0× |",
        f"| **the run of {month:%m-%Y}**: {lines:,} payout lines, {trace:,} trace rows | "
        f"**{seconds:.1f} s** | **{seconds / base:.1f}×** |",
        *(f"| · {label} | {parts[name]:.1f} s | |" for name, label in STEPS.items()),
    ]
    table = "\n".join(rows)
    print(table)
    if options.markdown:
        with open(options.markdown, "w") as out:
            out.write(table + "\n")


if __name__ == "__main__":
    main()
