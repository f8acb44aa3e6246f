"""`koers forecast fit|snapshot|backtest|accuracy`: the nightly fit, a frozen snapshot, a
rolling-origin backtest with its report, and the accuracy of the snapshots so far."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from koers.forecast import selectors, services


def _table(frame: pl.DataFrame) -> str:
    """A Markdown table of an accuracy frame."""
    if frame.is_empty():
        return "(nothing to measure yet)\n"
    columns = frame.columns
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame.iter_rows():
        cells = [f"{v:.2f}" if isinstance(v, float) else ("" if v is None else str(v)) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Forecasts: fit, snapshot, backtest or accuracy."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["fit", "snapshot", "backtest", "accuracy"])
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--jobs", type=int, default=1, help="processes for a fit")
        parser.add_argument("--origins", type=int, default=6, help="backtest: origins")
        parser.add_argument("--ahead", type=int, default=3, help="backtest: months ahead")
        parser.add_argument(
            "--report", type=Path, default=None, help="backtest: write the report here (Markdown)"
        )

    def handle(self, *args, **options) -> None:
        today = options["today"] or timezone.localdate()
        action = options["action"]
        if action in ("fit", "snapshot"):
            if action == "fit":
                run = services.fit(today=today, n_jobs=options["jobs"])
            else:
                run = services.snapshot(today=today)
            self.stdout.write(
                f"{run.get_kind_display()}: {run.series:,} series from {run.as_of:%Y-%m}, "
                f"{run.horizon} months ahead, in {run.seconds:.1f} s."
            )
            return
        if action == "backtest":
            run = services.backtest(
                today=today, origins=options["origins"], months_ahead=options["ahead"]
            )
            report = (
                f"# Backtest of the forecasts\n\n{run.series:,} series, {options['origins']} "
                f"origins from {run.as_of:%Y-%m}, {run.horizon} months ahead, each fitted on "
                f"the months before its origin only ({run.seconds:.1f} s).\n\n"
                "## Revenue, per method\n\n"
                + _table(selectors.backtest_accuracy())
                + "\n## Volume, per method\n\n"
                + _table(selectors.backtest_accuracy(kpi="volume"))
            )
        else:
            report = "# Accuracy of the snapshots\n\n" + _table(selectors.snapshot_accuracy(today))
        if options.get("report"):
            options["report"].write_text(report, encoding="utf-8")
            self.stdout.write(f"Report written to {options['report']}.")
        self.stdout.write(report)
