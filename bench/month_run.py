"""Benchmark: a month's calculation run on a demo database, step by step, against a plain
SQL aggregation of the sales tables, in the same run.

    DATABASE_URL=postgresql://127.0.0.1/koers_s10 python bench/month_run.py [--repeat 2]

Recalculates the open month (the closed months checked for corrections), inside a
transaction that is rolled back so each repeat starts alike. The baseline: the plain SQL
``GROUP BY`` of the main aggregates of ``bench/facts_refresh.py``, in the same run.
Prints a Markdown table; ``--markdown FILE`` also writes it there.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, "src")
sys.path.insert(0, ".")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koers.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.timing import timed_steps  # noqa: E402

STEPS = {
    "shared_context": "reading the credits of the fiscal year",
    "compute_month": "the month's components (engine)",
    "corrections": "the closed months again, for corrections",
    "bulk_insert": "writing the trace",
    "settle_month": "settling the payouts",
}


class Rollback(Exception):
    pass


def baseline() -> float:
    """The same baseline as the facts' benchmark: a plain SQL ``GROUP BY`` of the main
    aggregates over the sales tables (``bench/facts_refresh.py``)."""
    from bench.facts_refresh import baseline as group_by

    return group_by()


def run(month) -> tuple[float, dict[str, float], int, int]:  # type: ignore[no-untyped-def]
    from koers.reward.models import PayoutLine, TraceRow
    from koers.reward.services import calc

    with timed_steps(calc, list(STEPS)) as parts:
        try:
            with transaction.atomic():
                started = time.perf_counter()
                calc.run_month(month, by=None)
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - started
                lines = PayoutLine.objects.filter(run__month=month).count()
                trace = TraceRow.objects.filter(run__month=month).count()
                raise Rollback
        except Rollback:
            pass
    return seconds, parts, lines, trace


def main() -> None:
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
    base = min(baseline() for _ in range(options.repeat))
    seconds, parts, lines, trace = min(
        (run(month) for _ in range(options.repeat)), key=lambda r: r[0]
    )
    rows = [
        "| | time | against the baseline |",
        "|---|---:|---:|",
        f"| plain SQL `GROUP BY` of the main aggregates (baseline, as for the facts) | "
        f"{base:.1f} s | 1.0× |",
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
