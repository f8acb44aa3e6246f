"""`koers refresh-kpis [--months N]`: recompute the KPI facts of the last N months."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from koers.engine.periods import add_months
from koers.measure.services import kpi_facts_refresh


class Command(BaseCommand):
    help = "Recompute the KPI facts from the sales data."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--months", type=int, default=25)
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, **options) -> None:
        today = options["today"] or timezone.localdate()
        start = add_months(today, -(options["months"] - 1))
        count = kpi_facts_refresh(start=start, end=today)
        self.stdout.write(f"{count:,} KPI facts from {start:%Y-%m} to {today:%Y-%m}.")
