"""`koers calculate YYYY-MM [--approve] [--lock] [--payroll FILE]`: a month's calculation
run from the command line (for a scheduler), with its totals."""

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum

from koers.reward.models import CalcRun
from koers.reward.services import run_advance, run_month
from koers.reward.services.payouts import payroll_csv


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as error:
        raise CommandError(f"{text!r} is not a month (YYYY-MM)") from error


class Command(BaseCommand):
    help = "Calculate a month's incentives; optionally approve, lock and write the payroll file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("month", type=_month, help="the month, YYYY-MM")
        parser.add_argument("--approve", action="store_true", help="approve it afterwards")
        parser.add_argument("--lock", action="store_true", help="approve and lock it (paid)")
        parser.add_argument("--payroll", type=Path, help="write the payroll CSV to this file")

    def handle(self, *args, **options) -> None:
        month = options["month"]
        try:
            run = CalcRun.objects.filter(month=month).first()
            if run is None or run.status == CalcRun.Status.OPEN:
                run = run_month(month, by=None)
            steps = 2 if options["lock"] else 1 if options["approve"] else 0
            while steps and run.status != CalcRun.Status.LOCKED:
                # the flags are the confirmation a scheduler gives
                run = run_advance(run, by=None, expected=run.status, confirmed=True)
                steps -= 1
            if options["payroll"]:
                options["payroll"].write_text(payroll_csv(run), encoding="utf-8")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        totals = run.payouts.aggregate(paid=Sum("paid"))
        self.stdout.write(
            f"{run.month:%Y-%m} {run.status}: {run.lines.count():,} payout lines, "
            f"{run.payouts.count():,} people, {totals['paid'] or 0:.2f} to payroll."
        )
