"""Saved mappings: how one system's export becomes a Koers import, written once as YAML and
used by the web wizard, the command line and the API.

A mapping document::

    kind: orders
    columns:              # the file's header: the Koers column it fills
      Factuurnummer: order_number
      Datum: order_date
      Bedrag: amount
    constants:            # a Koers column: the value of every row
      currency: EUR
    values:               # a Koers column: {a value in the file: the value Koers knows}
      stage: {Gewonnen: customer, Verloren: lost}
    dates: "%d-%m-%Y"     # how the file writes dates (recognised when left out)
    decimal: ","          # the file's decimal separator (recognised when left out)
    split:                # one header into two columns: the first word, and the rest
      Naam: {into: [first_name, last_name]}
    also:                 # one header that fills more columns than the one under columns
      Sluitdatum: [closed_on]
    gaps: [amount, expected_close_date]   # opportunities: open deals may lack these
    distinct:             # people: a column's repeated values are units or managers
      regional_office: units
    computed:             # a Koers column: an expression over the file's headers
      external_id: "[OrderID] & '-' & [ProductID]"
      amount: "[UnitPrice] * [Quantity] * (1 - [Discount])"

A header the file lacks is skipped (one mapping serves an export with or without optional
columns); a required column that ends up missing is reported as the import always does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
import yaml
from django.utils.translation import gettext as _

from koers.imports.specs import KINDS, Kind
from koers.imports.table import MappingError

KEYS = {
    "kind",
    "columns",
    "constants",
    "values",
    "dates",
    "decimal",
    "split",
    "also",
    "gaps",
    "computed",
    "distinct",
}
# what an open opportunity may lack when its mapping allows it (filled, then flagged)
GAPS = {"account", "amount", "created_on", "expected_close_date"}


@dataclass(frozen=True)
class SavedMapping:
    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    dates: str | None = None
    decimal: str | None = None
    split: dict[str, tuple[str, str]] = field(default_factory=dict)
    also: dict[str, tuple[str, ...]] = field(default_factory=dict)
    gaps: tuple[str, ...] = ()
    computed: dict[str, str] = field(default_factory=dict)  # column → expression
    distinct: dict[str, str] = field(default_factory=dict)  # header → units or managers

    @property
    def spec(self) -> Kind:
        return KINDS[self.kind]

    def to_yaml(self) -> str:
        document: dict[str, Any] = {"kind": self.kind, "columns": dict(self.columns)}
        if self.constants:
            document["constants"] = dict(self.constants)
        if self.values:
            document["values"] = {k: dict(v) for k, v in self.values.items()}
        if self.dates:
            document["dates"] = self.dates
        if self.decimal:
            document["decimal"] = self.decimal
        if self.split:
            document["split"] = {h: {"into": list(c)} for h, c in self.split.items()}
        if self.also:
            document["also"] = {h: list(c) for h, c in self.also.items()}
        if self.gaps:
            document["gaps"] = list(self.gaps)
        if self.computed:
            document["computed"] = dict(self.computed)
        if self.distinct:
            document["distinct"] = dict(self.distinct)
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)

    def value_maps(self) -> dict[str, dict[str, str]]:
        """The value maps as the parser matches them: case and spaces do not count."""
        return {
            column: {str(k).strip().lower(): str(v) for k, v in pairs.items()}
            for column, pairs in self.values.items()
        }

    def date_formats(self) -> dict[str, str]:
        if not self.dates:
            return {}
        return {c.name: self.dates for c in self.spec.columns if c.type == "date"}

    def number_style(self) -> str | None:
        return {",": "nl", ".": "en"}.get(self.decimal or "")

    def computed_styles(self) -> dict[str, str]:
        """Computed numbers come out as plain decimal text: read them so."""
        from koers.imports.expressions import compile_expression

        return {
            column: "en"
            for column, text in self.computed.items()
            if not compile_expression(text).joins
        }

    def prepare(self, table: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
        """The file's table with the derived columns added, and {header: Koers column}."""
        mapping = {h: c for h, c in self.columns.items() if h in table.columns}
        extra: list[pl.Expr] = []
        for header, (first, rest) in self.split.items():
            if header not in table.columns:
                continue
            words = pl.col(header).fill_null("").str.strip_chars()
            extra.append(words.str.extract(r"^(\S+)", 1).fill_null("").alias(f"{header} → {first}"))
            extra.append(
                words.str.extract(r"^\S+\s+(.*)$", 1).fill_null("").alias(f"{header} → {rest}")
            )
            mapping[f"{header} → {first}"], mapping[f"{header} → {rest}"] = first, rest
        for header, columns in self.also.items():
            if header not in table.columns:
                continue
            for column in columns:
                extra.append(pl.col(header).alias(f"{header} → {column}"))
                mapping[f"{header} → {column}"] = column
        for column, value in self.constants.items():
            extra.append(pl.lit(str(value)).alias(f"= {column}"))
            mapping[f"= {column}"] = column
        extra += self._computed(table, mapping)
        return (table.with_columns(extra) if extra else table), mapping

    def _computed(self, table: pl.DataFrame, into: dict[str, str]) -> list[pl.Expr]:
        """The computed columns, each read in its headers' number style."""
        from koers.imports.expressions import compile_expression
        from koers.imports.parse import number_style

        extra = []
        for column, text in self.computed.items():
            expression = compile_expression(text, headers=table.columns)
            styles = {
                h: self.number_style() or number_style(table[h].fill_null(""), ";")
                for h in expression.headers
            }
            extra.append(expression.to_polars(styles).alias(f"ƒ {column}"))
            into[f"ƒ {column}"] = column
        return extra


