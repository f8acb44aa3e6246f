"""`koers currency-switch [--check]`: convert every stored amount to the configured reporting
currency (KOERS_REPORTING_CURRENCY), all or nothing; pay already approved stays as it was.
``--check`` says what would be converted, or what is missing, and changes nothing."""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from koers.org.onboarding import currency_chosen
from koers.org.setup import KEY as ORGANISATION_KEY
from koers.sales.currency import BASIS_KEY, configured_currency
from koers.sales.currency_switch import switch_currency


class _Check(Exception):
    """Leaves the switch's transaction so that it is rolled back."""


class Command(BaseCommand):
    help = "Convert every stored amount to the configured reporting currency."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="show what would change; change nothing"
        )
        parser.add_argument(
            "--to",
            default="",
            help="the new reporting currency, when the organisation was set up in Koers",
        )

    def handle(self, *args, **options) -> None:
        switch = None
        try:
            with transaction.atomic():
                if options["to"]:
                    currency_chosen(options["to"])
                switch = switch_currency(configured_currency(), by=None)
                if options["check"]:
                    raise _Check
        except ValidationError as error:
            cache.delete_many([BASIS_KEY, ORGANISATION_KEY])  # as they were
            raise CommandError(" ".join(error.messages)) from error
        except _Check:
            cache.delete_many([BASIS_KEY, ORGANISATION_KEY])  # still the old ones
            self.stdout.write("Check only: nothing was changed.")
        assert switch is not None
        self.stdout.write(
            f"{switch.from_currency} → {switch.to_currency} from {switch.effective:%Y-%m-%d} "
            f"at {switch.rate} {switch.to_currency} per {switch.from_currency}:"
        )
        for what, count in switch.summary.items():
            self.stdout.write(f"  {what}: {count:,}")
