"""Setting up a new installation (``koers.org.setup`` reads what was chosen): the
organisation's name, reporting currency, fiscal year, language and revenue statuses."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from koers.org.setup import KEY, NEW_KEY


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
    from koers.sales.currency import BASIS_KEY, basis_changed
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
    cache.delete_many([KEY, NEW_KEY])
    basis_changed()
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
