"""A new installation asks its first administrator five things before the first import: the
organisation's name, the reporting currency, the month the fiscal year starts, the language
and which order statuses count as revenue (``Organisation``). Every figure then reads them
here; until they are set, the deployment's settings hold.

An installation is *new* while it has no ``Organisation`` and no people: the web app then
leads an administrator to the setup page (``koers.ui.setup_page``); ``koers setup`` does the
same on the command line. An installation that already holds data is never stopped.
Setting up (and the currency switch's change of the currency) is ``koers.org.onboarding``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

KEY = "koers:organisation"
NEW_KEY = "koers:new-installation"
NONE = "-"


@dataclass(frozen=True)
class Chosen:
    name: str
    currency: str
    fiscal_month: int
    language: str
    statuses: tuple[str, ...]


def chosen() -> Chosen | None:
    """The organisation's settings, once set up (cached; cleared when they change)."""
    value = cache.get(KEY)
    if value is None:
        from koers.org.models import Organisation

        row = Organisation.objects.first()
        value = (
            Chosen(
                row.name,
                row.reporting_currency,
                row.fiscal_year_start_month,
                row.language,
                tuple(row.revenue_statuses),
            )
            if row
            else NONE
        )
        cache.set(KEY, value, None)
    return None if value == NONE else value


def fiscal_start_month() -> int:
    """The month (1–12) the fiscal year starts in."""
    found = chosen()
    return found.fiscal_month if found else int(settings.KOERS_FISCAL_YEAR_START_MONTH)


def currency_setting() -> str:
    found = chosen()
    return found.currency if found else str(settings.KOERS_REPORTING_CURRENCY or "EUR").upper()


def revenue_statuses() -> list[str]:
    found = chosen()
    return list(found.statuses) if found else list(settings.KOERS_REVENUE_STATUSES)


def language() -> str | None:
    found = chosen()
    return found.language if found else None


def is_new() -> bool:
    """No organisation set up and no one in it yet: the setup comes first."""
    if cache.get(NEW_KEY) is False:
        return False
    from koers.org.models import Organisation, Person

    new = not Organisation.objects.exists() and not Person.objects.exists()
    if not new:
        cache.set(NEW_KEY, False, None)
    return new
