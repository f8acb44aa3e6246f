"""Cells that leave Koers in a CSV or Excel file cannot run as formulas.

A name such as ``=HYPERLINK("http://…")`` typed into a record would otherwise become a live
formula when someone opens the export in a spreadsheet (CSV or formula injection). As
OWASP advises, text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a leading apostrophe, which spreadsheets show as text; numbers stay numbers, also
when they are written as text ("-10.00" in the payroll file)."""

from __future__ import annotations

import re
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into an exported cell."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: list[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]
