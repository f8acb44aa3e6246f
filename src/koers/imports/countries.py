"""Countries as exports write them: ISO 3166 alpha-2 or alpha-3 codes, or the country's name
in English, Dutch, French or German (pycountry's names and their translations), with or
without accents, plus the short forms people use ("USA", "UK", "Holland")."""

from __future__ import annotations

import gettext
import unicodedata
from functools import cache

import pycountry

LANGUAGES = ("nl", "fr", "de")
ALIASES = {
    "USA": "US",
    "U.S.A.": "US",
    "U.S.": "US",
    "AMERICA": "US",
    "VERENIGDE STATEN": "US",
    "UK": "GB",
    "U.K.": "GB",
    "GREAT BRITAIN": "GB",
    "BRITAIN": "GB",
    "ENGLAND": "GB",
    "ENGELAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "GROOT-BRITTANNIE": "GB",
    "HOLLAND": "NL",
    "THE NETHERLANDS": "NL",
    "NEDERLAND": "NL",
    "DUITSLAND": "DE",
    "BELGIE": "BE",
    "ZWITSERLAND": "CH",
    "OOSTENRIJK": "AT",
    "RUSSIA": "RU",
    "SOUTH KOREA": "KR",
    "KOREA": "KR",
    "CZECH REPUBLIC": "CZ",
    "TURKEY": "TR",
    "VIETNAM": "VN",
}


def normalise(text: str) -> str:
    """Upper case, accents and extra spaces gone: "België " → "BELGIE"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.upper().replace("’", "'").split())


@cache
def country_codes() -> dict[str, str]:
    """Every spelling Koers reads → the alpha-2 code."""
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in LANGUAGES
    ]
    codes: dict[str, str] = {}
    for country in pycountry.countries:
        names = {
            getattr(country, attribute, "")
            for attribute in ("name", "official_name", "common_name")
        } - {""}
        spellings = {country.alpha_2, country.alpha_3, *names}
        for translation in translations:
            spellings |= {translation.gettext(name) for name in names}
        for spelling in spellings:
            codes.setdefault(normalise(spelling), country.alpha_2)
    for alias, code in ALIASES.items():
        codes[normalise(alias)] = code
    return codes


def country_code(text: str) -> str | None:
    """The alpha-2 code of ``text``, or None when it names no country."""
    return country_codes().get(normalise(text)) if text.strip() else None
