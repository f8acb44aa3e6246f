"""Benchmark: a full refresh of the KPI facts against a plain SQL ``GROUP BY`` of the same
main aggregates over the same tables, in the same run.

    DATABASE_URL=postgresql://127.0.0.1/koers_s10 python bench/facts_refresh.py [--repeat 3]

Run it on a database that holds a demo (``koers demo --scale N``). Measured, each
``--repeat`` times (the best kept):

* the baseline: ``INSERT INTO`` a temporary table ``SELECT … GROUP BY`` person and month of
  the credited revenue, margin and quantity, the activities per kind, the opportunities
  created and won, the leads and the NPS answers, and the account-month sums of the order
  lines: the aggregates the facts hold, computed in the database, written, nothing else;
* ``kpi_facts_refresh`` of every month that has data, in steps of at most
  ``REFRESH_STEP_LINES`` order lines, with the foreign-key checks a commit runs, inside a
  transaction that is rolled back (each repeat starts from the same state): when nothing
  changed since the last refresh, after one month's order lines changed, and into empty
  fact tables (a first refresh);
* each refresh's parts: reading its input frames, computing, writing;
* after one order line of the last whole month changed (as a form saves it): the
  refresh of the keys it touched (the person and the account, ``refresh_scope``) against a
  refresh of that whole month.

Prints a Markdown table; ``--markdown FILE`` also writes it there (``make bench``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

sys.path.insert(0, "src")
sys.path.insert(0, ".")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koers.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.timing import emit, timed_steps  # noqa: E402
from koers.engine.periods import add_months, month_start  # noqa: E402

BASELINE = [
    """CREATE TEMP TABLE bench_credit AS SELECT c.person_id, date_trunc('month', l.order_date)
    AS month, SUM(ROUND(l.reporting_amount * c.percent)) AS revenue,
    SUM(ROUND((l.reporting_amount - l.reporting_cost) * c.percent)) AS margin,
    SUM(ROUND(l.quantity * c.percent)) AS quantity, COUNT(*) AS n
    FROM sales_orderlinecredit c JOIN sales_orderline l ON l.id = c.line_id
    GROUP BY 1, 2""",
    """CREATE TEMP TABLE bench_activity AS SELECT owner_id, date_trunc('month', date) AS month,
    kind, COUNT(*) AS n, SUM(duration_minutes) AS minutes FROM sales_activity GROUP BY 1, 2, 3""",
    """CREATE TEMP TABLE bench_created AS SELECT owner_id, date_trunc('month', created_on)
    AS month, COUNT(*) AS n, SUM(reporting_amount) AS amount FROM sales_opportunity
    GROUP BY 1, 2""",
    """CREATE TEMP TABLE bench_closed AS SELECT o.owner_id, date_trunc('month', o.closed_on)
    AS month, s.kind, COUNT(*) AS n, SUM(o.reporting_amount) AS amount
    FROM sales_opportunity o JOIN sales_stage s ON s.id = o.stage_id
    WHERE o.closed_on IS NOT NULL GROUP BY 1, 2, 3""",
    """CREATE TEMP TABLE bench_lead AS SELECT owner_id, date_trunc('month', created_on) AS month,
    COUNT(*) AS n FROM sales_lead GROUP BY 1, 2""",
    """CREATE TEMP TABLE bench_nps AS SELECT a.owner_id, date_trunc('month', n.responded_on)
    AS month, COUNT(*) FILTER (WHERE n.score >= 9) AS promoters,
    COUNT(*) FILTER (WHERE n.score <= 6) AS detractors, COUNT(*) AS n
    FROM sales_npsresponse n JOIN sales_account a ON a.id = n.account_id GROUP BY 1, 2""",
    """CREATE TEMP TABLE bench_account AS SELECT account_id, date_trunc('month', order_date)
    AS month, SUM(reporting_amount) AS amount, SUM(reporting_cost) AS cost, COUNT(*) AS n
    FROM sales_orderline GROUP BY 1, 2""",
]


class Rollback(Exception):
    pass


def baseline() -> float:
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in BASELINE:
                cursor.execute(sql)
            raise Rollback
    except Rollback:
        pass
    return time.perf_counter() - started


def refresh(before: str = "") -> tuple[float, dict[str, float], int]:
    """A full refresh after ``before`` (SQL run first in the same transaction, not timed),
    the deferred foreign-key checks of the commit included; rolled back."""
    from koers.measure import services
    from koers.measure.services import first_data_day, last_data_day, steps

    first, last = month_start(first_data_day()), last_data_day()
    stored = 0
    steps_of = {"_inputs": "read", "_compute": "compute", "replace_rows": "write"}
    with timed_steps(services, steps_of) as parts:
        try:
            with transaction.atomic():
                if before:
                    with connection.cursor() as cursor:
                        cursor.execute(before)
                started = time.perf_counter()
                last_day = add_months(month_start(last), 1) - dt.timedelta(days=1)
                for start, end in steps(first, last_day):
                    stored += services.kpi_facts_refresh(start=start, end=end)
                with connection.cursor() as cursor:  # the checks a commit would run
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
    return seconds, parts, stored


def one_edit() -> tuple[float, float, str]:
    """The largest line of the last whole month changed: seconds to refresh the keys it
    touched, and the whole month; rolled back."""
    from koers.measure.services import kpi_facts_refresh, last_data_day, refresh_scope

    month = add_months(month_start(last_data_day()), -1)
    end = add_months(month, 1) - dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.person_id, l.id, l.account_id FROM sales_orderlinecredit c "
            "JOIN sales_orderline l ON l.id = c.line_id WHERE l.order_date BETWEEN %s AND %s "
            "ORDER BY l.reporting_amount DESC LIMIT 1",
            [month, end],
        )
        person, line, account = cursor.fetchone()
    times = []
    for whole in (False, True):
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE sales_orderline SET reporting_amount = reporting_amount + 1 "
                        "WHERE id = %s",
                        [line],
                    )
                started = time.perf_counter()
                if whole:
                    kpi_facts_refresh(start=month, end=end)
                else:
                    refresh_scope(month, [person], [account])
                times.append(time.perf_counter() - started)
                raise Rollback
        except Rollback:
            pass
    return times[0], times[1], f"{month:%B %Y}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--markdown", default="")
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: DATABASE_URL=postgresql://…/koers_s10")
    base = min(baseline() for _ in range(options.repeat))
    scenarios = [
        ("nothing changed since the last refresh", ""),
        (
            "one month's order lines changed (November 2026)",
            "UPDATE sales_orderline SET reporting_amount = reporting_amount + 1 "
            "WHERE order_date BETWEEN '2026-11-01' AND '2026-11-30'",
        ),
        (
            "first refresh (no facts stored)",
            "DELETE FROM measure_kpifact; DELETE FROM measure_groupsalesfact; "
            "DELETE FROM measure_accountmonthfact",
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sales_orderlinecredit")
        credits = cursor.fetchone()[0]
    rows = [
        "| | time | against the baseline | reading · computing · writing |",
        "|---|---:|---:|---|",
        f"| plain SQL `GROUP BY` of the main aggregates (baseline) | {base:.1f} s | 1.0× | |",
    ]
    for name, before in scenarios:
        seconds, parts, stored = min(
            (refresh(before) for _ in range(options.repeat)), key=lambda r: r[0]
        )
        rows.append(
            f"| full KPI refresh, {stored:,} facts from {credits:,} credited lines: {name} | "
            f"**{seconds:.1f} s** | **{seconds / base:.1f}×** | "
            f"{parts['read']:.1f} · {parts['compute']:.1f} · {parts['write']:.1f} s |"
        )
    scoped, whole, month = min(one_edit() for _ in range(options.repeat))
    rows.append(
        f"| one order line edited ({month}): the keys it touched (a person, an account) | "
        f"**{scoped:.2f} s** | against the whole month {whole:.2f} s: "
        f"**{whole / scoped:.0f}× less** | |"
    )
    emit(rows, options.markdown)


if __name__ == "__main__":
    main()