def _strings(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MappingError(_("“%(where)s” must be a list of name: value pairs.") % {"where": where})
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def parse_mapping(text: str) -> SavedMapping:
    """Read and check a mapping document; MappingError names every problem."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(_("The mapping is not valid YAML: %(error)s") % {"error": exc}) from exc
    if not isinstance(document, dict):
        raise MappingError(_("A mapping is a YAML document with at least kind and columns."))
    unknown = sorted(set(map(str, document)) - KEYS)
    if unknown:
        raise MappingError(
            _("Unknown keys in the mapping: %(keys)s.") % {"keys": ", ".join(unknown)}
        )
    kind = str(document.get("kind", ""))
    if kind not in KINDS:
        raise MappingError(
            _("The mapping's kind must be one of: %(kinds)s.") % {"kinds": ", ".join(sorted(KINDS))}
        )
    names = {c.name for c in KINDS[kind].columns}
    # a reference is named as in Koers's template and the command's help (unit, manager)
    # or as stored (unit_id, manager_id): both mean the same column
    named = {c.header: c.name for c in KINDS[kind].columns}

    def name(column: str) -> str:
        return named.get(column, column)

    columns = {k: name(v) for k, v in _strings(document.get("columns"), "columns").items()}
    constants = {name(k): v for k, v in _strings(document.get("constants"), "constants").items()}
    values = {
        name(str(k)): _strings(v, f"values: {k}") for k, v in (document.get("values") or {}).items()
    }
    split: dict[str, tuple[str, str]] = {}
    for header, rule in (document.get("split") or {}).items():
        into = rule.get("into") if isinstance(rule, dict) else None
        if not isinstance(into, list) or len(into) != 2:
            raise MappingError(
                _("split: “%(header)s” needs into: [first column, second column].")
                % {"header": header}
            )
        split[str(header)] = (name(str(into[0])), name(str(into[1])))
    also: dict[str, tuple[str, ...]] = {}
    for header, targets in (document.get("also") or {}).items():
        targets = targets if isinstance(targets, list) else [targets]
        also[str(header)] = tuple(name(str(t)) for t in targets)
    computed = {name(k): v for k, v in _strings(document.get("computed"), "computed").items()}
    from koers.imports.expressions import compile_expression

    for text in computed.values():
        compile_expression(text)  # every expression within the grammar, or named
    distinct = _strings(document.get("distinct"), "distinct")
    from koers.imports.distinct import WHAT

    if distinct and (kind != "people" or set(distinct.values()) - set(WHAT)):
        raise MappingError(
            _("distinct: a people mapping names a column's values as units or managers.")
        )
    filled = [
        *columns.values(),
        *constants,
        *computed,
        *(c for pair in split.values() for c in pair),
        *(c for targets in also.values() for c in targets),
    ]
    twice = sorted({c for c in filled if filled.count(c) > 1})
    if twice:
        raise MappingError(
            _("Each column is filled once; filled more than once: %(columns)s.")
            % {"columns": ", ".join(twice)}
        )
    used = set(filled) | set(values)
    wrong = sorted(used - names)
    if wrong:
        raise MappingError(
            _("%(kind)s has no column %(columns)s; its columns are: %(known)s.")
            % {
                "kind": kind,
                "columns": ", ".join(wrong),
                "known": ", ".join(c.header for c in KINDS[kind].columns),
            }
        )
    gaps = document.get("gaps") or []
    if not isinstance(gaps, list) or (gaps and kind != "opportunities") or set(gaps) - GAPS:
        raise MappingError(
            _("gaps: only opportunities may lack %(columns)s.")
            % {"columns": ", ".join(sorted(GAPS))}
        )
    decimal = document.get("decimal")
    if decimal not in (None, ",", "."):
        raise MappingError(_("decimal is “,” or “.”."))
    dates = document.get("dates")
    return SavedMapping(
        kind=kind,
        columns=columns,
        constants=constants,
        values=values,
        dates=str(dates) if dates else None,
        decimal=decimal,
        split=split,
        also=also,
        gaps=tuple(str(g) for g in gaps),
        computed=computed,
        distinct=distinct,
    )


def with_values(
    saved: SavedMapping | None, kind: str, values: dict[str, dict[str, str]] | None
) -> SavedMapping | None:
    """``saved`` (or an empty mapping of ``kind``) with the value maps ``values`` over its
    own, column by column: the wizard's choices for a file, kept with its import."""
    if not values:
        return saved
    base = saved or SavedMapping(kind=kind)
    merged = {c: dict(m) for c, m in base.values.items()}
    for column, pairs in values.items():
        merged.setdefault(column, {}).update({str(k): str(v) for k, v in pairs.items()})
    return replace(base, values=merged)


def mapping_save(*, name: str, mapping: SavedMapping, by: Any, document: str = "") -> Any:
    """Save ``mapping`` under ``name`` (replacing one of that name): who may import may
    save mappings. ``document``: the YAML it was read from, kept as written (comments
    included); otherwise the mapping's own YAML."""
    from django.core.exceptions import PermissionDenied
    from django.utils.text import slugify

    from koers.imports.models import ImportMapping
    from koers.org.visibility import can_import

    if by is not None and not can_import(by):
        raise PermissionDenied(_("Your role may not import data."))
    slug = slugify(name)[:60]
    if not slug or slug == "new":
        raise MappingError(_("Give the mapping a name of letters, digits or dashes."))
    saved, _created = ImportMapping.objects.update_or_create(
        name=slug,
        defaults={"kind": mapping.kind, "document": document or mapping.to_yaml(), "by": by},
    )
    return saved


def load_mapping_by_name(name: str) -> tuple[str, SavedMapping]:
    """A saved mapping by its name (the web and the API name one; they never read files)."""
    from koers.imports.models import ImportMapping

    saved = ImportMapping.objects.filter(name=name).first()
    if saved is None:
        raise MappingError(_("No saved mapping “%(name)s”.") % {"name": name})
    return saved.name, parse_mapping(saved.document)


def load_mapping(name_or_path: str) -> tuple[str, SavedMapping]:
    """For the command line: a saved mapping by its name, or a YAML file by its path."""
    from pathlib import Path

    from koers.imports.models import ImportMapping

    if ImportMapping.objects.filter(name=name_or_path).exists():
        return load_mapping_by_name(name_or_path)
    path = Path(name_or_path)
    if path.suffix.lower() in {".yaml", ".yml"} and path.is_file():
        return path.stem, parse_mapping(path.read_text(encoding="utf-8"))
    raise MappingError(_("No saved mapping or YAML file “%(name)s”.") % {"name": name_or_path})
