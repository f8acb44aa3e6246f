"""Matching a file's headers to an import kind's columns, automatically or by preset."""

from __future__ import annotations

import re

from koers.imports.presets import PRESETS
from koers.imports.specs import Kind


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def auto_mapping(headers: list[str], kind: Kind, preset: str = "") -> dict[str, str]:
    """{file header: column name} for every header Koers recognises."""
    known: dict[str, str] = {}
    for column in kind.columns:
        for name in (column.name, column.header, *column.aliases):
            known.setdefault(_norm(name), column.name)
    if preset:
        for header, column in PRESETS[preset].columns.get(kind.name, {}).items():
            known[_norm(header)] = column
    mapping: dict[str, str] = {}
    for header in headers:
        column = known.get(_norm(header))
        if column and column not in mapping.values():
            mapping[header] = column
    return mapping
