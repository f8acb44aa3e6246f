"""Turning text columns into typed, database-ready columns, one whole column at a time.

Every value that does not parse becomes an error on its row (file line, column, value,
reason) instead of stopping the import, so one run reports every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from django.utils import translation
from django.utils.translation import gettext as _

from koers.engine.money import CURRENCIES, cents_from_decimal_text, cents_to_text
from koers.imports.specs import Column, Kind, default_of, model_for_table

NUMBER = r"^-?\d+(\.\d+)?$"
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%Y", "%Y/%m/%d"]
TRUE = {"1", "true", "yes", "y", "ja", "j", "waar", "x", "✓"}
FALSE = {"0", "false", "no", "n", "nee", "onwaar", ""}


@dataclass
class Parsed:
    frame: pl.DataFrame
    errors: list[pl.DataFrame] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # column -> the file's header
    # how each date and number column was read ({column: "%d-%m-%Y"}, {column: "nl"}), so
    # the next block of a large file is read the same way
    date_formats: dict[str, str] = field(default_factory=dict)
    number_styles: dict[str, str] = field(default_factory=dict)

    def add_errors(self, mask: pl.Series, header: str, values: pl.Series, message: str) -> None:
        if mask.any():
            rows = self.frame["_row"].filter(mask)
            self.errors.append(
                pl.DataFrame(
                    {
                        "row": rows,
                        "column": header,
                        "value": values.filter(mask).cast(pl.Utf8),
                        "message": message,
                    }
                )
            )

    def error_frame(self) -> pl.DataFrame:
        if not self.errors:
            return pl.DataFrame(
                schema={"row": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "message": pl.Utf8}
            )
        return pl.concat(self.errors).sort("row", "column")


def number_style(values: pl.Series, separator: str = ",") -> str:
    """'nl' for 1.234,56, 'en' for 1,234.56, decided on the whole column."""
    filled = values.filter(values != "")
    if filled.str.contains(r",\d+$").any() and not filled.str.contains(r"\.\d{1,2}$").any():
        return "nl"
    if filled.str.contains(r"\.\d{1,2}$|\.\d{4,}$").any() or filled.str.contains(r",\d{3}").any():
        return "en"
    if separator == ";" and filled.str.contains(r"^-?\d{1,3}(\.\d{3})+$").any():
        return "nl"
    return "en"


def normalise_number(values: pl.Series, style: str) -> pl.Series:
    return pl.select(normalise_number_expr(pl.lit(values), style)).to_series()


def normalise_number_expr(values: pl.Expr, style: str) -> pl.Expr:
    """Text in ``style`` ("nl": 1.234,56; "en": 1,234.56) as plain decimal text."""
    cleaned = values.str.replace_all(r"[€$£\s\u00a0']", "")
    if style == "nl":
        cleaned = cleaned.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        cleaned = cleaned.str.replace_all(",", "", literal=True)
    return cleaned.str.replace(r"^\+", "")


def date_format(values: pl.Series, preferred: str | None = None) -> str:
    """The first format that reads every filled value (day before month when ambiguous)."""
    filled = values.filter(values != "").str.slice(0, 10)
    candidates = ([preferred] if preferred else []) + DATE_FORMATS
    best, best_ok = DATE_FORMATS[0], -1
    for fmt in candidates:
        ok = int(filled.str.to_date(fmt, strict=False).is_not_null().sum())
        if ok == filled.len():
            return fmt
        if ok > best_ok:
            best, best_ok = fmt, ok
    return best


def _model_for(kind: Kind):
    return model_for_table(kind.table)


def _max_length(kind: Kind, name: str) -> int | None:
    model = _model_for(kind)
    try:
        return getattr(model._meta.get_field(name), "max_length", None) if model else None
    except Exception:
        return None


def choice_map(kind: Kind, column: Column) -> dict[str, str]:
    """Codes, English labels and Dutch labels of a choice column, lower-cased, to codes."""
    mapping = {c.lower(): c for c in column.choices}
    model = _model_for(kind)
    if model is None:
        return mapping
    try:
        model_field = model._meta.get_field(column.name)
    except Exception:
        return mapping
    for language in ("en", "nl"):
        with translation.override(language):
            for code, label in model_field.choices or []:
                mapping[str(label).lower()] = code
    return mapping


def parse(
    frame: pl.DataFrame,
    kind: Kind,
    headers: dict[str, str],
    *,
    separator: str = ",",
    value_maps: dict[str, dict[str, str]] | None = None,
    date_formats: dict[str, str] | None = None,
    number_style: str | None = None,
    number_styles: dict[str, str] | None = None,
) -> Parsed:
    """``frame`` holds the kind's columns as text (renamed from the file's headers, which
    ``headers`` gives back for messages) plus ``_row``, the line number in the file."""
    parsed = Parsed(frame, headers=headers)
    out = [pl.col("_row")]
    for column in kind.columns:
        header = headers.get(column.name, column.header)
        raw = frame[column.name] if column.name in frame.columns else pl.Series([""] * frame.height)
        raw = raw.fill_null("")
        if column.default is not None:
            raw = pl.select(
                pl.when(raw == "").then(pl.lit(default_of(column))).otherwise(raw)
            ).to_series()
        if column.required:
            parsed.add_errors(raw == "", header, raw, _("a value is required"))
        maps = (value_maps or {}).get(column.name)
        if maps:  # the vendor's values, matched whatever their case
            lowered = pl.col("r").str.to_lowercase().str.strip_chars()
            raw = (
                pl.DataFrame({"r": raw})
                .select(
                    pl.when(lowered.is_in(list(maps)))
                    .then(lowered.replace(maps))
                    .otherwise(pl.col("r"))
                )
                .to_series()
            )
        out.append(
            _parse_column(
                parsed,
                kind,
                column,
                header,
                raw,
                separator,
                (date_formats or {}).get(column.name),
                (number_styles or {}).get(column.name) or number_style,
            ).alias(column.name)
        )
    parsed.frame = frame.select(out)
    return parsed


def _parse_column(
    parsed: Parsed,
    kind: Kind,
    column: Column,
    header: str,
    raw: pl.Series,
    separator: str,
    preferred_date: str | None,
    style: str | None = None,
) -> pl.Series:
    empty = raw == ""
    if column.type in {"money", "decimal"}:
        style = style or number_style(raw, separator)
        parsed.number_styles[column.name] = style
        if column.name in parsed.headers:
            parsed.formats[header] = "1.234,56" if style == "nl" else "1,234.56"
        text = normalise_number(raw, style)
        bad = ~empty & ~text.str.contains(NUMBER)
        parsed.add_errors(bad, header, raw, _("is not a number"))
        text = pl.select(pl.when(empty | bad).then(None).otherwise(text)).to_series()
        if column.type == "money":
            money = pl.DataFrame({"t": text}).select(
                cents_to_text(cents_from_decimal_text(pl.col("t")))
            )
            return money.to_series()
        return text
    if column.type == "int":
        text = raw.str.replace_all(r"[\s.]", "")
        bad = ~empty & ~text.str.contains(r"^-?\d+$")
        parsed.add_errors(bad, header, raw, _("is not a whole number"))
        return pl.select(pl.when(empty | bad).then(None).otherwise(text)).to_series().cast(pl.Int64)
    if column.type == "date":
        fmt = date_format(raw, preferred_date)
        parsed.date_formats[column.name] = fmt
        example = fmt.replace("%Y", "yyyy").replace("%m", "mm").replace("%d", "dd")
        if column.name in parsed.headers:  # only the file's own columns have a format
            parsed.formats[header] = example
        dates = raw.str.slice(0, 10).str.to_date(fmt, strict=False)
        parsed.add_errors(
            ~empty & dates.is_null(),
            header,
            raw,
            _("is not a date like %(example)s") % {"example": example},
        )
        return dates
    if column.type == "bool":
        lowered = raw.str.to_lowercase()
        bad = ~lowered.is_in(TRUE | FALSE)
        parsed.add_errors(bad, header, raw, _("is not yes or no"))
        return lowered.is_in(TRUE)
    if column.type == "choice":
        mapping = choice_map(kind, column)
        codes = raw.str.to_lowercase().replace_strict(mapping, default=None, return_dtype=pl.Utf8)
        bad = codes.is_null() & ~(empty & ("" in column.choices))
        allowed = ", ".join(c for c in column.choices if c)
        parsed.add_errors(bad, header, raw, _("is not one of: %(allowed)s") % {"allowed": allowed})
        return codes.fill_null("")
    if column.type == "kpi":
        from koers.measure.catalogue import definitions

        known = definitions()
        codes = raw.str.strip_chars().str.to_lowercase()
        names = {d.name_en.lower(): c for c, d in known.items()}
        names |= {d.name_nl.lower(): c for c, d in known.items()}
        codes = codes.replace(names)
        parsed.add_errors(~codes.is_in(list(known)), header, raw, _("is not a KPI Koers knows"))
        return codes
    if column.type == "country":
        from koers.imports.countries import country_code

        # each distinct spelling looked up once, however long the file
        known = {v: country_code(v) or "" for v in raw.unique().to_list() if v}
        codes = raw.replace_strict(known, default="", return_dtype=pl.Utf8)
        parsed.add_errors(
            ~empty & (codes == ""),
            header,
            raw,
            _("is not a country (an ISO code such as NL or NLD, or its name)"),
        )
        return codes
    if column.type == "currency":
        upper = raw.str.to_uppercase()
        parsed.add_errors(
            ~upper.is_in(sorted(CURRENCIES)),
            header,
            raw,
            _("is not a known currency code (use ISO 4217, such as EUR)"),
        )
        return upper
    limit = _max_length(kind, column.name)
    if limit:
        parsed.add_errors(
            raw.str.len_chars() > limit,
            header,
            raw,
            _("is longer than %(n)s characters") % {"n": limit},
        )
    nullable = column.name == "external_id" or column.type == "ref"
    return pl.select(pl.when(empty & nullable).then(None).otherwise(raw)).to_series()
