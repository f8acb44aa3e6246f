"""Money: exact decimal arithmetic and the one rounding rule Koers uses.

Rounding rule: amounts are rounded to whole cents, half away from zero
(ROUND_HALF_UP on the absolute value), as Dutch and Belgian payroll and
invoicing do: 0.005 -> 0.01 and -0.005 -> -0.01. Nothing else in Koers rounds
money; every other computation keeps full Decimal precision until it calls
``quantize_money``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# ISO 4217 codes Koers accepts: the currencies of Europe and of the trading
# partners a Benelux sales organisation deals with.
CURRENCIES: frozenset[str] = frozenset(
    {
        "EUR",
        "USD",
        "GBP",
        "CHF",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "RON",
        "BGN",
        "ISK",
        "TRY",
        "JPY",
        "CNY",
        "HKD",
        "SGD",
        "MYR",
        "INR",
        "AUD",
        "NZD",
        "CAD",
        "MXN",
        "BRL",
        "ZAR",
        "AED",
        "SAR",
        "ILS",
        "KRW",
    }
)


def quantize_money(value: Decimal | int | str) -> Decimal:
    """Round an amount to cents, half away from zero.

    ``value`` is a Decimal (or an int or str that converts exactly); floats
    are refused because they cannot represent cents exactly.
    """
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal or a string")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def is_known_currency(code: str) -> bool:
    """True when ``code`` is an upper-case ISO 4217 code Koers accepts."""
    return code in CURRENCIES
