"""`koers demo`: load the demo organisation (Van Dijk Techniek)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from koers.demo.loader import database_has_data, load_demo


class Command(BaseCommand):
    help = "Load the demo organisation: a Benelux technical wholesaler, 24 months of history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="multiply the volume (teams, people, accounts, history)",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--force", action="store_true", help="load the demo even with DEBUG off"
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="last day of history, YYYY-MM-DD (default: today)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already holds an organisation",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "The demo creates logins with the password 'demo', one of them an "
                "administrator: it is refused with DEBUG off. Add --force to load it anyway."
            )
        if database_has_data():
            if options["if_empty"]:
                self.stdout.write("The database already holds an organisation; demo not loaded.")
                return
            raise CommandError(
                "The database already holds an organisation. "
                "Use an empty database (make demo-reset) for the demo."
            )
        if options["scale"] < 1:
            raise CommandError("--scale must be 1 or more")
        today = options["today"] or timezone.localdate()
        counts = load_demo(
            today=today,
            scale=options["scale"],
            seed=options["seed"],
            progress=lambda m: self.stdout.write(f"  {m}"),
        )
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {total:,} rows up to {today}."))
