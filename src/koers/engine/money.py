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


def to_cents(value: Decimal | int | str | None) -> int:
    """An amount as whole cents, rounded by ``quantize_money``'s rule (None is 0)."""
    return int(quantize_money(value or 0) * 100)


def from_cents(cents: int) -> Decimal:
    """Whole cents as an amount: 12345 -> Decimal("123.45")."""
    return Decimal(cents) / 100


def is_known_currency(code: str) -> bool:
    """True when ``code`` is an upper-case ISO 4217 code Koers accepts."""
    return code in CURRENCIES


def cents_from_decimal_text(expr):  # type: ignore[no-untyped-def]
    """Polars expression: canonical decimal text ("-12.345") to integer cents, rounded by
    the same rule as ``quantize_money`` (half away from zero), without floats.

    Only the third decimal decides: a digit of 5 or more rounds the magnitude up, since
    anything after it can only add to the remainder. The input must already match
    ``-?\\d+(\\.\\d+)?``.
    """
    import polars as pl

    negative = expr.str.starts_with("-")
    magnitude = expr.str.strip_chars_start("-")
    parts = magnitude.str.split_exact(".", 1)
    whole = parts.struct.field("field_0").cast(pl.Int64)
    fraction = (parts.struct.field("field_1").fill_null("") + "000").str.slice(0, 3)
    cents = (
        whole * 100
        + fraction.str.slice(0, 2).cast(pl.Int64)
        + (fraction.str.slice(2, 1).cast(pl.Int64) >= 5).cast(pl.Int64)
    )
    return pl.when(negative).then(-cents).otherwise(cents)


def cents_to_text(expr):  # type: ignore[no-untyped-def]
    """Polars expression: integer cents to exact decimal text ("-12.05")."""
    import polars as pl

    sign = pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.format(
        "{}{}.{}", sign, expr.abs() // 100, (expr.abs() % 100).cast(pl.Utf8).str.zfill(2)
    )


def shown(value: Decimal | int | float | str, places: int = 0) -> Decimal:
    """A figure rounded for display to ``places`` decimals, half away from zero: the same
    rule as :func:`quantize_money` (68,792.5 shows as 68,793; € 0.99 as € 1), never
    Python's round-half-even nor a cut-off. A float is read by its shortest repr."""
    exponent = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)
