"""Formatting for Koers pages: money, percentages, KPI values, dates and the glossary
(``{% load koers %}``; the record tables' cells are ``{% load records %}``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.html import format_html, format_html_join

from koers.engine.money import shown

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "SEK": "kr"}


def symbol(currency: str | None = None) -> str:
    """The currency's symbol; the reporting currency's when none is named."""
    from koers.sales.currency import reporting_currency

    code = (currency or reporting_currency()).upper()
    return SYMBOLS.get(code, code)


@register.simple_tag
def currency_symbol() -> str:
    """The reporting currency's symbol, for the charts."""
    return symbol()


@register.filter
def money(value: Any, currency: str | None = None) -> str:
    """€ 1.234,56 in Dutch, € 1,234.56 in English (in the reporting currency unless
    another is named); "–" for no value."""
    if value is None or value == "":
        return "–"
    number = formats.number_format(Decimal(value), 2, use_l10n=True, force_grouping=True)
    return f"{symbol(currency)} {number}"


@register.filter
def quantity(value: Any) -> str:
    """Thousandths of a unit as a quantity in the reader's format: 1200 → 1.2 (1,2)."""
    from decimal import Decimal

    from django.utils.formats import number_format

    if value is None or value == "":
        return ""
    return number_format((Decimal(int(value)) / 1000).normalize(), use_l10n=True)


@register.filter
def cents(value: Any) -> str:
    """Whole cents as money: 123456 → € 1,234.56."""
    if value is None or value == "":
        return "–"
    return money(Decimal(int(value)) / 100)


@register.filter
def who(user: Any) -> str:
    """A login as people know it: the person's name, else the login's full name, else its
    login name; "–" for nobody."""
    if user is None or user == "":
        return "–"
    from koers.org.models import Person

    if not hasattr(user, "get_username"):  # already a person (or a name)
        return str(user)
    try:
        return str(user.person)  # select_related("…__person") makes it free
    except (Person.DoesNotExist, AttributeError):
        return user.get_full_name() or user.get_username()


@register.filter
def money0(value: Any) -> str:
    """Whole units of the reporting currency, rounded half away from zero (€ 0.99 shows
    as € 1)."""
    if value is None:
        return "–"
    return (
        symbol() + " " + formats.number_format(shown(value), 0, use_l10n=True, force_grouping=True)
    )


@register.filter
def percent(value: Any) -> str:
    if value is None:
        return "–"
    return formats.number_format(shown(value, 1), 1, use_l10n=True) + "%"


@register.filter
def share(value: Any) -> str:
    """A fraction as a percentage in the reader's format: 0.375 → 37,5% (37.5%)."""
    if value is None:
        return "–"
    return percent(value * 100)


@register.filter
def signed_share(value: Any) -> str:
    """A change as a fraction, with its sign: 0.333 → +33,3%, -0.2 → -20,0%."""
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + share(value)


@register.simple_tag
def kpi_value(value: Any, unit: str) -> str:
    """A KPI value in its unit: € 12.345, 23,5%, 41 d, +12, 17."""
    if value is None:
        return "–"
    if unit == "money":
        return money0(value)
    if unit == "cents":
        return money0(Decimal(str(value)) / 100)
    if unit == "percent":
        return percent(value)
    if unit == "days":
        return formats.number_format(shown(value, 1), 1, use_l10n=True) + " d"
    if unit == "score":
        return f"{int(shown(value)):+d}"
    return formats.number_format(
        shown(value, 0 if float(value).is_integer() else 1),
        0 if float(value).is_integer() else 1,
        use_l10n=True,
        force_grouping=True,
    )


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template, None when absent."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def explain(*codes: str) -> str:
    """What the measures ``codes`` mean, as a short list under the figures that use them."""
    from koers.kit.glossary import GLOSSARY

    items = format_html_join(
        "",
        "<dt>{}</dt><dd>{}</dd>",
        ((str(GLOSSARY[c][0]), str(GLOSSARY[c][1])) for c in codes),
    )
    return format_html('<dl class="glossary" data-testid="glossary">{}</dl>', items)


@register.filter
def absolute(value: Any) -> Any:
    """The size of a number without its sign (a gap said in words: short or above)."""
    return abs(value) if value is not None else value


@register.filter
def mdate(value: Any, fmt: str) -> str:
    """``date`` with month abbreviations as the charts write them: "mrt" in Dutch (Dutch
    writes months in lower case), "Mar" in English."""
    from django.utils.translation import get_language

    if value in (None, ""):
        return ""
    if (get_language() or "en").startswith("nl"):
        fmt = fmt.replace("M", "b")
    return formats.date_format(value, fmt)


@register.simple_tag(takes_context=True)
def page_query(context: Any, number: int, param: str | None = None) -> str:
    """The link to page ``number`` of a paged list: the current query with ``param``
    ("page" unless a page holds two paged lists) set to it."""
    query = context["request"].GET.copy()
    query[param or "page"] = number
    return "?" + query.urlencode()
