"""Benchmark: a month's calculation run on a demo database, step by step, against a plain
SQL aggregation of the sales tables, in the same run.

    DATABASE_URL=postgresql://127.0.0.1/koers_s10 python bench/month_run.py [--repeat 2]
        [--workers 2,4]

Recalculates the open month (the closed months checked for corrections), inside a
transaction that is rolled back so each repeat starts alike. The baseline: the plain SQL
``GROUP BY`` of the main aggregates of ``bench/facts_refresh.py``, in the same run.
``--workers 2,4`` also runs the month split in as many parts over as many Celery worker
processes (Redis on 127.0.0.1, databases 14 and 15), from the request to the job done;
those runs commit (the open month gets the figures it had). Prints a Markdown table;
``--markdown FILE`` also writes it there.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, "src")
sys.path.insert(0, ".")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koers.settings")
REDIS = "redis://127.0.0.1:6379"
if "--workers" in sys.argv:  # this process hands the parts to the workers' broker
    os.environ["CELERY_BROKER_URL"] = f"{REDIS}/14"
    os.environ["CACHE_URL"] = f"{REDIS}/15"

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.timing import emit, timed_steps  # noqa: E402

# the steps of a run, by the module whose function is timed
STEPS = {
    "calc": {
        "shared_context": "reading the credits of the fiscal year",
        "write_parts": "writing the lines and the trace",
        "settle_month": "settling the payouts",
    },
    "parts": {
        "compute_month": "the month's components (engine)",
        "corrections": "the closed months again, for corrections",
    },
}


class Rollback(Exception):
    pass


def baseline() -> float:
    """The same baseline as the facts' benchmark: a plain SQL ``GROUP BY`` of the main
    aggregates over the sales tables (``bench/facts_refresh.py``)."""
    from bench.facts_refresh import baseline as group_by

    return group_by()


def run(month) -> tuple[float, dict[str, float], int, int]:  # type: ignore[no-untyped-def]
    from koers.reward.models import CalcRun, PayoutLine, TraceRow
    from koers.reward.services import calc
    from koers.reward.services import parts as parts_module

    modules = {"calc": calc, "parts": parts_module}
    with (
        timed_steps(modules["calc"], list(STEPS["calc"])) as first,
        timed_steps(modules["parts"], list(STEPS["parts"])) as second,
    ):
        parts = first | second  # filled as the run goes
        try:
            with transaction.atomic():
                started = time.perf_counter()
                calc.run_month(month, by=None)
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - started
                lines = PayoutLine.objects.filter(run__month=month).count()
                run = CalcRun.objects.get(month=month)
                trace = TraceRow.objects.filter(trace_set=run.trace_set).count()
                raise Rollback
        except Rollback:
            pass
        parts = first | second
    return seconds, parts, lines, trace


def _workers(n: int, log_dir: Path) -> list[subprocess.Popen]:
    """``n`` Celery worker processes (one task at a time each), started and ready."""
    env = {**os.environ, "PYTHONPATH": "src"}
    celery = str(Path(sys.executable).parent / "celery")
    started = []
    for k in range(n):
        log = (log_dir / f"worker{k}.log").open("w")
        started.append(
            subprocess.Popen(
                [celery, "-A", "koers", "worker", "--pool", "solo", "--hostname",
                 f"bench{k}@%h", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "--loglevel", "INFO"],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all("ready." in (log_dir / f"worker{k}.log").read_text() for k in range(n)):
            return started
        time.sleep(0.2)
    raise SystemExit(f"the workers did not start: see {log_dir}")


def on_workers(month, n: int) -> tuple[float, float, str]:  # type: ignore[no-untyped-def]
    """The month in ``n`` parts over ``n`` worker processes: seconds from the request
    to the job done, the slowest part's seconds, and the job's state."""
    import redis

    from koers.jobs.models import Job
    from koers.reward.jobs import month_parts_job
    from koers.reward.models import RunPart

    redis.Redis.from_url(f"{REDIS}/14").flushdb()
    with tempfile.TemporaryDirectory() as logs:
        workers = _workers(n, Path(logs))
        try:
            started = time.perf_counter()
            job = month_parts_job(month, None, n)
            while job.status not in (Job.Status.DONE, Job.Status.FAILED):
                time.sleep(0.05)
                job.refresh_from_db()
            seconds = time.perf_counter() - started
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
    slowest = max(RunPart.objects.filter(job=job).values_list("seconds", flat=True), default=0)
    return seconds, slowest or 0.0, job.message or job.status


def main() -> None:
    from koers.reward.models import CalcRun

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--markdown", default="")
    parser.add_argument("--workers", default="", help="e.g. 2,4: the month in parts over them")
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
        *(
            f"| · {label} | {parts[name]:.1f} s | |"
            for steps in STEPS.values()
            for name, label in steps.items()
        ),
    ]
    for n in [int(w) for w in options.workers.split(",") if w.strip()]:
        on, slowest, state = on_workers(month, n)
        if state != "done":
            sys.exit(f"the run on {n} workers did not finish: {state}")
        rows.append(
            f"| the same run in {n} parts on {n} Celery workers ({os.cpu_count()} cores), "
            f"request to done (slowest part {slowest:.1f} s) | {on:.1f} s | {on / base:.1f}× |"
        )
    emit(rows, options.markdown)


if __name__ == "__main__":
    main()
