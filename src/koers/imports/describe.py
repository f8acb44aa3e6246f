"""What an import kind takes, in words: its columns, which are required, the values each
accepts. `koers import KIND --help` prints it; the docs and the wizard say the same."""

from __future__ import annotations

from koers.imports.specs import KINDS, Column

TYPES = {
    "text": "text",
    "money": "an amount, 1234.56 or 1.234,56",
    "decimal": "a number, 12.5 or 12,5",
    "int": "a whole number",
    "date": "a date: 2026-11-30, 30-11-2026 or as the mapping's dates say",
    "bool": "yes or no (also true/false, ja/nee, 1/0)",
    "currency": "an ISO 4217 code such as EUR",
    "country": "a country: ISO code (NL, NLD) or name in English, Dutch, French or German",
    "kpi": "a KPI code or name from the catalogue",
}


def _accepts(column: Column) -> str:
    if column.type == "choice":
        return "one of: " + ", ".join(c for c in column.choices if c)
    if column.type == "ref":
        return f"the external id (or code) of a record in {column.ref}"
    return TYPES.get(column.type, column.type)


def describe(kind: str) -> str:
    spec = KINDS[kind]
    width = max(len(c.header) for c in spec.columns) + 2
    lines = [
        f"{kind}: the columns of the file (* required). A record is matched on "
        f"{', '.join(spec.key)}; importing again updates it.",
        "",
    ]
    for c in spec.columns:
        mark = "*" if c.required and c.default is None else " "
        line = f"  {c.header:<{width}}{mark} {_accepts(c)}"
        if c.default:
            line += f" (default {c.default})"
        if c.aliases:
            line += f"; also read from: {', '.join(c.aliases)}"
        lines.append(line)
    return "\n".join(lines)
