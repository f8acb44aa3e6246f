"""Benchmark: import a 1,000,000-row order-lines CSV into PostgreSQL.

    python bench/import_orders.py [--rows 1000000] [--baseline-rows 5000]

Creates a fresh database (koers_bench on 127.0.0.1:5432, or BENCH_DATABASE_URL), loads the
demo organisation, writes a CSV in Dutch format (semicolons, 1.234,56, dd-mm-yyyy) that
refers to the demo's accounts, products and people, and imports it with Koers's import
engine. As a baseline measured in the same run, a straightforward row-by-row import
(csv reader, one Django object per row, bulk_create) handles a sample of the same file;
the report gives both rates and their ratio.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import sys
import time
from decimal import Decimal

import numpy as np
import polars as pl
import psycopg

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/koers_bench"


def fresh_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def make_csv(rows: int, accounts: list[str], products: list[str], people: list[str]) -> bytes:
    rng = np.random.default_rng(1)
    cents = rng.integers(500, 2_500_000, rows)
    days = rng.integers(0, 700, rows)
    dates = (np.datetime64("2025-01-01") + days.astype("timedelta64[D]")).astype("datetime64[D]")
    frame = pl.DataFrame(
        {
            "external_id": [f"BENCH-{i:08d}" for i in range(rows)],
            "order_number": [f"SO-B{i // 3:07d}" for i in range(rows)],
            "order_date": pl.Series(dates).dt.strftime("%d-%m-%Y"),
            "account": np.array(accounts)[rng.integers(0, len(accounts), rows)],
            "product": np.array(products)[rng.integers(0, len(products), rows)],
            "quantity": rng.integers(1, 50, rows).astype(str),
            "amount": [f"{c // 100:,}".replace(",", ".") + f",{c % 100:02d}" for c in cents],
            "cost": [f"{(c * 7 // 10) // 100},{(c * 7 // 10) % 100:02d}" for c in cents],
            "credited_to": np.array(people)[rng.integers(0, len(people), rows)],
        }
    )
    buffer = io.BytesIO()
    frame.write_csv(buffer, separator=";")
    return buffer.getvalue()


def baseline(raw: bytes, rows: int) -> float:
    """Rows per second of a straightforward import: parse each row in Python, look up
    its references, build one model object per row, bulk_create in batches."""
    from django.db import transaction

    from koers.org.models import Person
    from koers.sales.models import Account, OrderLine, OrderLineCredit, Product

    reader = csv.DictReader(io.StringIO(raw.decode()), delimiter=";")
    sample = [row for _i, row in zip(range(rows), reader, strict=False)]
    started = time.perf_counter()
    with transaction.atomic():
        lines, credits = [], []
        for row in sample:
            line = OrderLine(
                external_id="BASE-" + row["external_id"],
                order_number=row["order_number"],
                order_date=dt.datetime.strptime(row["order_date"], "%d-%m-%Y").date(),
                account=Account.objects.get(external_id=row["account"]),
                product=Product.objects.get(external_id=row["product"]),
                quantity=Decimal(row["quantity"]),
                amount=Decimal(row["amount"].replace(".", "").replace(",", ".")),
                cost=Decimal(row["cost"].replace(".", "").replace(",", ".")),
                currency="EUR",
            )
            lines.append(line)
            credits.append(Person.objects.get(external_id=row["credited_to"]))
        OrderLine.objects.bulk_create(lines, batch_size=2000)
        OrderLineCredit.objects.bulk_create(
            [
                OrderLineCredit(line=ln, person=p, percent=Decimal("100"))
                for ln, p in zip(lines, credits, strict=True)
            ],
            batch_size=2000,
        )
        transaction.set_rollback(True)
    return rows / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=5_000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    fresh_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koers.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from koers.imports.services import import_file
    from koers.org.models import Person
    from koers.sales.models import Account, OrderLine, Product

    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0, stdout=io.StringIO())
    accounts = list(
        Account.objects.filter(lifecycle__in=["loyal", "new"]).values_list("external_id", flat=True)
    )
    products = list(Product.objects.values_list("external_id", flat=True))
    people = list(Person.objects.filter(role="salesperson").values_list("external_id", flat=True))
    started = time.perf_counter()
    raw = make_csv(args.rows, accounts, products, people)
    print(
        f"file: {args.rows:,} rows, {len(raw) / 1e6:.0f} MB, written in "
        f"{time.perf_counter() - started:.1f} s"
    )
    before = OrderLine.objects.count()
    started = time.perf_counter()
    outcome = import_file(kind="orders", raw=raw, filename="bench.csv", by=None)
    seconds = time.perf_counter() - started
    run = outcome.run
    assert run.status == "committed" and run.created == args.rows, run.errors[:5]
    assert OrderLine.objects.count() == before + args.rows
    rate = args.rows / seconds
    base = baseline(raw, args.baseline_rows)
    print(f"Koers import: {args.rows:,} rows in {seconds:.1f} s = {rate:,.0f} rows/s")
    print(f"row-by-row baseline ({args.baseline_rows:,} rows): {base:,.0f} rows/s")
    print(f"ratio: {rate / base:.0f}x")
    started = time.perf_counter()
    again = import_file(kind="orders", raw=raw, filename="bench.csv", by=None).run
    print(
        f"same file again: {again.unchanged:,} unchanged, {again.created} new, "
        f"{again.updated} updated in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    sys.exit(main())
