"""A new installation asks its first administrator five things before the first import: the
organisation's name, the reporting currency, the month the fiscal year starts, the language
and which order statuses count as revenue (``Organisation``). Every figure then reads them
here; until they are set, the deployment's settings hold.

An installation is *new* while it has no ``Organisation`` and no people: the web app then
leads an administrator to the setup page (``koers.ui.setup_page``); ``koers setup`` does the
same on the command line. An installation that already holds data is never stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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


def statuses_known() -> list[tuple[str, str]]:
    from koers.sales.models import OrderLine

    return [(s.value, s.label) for s in OrderLine.Status if s != OrderLine.Status.CANCELLED]


@transaction.atomic
def set_up(
    *,
    name: str,
    currency: str,
    fiscal_month: int,
    language: str,
    statuses: list[str],
    by: Any,
) -> Any:
    """Keep the organisation's settings (first time or again); ValidationError names what is
    wrong and changes nothing. The top unit carries the organisation's name. The reporting
    currency can be chosen freely while nothing is stored in money; after that
    ``koers currency-switch`` converts every amount."""
    from koers.imports.gaps import company_unit
    from koers.org.models import Organisation
    from koers.org.visibility import Role, role_of
    from koers.sales.currency import BASIS_KEY
    from koers.sales.models import CurrencyBasis

    if by is not None and role_of(by) != Role.ADMIN:
        raise ValidationError(_("Only an administrator sets up the organisation."))
    problems = []
    name, currency = name.strip(), currency.strip().upper()
    if not name:
        problems.append(_("Give the organisation's name."))
    import pycountry

    if pycountry.currencies.get(alpha_3=currency) is None:
        problems.append(
            _("“%(code)s” is not a currency code (EUR, USD, GBP …).") % {"code": currency}
        )
    if not 1 <= int(fiscal_month) <= 12:
        problems.append(_("The fiscal year starts in a month from 1 to 12."))
    if language not in dict(settings.LANGUAGES):
        problems.append(_("Choose English or Dutch."))
    known = {value for value, _label in statuses_known()}
    if not statuses or set(statuses) - known:
        problems.append(
            _("Choose the order statuses that count as revenue: %(known)s.")
            % {"known": ", ".join(sorted(known))}
        )
    basis = CurrencyBasis.objects.values_list("currency", flat=True).first()
    if not problems and basis and basis != currency and _amounts_stored():
        problems.append(
            _(
                "Amounts are stored in %(basis)s already: “koers currency-switch --to "
                "%(currency)s” changes the reporting currency and converts every amount."
            )
            % {"basis": basis, "currency": currency}
        )
    if problems:
        raise ValidationError(problems)
    organisation = Organisation.objects.first() or Organisation()
    organisation.name, organisation.reporting_currency = name, currency
    organisation.fiscal_year_start_month, organisation.language = int(fiscal_month), language
    organisation.revenue_statuses = sorted(statuses)
    organisation.set_up_by = by if getattr(by, "pk", None) else None
    organisation.save()
    CurrencyBasis.objects.all().delete()
    CurrencyBasis.objects.create(currency=currency)
    top = company_unit()
    if top.name != name:
        top.name = name
        top.save(update_fields=["name"])
    # now, for what runs later in this transaction, and again at the commit, for what another
    # process read in between
    cache.delete_many([KEY, NEW_KEY, BASIS_KEY])
    transaction.on_commit(lambda: cache.delete_many([KEY, NEW_KEY, BASIS_KEY]))
    return organisation


def _amounts_stored() -> bool:
    from koers.org.models import Person
    from koers.sales.models import Opportunity, OrderLine

    return (
        OrderLine.objects.exists()
        or Opportunity.objects.exists()
        or Person.objects.filter(base_salary__gt=0).exists()
    )


def currency_chosen(currency: str) -> None:
    """``koers currency-switch --to``: the organisation's reporting currency becomes
    ``currency`` (inside the switch's transaction, so a refused switch keeps the old one)."""
    from koers.org.models import Organisation

    Organisation.objects.update(reporting_currency=currency.upper())
    cache.delete(KEY)
    transaction.on_commit(lambda: cache.delete(KEY))
