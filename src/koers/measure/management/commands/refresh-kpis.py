"""`koers refresh-kpis [--months N]`: recompute the KPI facts of every month that has
data (or of the last N months) and say which months that was."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from koers.engine.periods import add_months, month_start
from koers.measure.services import first_data_day, kpi_facts_refresh


class Command(BaseCommand):
    help = "Recompute the KPI facts from the sales data: every month that has data."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--months", type=int, default=None, help="only the last N months (default: all)"
        )
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, **options) -> None:
        today = options["today"] or timezone.localdate()
        if options["months"]:
            start = add_months(month_start(today), -(options["months"] - 1))
        else:
            start = month_start(min(first_data_day() or today, today))
        count = kpi_facts_refresh(start=start, end=today)
        self.stdout.write(f"{count:,} KPI facts for the months {start:%Y-%m} to {today:%Y-%m}.")
