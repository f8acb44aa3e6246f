"""Benchmark: import order-lines CSV files into PostgreSQL, against a raw ``COPY`` of the same
file, and the import's peak memory.

    python bench/import_orders.py [--rows 1000000] [--memory-rows 10000000]

Creates a fresh database (koers_bench on 127.0.0.1:5432, or BENCH_DATABASE_URL), loads the
demo organisation and writes CSV files in Dutch format (semicolons, 1.234,56, dd-mm-yyyy) whose
lines refer to the demo's accounts, products and people, block by block to disk. Then, in the
same run:

* the baseline: a raw ``COPY`` of the ``--rows`` file into a table of text columns (no
  checks, no references, no credits, no KPI facts);
* ``koers import orders FILE`` of the same file, in its own process, as a customer runs it:
  every row checked, references resolved, lines and credit holders written and the KPI facts
  of the months touched refreshed, all in one transaction;
* the same file again (every line unchanged, nothing written);
* ``koers import orders`` of the ``--memory-rows`` file (0: skipped), reporting the peak
  resident memory of that process (``wait4``'s ``ru_maxrss``).

The report gives the times, their ratio and the peak memory of each import process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import psycopg

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/koers_bench"
BLOCK = 1_000_000


def fresh_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def make_block(
    start: int, rows: int, accounts: list[str], products: list[str], people: list[str]
) -> pl.DataFrame:
    rng = np.random.default_rng(start + 1)
    cents = rng.integers(500, 2_500_000, rows)
    days = rng.integers(0, 700, rows)
    dates = (np.datetime64("2025-01-01") + days.astype("timedelta64[D]")).astype("datetime64[D]")
    ids = np.arange(start, start + rows)
    return pl.DataFrame(
        {
            "external_id": [f"BENCH-{i:08d}" for i in ids],
            "order_number": [f"SO-B{i // 3:07d}" for i in ids],
            "order_date": pl.Series(dates).dt.strftime("%d-%m-%Y"),
            "account": np.array(accounts)[rng.integers(0, len(accounts), rows)],
            "product": np.array(products)[rng.integers(0, len(products), rows)],
            "quantity": rng.integers(1, 50, rows).astype(str),
            "amount": [f"{c // 100:,}".replace(",", ".") + f",{c % 100:02d}" for c in cents],
            "cost": [f"{(c * 7 // 10) // 100},{(c * 7 // 10) % 100:02d}" for c in cents],
            "credited_to": np.array(people)[rng.integers(0, len(people), rows)],
        }
    )


def write_csv(
    path: Path, rows: int, refs: tuple[list[str], list[str], list[str]], first: int = 0
) -> None:
    """The file, a million lines at a time (the generator's memory stays small too); the
    lines' ids start at ``first``."""
    with path.open("wb") as handle:
        for start in range(0, rows, BLOCK):
            block = make_block(first + start, min(BLOCK, rows - start), *refs)
            block.write_csv(handle, separator=";", include_header=start == 0)


def raw_copy(url: str, path: Path) -> float:
    """Seconds to COPY the file into a table of text columns, as PostgreSQL reads it."""
    header = path.open(encoding="utf-8").readline().strip().split(";")
    columns = ", ".join(f'"{c}" text' for c in header)
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw")
        conn.execute(f"CREATE TABLE bench_raw ({columns})")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor:
            sql = "COPY bench_raw FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)"
            with cursor.copy(sql) as copy, path.open("rb") as handle:
                while data := handle.read(8 * 1024 * 1024):
                    copy.write(data)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_raw")
        conn.commit()
    return seconds


# `koers` in a fresh interpreter that reports its own peak resident memory (VmHWM) on exit:
# the parent's rusage would count the forked copy of this process before exec as well.
CHILD = """
import atexit, sys
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            print("peak-kb", line.split()[1], file=sys.stderr)
atexit.register(_peak)
sys.argv = ["koers", *sys.argv[1:]]
from koers.cli import main
main()
"""


EXCLUSIVE: list[str] = []  # ["--exclusive"]: a load that may lock its tables


def koers_import(path: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak resident MB, last line of output) of `koers import orders FILE`."""
    command = [sys.executable, "-c", CHILD, "import", "orders", str(path), *EXCLUSIVE]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        status = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read().strip()
    if status != 0:
        raise SystemExit(f"import failed:\n{text[-3000:]}")
    lines = text.splitlines()
    peak = next(int(line.split()[1]) for line in lines if line.startswith("peak-kb"))
    said = [line for line in lines if line.startswith(("Imported", "Would"))]
    return seconds, peak / 1024, said[-1] if said else lines[-1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--memory-rows", type=int, default=10_000_000)
    parser.add_argument(
        "--exclusive",
        action="store_true",
        help="import with --exclusive (indexes dropped and rebuilt; readers wait)",
    )
    args = parser.parse_args()
    if args.exclusive:
        EXCLUSIVE.append("--exclusive")
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    fresh_database(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "koers.settings",
        "KOERS_IMPORT_MAX_MB": "4000",
    }
    os.environ.update(env)
    import django

    django.setup()
    import io

    from django.core.management import call_command

    from koers.org.models import Person
    from koers.sales.models import Account, Product

    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0, stdout=io.StringIO())
    refs = (
        list(
            Account.objects.filter(lifecycle__in=["loyal", "new"]).values_list(
                "external_id", flat=True
            )
        ),
        list(Product.objects.values_list("external_id", flat=True)),
        list(Person.objects.filter(role="salesperson").values_list("external_id", flat=True)),
    )
    from django.db import connections

    connections.close_all()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        write_csv(path, args.rows, refs)
        size = path.stat().st_size / 1e6
        print(f"file: {args.rows:,} order lines, {size:.0f} MB")
        copy_seconds = raw_copy(url, path)
        print(f"raw COPY into a text table: {copy_seconds:.1f} s")
        seconds, peak, last = koers_import(path, env)
        print(f"koers import orders: {seconds:.1f} s, peak memory {peak:.0f} MB ({last})")
        print(f"ratio to COPY: {seconds / copy_seconds:.1f}x")
        again, peak_again, last = koers_import(path, env)
        print(f"the same file again: {again:.1f} s, peak memory {peak_again:.0f} MB ({last})")
        path.unlink()
        if args.memory_rows:
            big = Path(folder) / "orders-big.csv"
            write_csv(big, args.memory_rows, refs, first=100_000_000)  # new lines
            print(f"file: {args.memory_rows:,} order lines, {big.stat().st_size / 1e6:.0f} MB")
            seconds, peak, last = koers_import(big, env)
            print(f"koers import orders: {seconds:.1f} s, peak memory {peak:.0f} MB ({last})")
            big.unlink()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    sys.exit(main())
