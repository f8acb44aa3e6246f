"""Benchmark: the work an uploaded spreadsheet costs, per MB uploaded, against the budget
(``koers.imports.xlsx``: 5 s of CPU per MB, memory within ``memory_budget``).

    python bench/upload_budget.py [--rows 200000]

Each file is read in its own process (``read_table``, as the wizard, the API and a round's
upload do), measuring CPU seconds and the growth of peak memory: the four spreadsheet bombs
that exhausted a server (shared-string bomb, one huge inline cell, 1 M identical rows,
10 M empty rows) and a real export (``--rows`` order lines of nine columns, written by
openpyxl). The real export is also read the way it was before, row by row with openpyxl in
read-only mode, measured in the same run: the ratio is the speed-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, "src")
sys.path.insert(0, ".")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koers.settings")


def _export(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["order", "line", "date", "account", "product", "rep", "qty", "amount", "cur"])
    pick = random.Random(1)
    for i in range(rows):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=pick.randrange(300))
        sheet.append(
            [
                f"SO-{100000 + i // 3}",
                i % 3 + 1,
                day,
                f"ACC-{pick.randrange(5000):05d}",
                f"P-{pick.randrange(300):04d}",
                pick.choice(["ruud", "rosa", "rik", "mia"]),
                pick.randrange(1, 50),
                round(pick.uniform(10, 10000), 2),
                "EUR",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _measure(path: str, how: str) -> dict:
    """Read ``path`` in this process: CPU seconds, peak memory growth, the outcome."""
    import django

    django.setup()
    raw = Path(path).read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    try:
        if how == "openpyxl":
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            outcome = f"read {sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))} rows"
        else:
            from koers.imports.reader import ImportFileError, read_table

            try:
                frame, _format = read_table(raw, "upload.xlsx")
                outcome = f"read {frame.height:,} rows"
            except ImportFileError as error:
                outcome = "refused: " + str(error)[:60]
    finally:
        cpu = time.process_time() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return {"cpu": cpu, "mb": grown, "outcome": outcome, "size": len(raw)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(*args.measure)))
        return
    from tests.imports.test_upload_budget import BOMBS

    files = {name: build() for name, build in BOMBS.items()}
    files[f"real export, {args.rows:,} rows"] = _export(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'file':<28} {'size':>9} {'CPU s':>7} {'s/MB':>6} {'+MB':>6}  outcome")
        results = {}
        for name, raw in files.items():
            path = Path(folder) / "f.xlsx"
            path.write_bytes(raw)
            for how in ["koers"] + (["openpyxl"] if name.startswith("real") else []):
                answer = subprocess.run(
                    [sys.executable, __file__, "--measure", str(path), how],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                result = json.loads(answer.stdout.strip().splitlines()[-1])
                results[(name, how)] = result
                mb = result["size"] / 1024 / 1024
                label = name if how == "koers" else "  … row by row (openpyxl)"
                print(
                    f"{label:<28} {result['size'] // 1024:>6} KB {result['cpu']:>7.2f} "
                    f"{result['cpu'] / mb:>6.2f} {result['mb']:>6.0f}  {result['outcome']}"
                )
        real = [k for k in results if k[0].startswith("real")]
        ratio = results[(real[0][0], "openpyxl")]["cpu"] / results[(real[0][0], "koers")]["cpu"]
        print(f"speed-up on the real export: {ratio:.1f}x")


if __name__ == "__main__":
    main()
