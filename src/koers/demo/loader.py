"""Writes the generated demo into the database in one transaction."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.db import transaction

from koers.core.bulk import bulk_insert, reset_sequences
from koers.demo.generate import generate
from koers.org.models import Person

DEMO_PASSWORD = "demo"


def database_has_data() -> bool:
    return Person.objects.exists()


def load_demo(
    *,
    today: dt.date,
    scale: int = 1,
    seed: int = 2026,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, int]:
    """Generate and write the demo; returns the row count per table. All or nothing."""
    started = time.perf_counter()
    # One hash for every demo login: hashing thousands of passwords would take minutes.
    frames = generate(today, scale, seed, password_hash=make_password(DEMO_PASSWORD))
    progress(f"generated in {time.perf_counter() - started:.1f} s")
    counts: dict[str, int] = {}
    with transaction.atomic():
        for table, frame in frames.items():
            counts[table] = bulk_insert(table, frame, rebuild_indexes=frame.height > 50_000)
            progress(f"{table}: {counts[table]:,} rows ({time.perf_counter() - started:.1f} s)")
        reset_sequences(*frames)
    return counts
