"""Amounts in the reporting currency (``KOERS_REPORTING_CURRENCY``).

An order line or opportunity keeps the amount and currency it was recorded in, and beside
them its amount in the reporting currency at the exchange rate valid on its date (the
latest rate dated on or before it; for an order line its order date, for an opportunity the
day it was created). Every figure (KPI facts, pipeline, credits and payouts, exports of
figures) adds these, never amounts in different currencies. A rate that is missing is an
error naming the currency and the date, never a silent 1.0. Conversions round to the cent,
half away from zero."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from koers.core.request_memo import forget, once_per_request
from koers.engine.money import quantize_money

# table → (date column, the amount columns converted into their reporting_* columns)
CONVERTED = {
    "sales_orderline": ("order_date", ("amount", "cost")),
    "sales_opportunity": ("created_on", ("amount",)),
}


BASIS_KEY = "koers:currency-basis"


def configured_currency() -> str:
    """The reporting currency asked for: the organisation's (``koers.org.setup``), or
    before it was set up the deployment's setting (``KOERS_REPORTING_CURRENCY``)."""
    from koers.org.setup import currency_setting

    return currency_setting()


def reporting_currency() -> str:
    """The currency every stored figure is in (``sales.CurrencyBasis``): the configured
    one, unless the setting changed after the amounts were stored. Then it stays the old
    one, so no amount is ever shown or paid under another currency's name, and
    :func:`check_currency_basis` stops calculations and imports until the two agree.
    Read once per request (a page's every amount asks for it)."""
    return once_per_request(BASIS_KEY, _stored_basis)


def _stored_basis() -> str:
    basis = cache.get(BASIS_KEY)
    if basis is None:
        from koers.sales.models.currencies import CurrencyBasis

        basis = CurrencyBasis.objects.values_list("currency", flat=True).first()
        basis = str(basis or configured_currency()).upper()
        cache.set(BASIS_KEY, basis, None)
    return str(basis)


def basis_changed(currency: str | None = None) -> None:
    """The currency the stored figures are in is now ``currency``, or is to be read again
    from the database (None): for every process (the shared cache) and for the rest of
    this request (:func:`reporting_currency` reads it once per request)."""
    if currency is None:
        cache.delete(BASIS_KEY)
    else:
        cache.set(BASIS_KEY, currency, None)
    forget(BASIS_KEY)


def check_currency_basis() -> None:
    """Refuse (ValidationError) while the configured reporting currency differs from the
    currency the stored amounts, targets and pay are in."""
    basis, configured = reporting_currency(), configured_currency()
    if basis != configured:
        raise ValidationError(
            _(
                "Every stored amount, target and payout is in %(basis)s, but the reporting "
                "currency is set to %(configured)s: nothing is calculated or imported until "
                "the two agree. Run “koers currency-switch” to convert every amount to "
                "%(configured)s (pay already approved stays as it was), or set "
                "KOERS_REPORTING_CURRENCY back to %(basis)s."
            )
            % {"basis": basis, "configured": configured}
        )


def rate_on(currency: str, day: dt.date) -> Decimal | None:
    """Reporting-currency units for one unit of ``currency`` on ``day`` (None: no rate)."""
    from koers.sales.models.currencies import ExchangeRate

    if currency.upper() == reporting_currency():
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(currency=currency, date__lte=day)
        .order_by("-date")
        .values_list("rate", flat=True)
        .first()
    )


def converted(amount: Decimal | None, currency: str, day: dt.date) -> Decimal | None:
    """``amount`` in the reporting currency, or None when no rate is known."""
    if amount is None:
        return None
    rate = rate_on(currency, day)
    return None if rate is None else quantize_money(Decimal(amount) * rate)


def missing_rate_message(currency: str, day: dt.date) -> str:
    return _(
        "No exchange rate for %(currency)s on or before %(date)s: add one (Plan → exchange "
        "rates, or an exchange-rates import) to convert to %(reporting)s."
    ) % {"currency": currency, "date": day.isoformat(), "reporting": reporting_currency()}


def convert_table(
    table: str,
    currency: str | None = None,
    since: dt.date | None = None,
    ids: list[int] | None = None,
    unconverted: bool = False,
    reporting: str | None = None,
) -> int:
    """Set-based: fill the reporting amounts of ``table``'s rows (all; or those in
    ``currency`` dated on or after ``since``; or with the ``ids``, or not yet converted)
    from the rates; returns rows updated."""
    date, columns = CONVERTED[table]
    rate = (
        f"(SELECT r.rate FROM sales_exchangerate r WHERE r.currency = {table}.currency "
        f"AND r.date <= {table}.{date} ORDER BY r.date DESC LIMIT 1)"
    )
    # half away from zero to the cent, like quantize_money, on SQLite and PostgreSQL
    sets = ", ".join(
        f"reporting_{c} = CASE WHEN {c} IS NULL THEN NULL WHEN currency = %s THEN {c} "
        f"ELSE ROUND(CAST({c} AS NUMERIC) * {rate}, 2) END"
        for c in columns
    )
    where, params = [], [reporting or reporting_currency()] * len(columns)
    if currency:
        where.append("currency = %s")
        params.append(currency)
    if since:
        where.append(f"{date} >= %s")
        params.append(since.isoformat())
    if ids is not None or unconverted:
        chosen = [f"reporting_{columns[0]} IS NULL"] if unconverted else []
        if ids:
            chosen.append("id IN (" + ", ".join(str(int(i)) for i in ids) + ")")
        where.append("(" + " OR ".join(chosen or ["1 = 0"]) + ")")
    sql = f"UPDATE {table} SET {sets}" + (" WHERE " + " AND ".join(where) if where else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def missing_rates(table: str, limit: int = 20) -> list[tuple[str, dt.date, int]]:
    """(currency, first date, rows) of ``table``'s rows that have no rate to convert."""
    date, columns = CONVERTED[table]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT currency, MIN({date}), COUNT(*) FROM {table} "
            f"WHERE reporting_{columns[0]} IS NULL AND {columns[0]} IS NOT NULL "
            f"GROUP BY currency ORDER BY currency LIMIT {int(limit)}"
        )
        rows = cursor.fetchall()
    return [
        (c, d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10]), n)
        for c, d, n in rows
    ]
