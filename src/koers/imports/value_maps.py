"""The wizard's value step: the distinct values of each coded column of a file (stages,
statuses, countries, product groups, sectors), what Koers makes of each, and a suggestion
where a value is a near-duplicate of one Koers knows (``GTXPro`` ~ ``GTX Pro``,
``technolgy`` ~ ``technology``, ``Philipines`` ~ Philippines).

The choices are kept as the mapping's value maps (``values:``), so the command line and the
API import the file as the wizard did.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher, get_close_matches

import polars as pl
from django.db import connection

from koers.imports.countries import country_code, country_codes
from koers.imports.references import STAGES, stage_key
from koers.imports.specs import KINDS, Column, Kind

# references whose values are codes people type by hand in another system
CODED_REFS = {STAGES, "product-groups", "units", "campaigns"}
# free text that is nevertheless a short list of codes: a typo splits one figure in two
CODED_TEXT = {"industry", "segment"}
MOST_VALUES = 100  # beyond this many distinct values a column holds names, not codes
MOST_KNOWN = 500
CUTOFF = 0.84


@dataclass
class Value:
    text: str  # as the file writes it
    rows: int
    known: str = ""  # what Koers reads it as, when it does
    suggestion: str = ""  # the near-duplicate Koers knows, when it does not
    chosen: str = ""  # the value map's choice for it, if any
    named: str = ""  # the suggestion as a person reads it ("PH (Philippines)")


@dataclass
class Coded:
    column: Column
    header: str  # the file's header that fills it
    values: list[Value] = field(default_factory=list)
    known: list[str] = field(default_factory=list)  # what may be chosen
    more: int = 0  # distinct values not listed

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def unknown(self) -> int:
        return sum(1 for v in self.values if not v.known and not v.chosen)


def squeeze(text: str) -> str:
    """The letters and digits of ``text``, lower case, accents gone: "GTX-Pro " → "gtxpro"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def nearest(text: str, candidates: dict[str, str]) -> str:
    """The candidate ``text`` is a near-duplicate of ({squeezed form: value}), or ""."""
    key = squeeze(text)
    if not key:
        return ""
    if key in candidates:
        return candidates[key]
    close = get_close_matches(key, list(candidates), n=1, cutoff=CUTOFF)
    return candidates[close[0]] if close else ""


def is_coded(column: Column) -> bool:
    return (
        column.type in {"choice", "country"}
        or (column.type == "ref" and column.ref in CODED_REFS)
        or column.name in CODED_TEXT
    )


def coded_columns(
    spec: Kind,
    table: pl.DataFrame,
    mapping: dict[str, str],
    chosen: dict[str, dict[str, str]] | None = None,
) -> list[Coded]:
    """Each coded column ``mapping`` fills from ``table``, with its distinct values.
    ``chosen``: the value maps so far ({column: {file value: Koers value}})."""
    found = []
    for header, name in mapping.items():
        if header not in table.columns or name not in {c.name for c in spec.columns}:
            continue
        column = spec.column(name)
        if not is_coded(column):
            continue
        counts = (
            table.select(pl.col(header).cast(pl.Utf8).fill_null("").str.strip_chars().alias("v"))
            .filter(pl.col("v") != "")
            .group_by("v")
            .len()
            .sort(["len", "v"], descending=[True, False])
        )
        if counts.is_empty():
            continue
        coded = Coded(column, header, more=max(counts.height - MOST_VALUES, 0))
        readings = _readings(column, counts["v"].to_list())
        coded.known = sorted(set(readings.values()))[:MOST_KNOWN]
        targets = {squeeze(k): v for k, v in readings.items()}
        for text, rows in counts.head(MOST_VALUES).iter_rows():
            value = Value(text, rows)
            value.known = _read(column, text, readings)
            if not value.known:
                value.suggestion = nearest(text, targets)
                value.named = _named(column, value.suggestion)
            coded.values.append(value)
        if column.type not in {"choice", "country"} and column.type != "ref":
            _within(coded)
        found.append(coded)
    mark_chosen(found, chosen or {})
    return found


def mark_chosen(coded: list[Coded], chosen: dict[str, dict[str, str]]) -> None:
    """Mark on each listed value the value map's choice for it (case and spaces do not
    count, as when the file is read)."""
    for item in coded:
        pairs = {k.strip().lower(): v for k, v in chosen.get(item.name, {}).items()}
        for value in item.values:
            value.chosen = pairs.get(value.text.lower(), "")


def _named(column: Column, value: str) -> str:
    if column.type == "country" and value:
        import pycountry

        country = pycountry.countries.get(alpha_2=value)
        return f"{value} ({country.name})" if country else value
    return value


def _read(column: Column, text: str, readings: dict[str, str]) -> str:
    if column.type == "country":
        return country_code(text) or ""
    if column.type == "ref" and column.ref == STAGES:
        return readings.get(stage_key(text), "")
    if column.type == "ref":  # a reference's key matches exactly
        return readings.get(text, "")
    return readings.get(text, "") or readings.get(text.lower(), "")


def _readings(column: Column, file_values: list[str]) -> dict[str, str]:
    """{a spelling Koers reads: the value it reads it as} for ``column``."""
    if column.type == "choice":
        return {c: c for c in column.choices if c}
    if column.type == "country":
        return dict(country_codes())
    if column.type == "ref" and column.ref == STAGES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT code, name_en, name_nl FROM sales_stage")
            return {stage_key(str(k)): code for code, *names in cursor for k in (code, *names) if k}
    if column.type == "ref":
        kind = KINDS[column.ref or ""]
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT DISTINCT CAST("{kind.ref_key}" AS TEXT) FROM "{kind.table}" '
                f'WHERE "{kind.ref_key}" IS NOT NULL LIMIT {MOST_KNOWN * 4}'
            )
            return {str(k): str(k) for (k,) in cursor}
    # free text: what is stored already, and the file's own commoner spellings
    kind = next(k for k in KINDS.values() if column in k.columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT DISTINCT "{column.name}" FROM "{kind.table}" '
            f"WHERE \"{column.name}\" <> '' LIMIT {MOST_KNOWN}"
        )
        stored = [str(k) for (k,) in cursor]
    return {v.lower(): v for v in stored}


def _within(coded: Coded) -> None:
    """Free text: a rarer spelling of a commoner value in the same file is suggested as it
    (``technolgy`` (3 rows) ~ ``technology`` (40 rows))."""
    by_rows = sorted(coded.values, key=lambda v: -v.rows)
    for index, value in enumerate(by_rows):
        if value.known:
            continue
        commoner = {squeeze(v.text): v.text for v in by_rows[:index] if v.rows > value.rows}
        key = squeeze(value.text)
        best = ""
        for other_key, other in commoner.items():
            if other_key == key or SequenceMatcher(None, key, other_key).ratio() >= CUTOFF:
                best = other
                break
        if best and not value.suggestion:
            value.suggestion = value.named = best
        elif not value.suggestion:
            value.known = value.text  # a value of its own: kept as written
    coded.known = sorted({*coded.known, *(v.text for v in coded.values if not v.suggestion)})


def chosen_from(post: dict, coded: list[Coded]) -> dict[str, dict[str, str]]:
    """The value maps the form holds: ``value-<column>-<n>`` beside ``from-<column>-<n>``."""
    maps: dict[str, dict[str, str]] = {}
    for item in coded:
        for index in range(len(item.values)):
            source = post.get(f"from-{item.name}-{index}", "")
            target = (post.get(f"value-{item.name}-{index}") or "").strip()
            if source and target and target != source:
                maps.setdefault(item.name, {})[source] = target
    return maps
