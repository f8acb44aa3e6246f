"""`koers setup`: the organisation's name, reporting currency, fiscal-year start, language
and revenue statuses, as the setup page asks them; without options it shows them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from koers.org import onboarding, setup


class Command(BaseCommand):
    help = "Set up the organisation (or show its settings): name, currency, fiscal year, language."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help="the organisation's name")
        parser.add_argument("--currency", help="the reporting currency (EUR, USD, GBP …)")
        parser.add_argument(
            "--fiscal-year-start", type=int, help="the month the fiscal year starts in (1-12)"
        )
        parser.add_argument("--language", choices=["en", "nl"], help="the default language")
        parser.add_argument(
            "--revenue-statuses",
            help="order statuses that count as revenue, comma-separated "
            "(ordered, shipped, invoiced, paid, …)",
        )

    def handle(self, *args, **options) -> None:
        current = setup.chosen()
        asked = ("name", "currency", "fiscal_year_start", "language", "revenue_statuses")
        if any(options[o] is not None for o in asked):
            statuses = options["revenue_statuses"]
            try:
                onboarding.set_up(
                    name=options["name"] or (current.name if current else ""),
                    currency=options["currency"] or setup.currency_setting(),
                    fiscal_month=options["fiscal_year_start"] or setup.fiscal_start_month(),
                    language=options["language"] or (current.language if current else "nl"),
                    statuses=[s.strip() for s in statuses.split(",") if s.strip()]
                    if statuses
                    else setup.revenue_statuses(),
                    by=None,
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            current = setup.chosen()
        if current is None:
            self.stdout.write("Not set up yet: koers setup --name NAME --currency EUR …")
            return
        self.stdout.write(
            f"{current.name}: {current.currency}, fiscal year from month "
            f"{current.fiscal_month}, language {current.language}, revenue: "
            f"{', '.join(current.statuses)}"
        )
