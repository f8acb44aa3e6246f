"""Reading an uploaded file into a frame of text columns, detecting how it is written.

CSV: UTF-8 (with or without byte-order mark) or Windows-1252; separated by ``;``, ``,``,
tab or ``|``. XLSX: the first sheet. Every cell stays text here; parsing comes after, so
that a bad value becomes an error on its row instead of a failed read.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext as _

SEPARATORS = [";", ",", "\t", "|"]
XLSX_MAGIC = b"PK\x03\x04"


class ImportFileError(ValueError):
    """The file cannot be read as a table at all; nothing is imported."""


@dataclass(frozen=True)
class FileFormat:
    kind: str  # csv or xlsx
    encoding: str = ""
    separator: str = ""

    def describe(self) -> str:
        if self.kind == "xlsx":
            return "Excel (XLSX)"
        names = {";": _("semicolon"), ",": _("comma"), "\t": _("tab"), "|": _("pipe")}
        return f"CSV, {self.encoding}, {names.get(self.separator, self.separator)}"


def decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "UTF-8 (BOM)"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in raw[:4096]:
        raise ImportFileError(_("This file is not a text file or spreadsheet Koers can read."))
    return raw.decode("cp1252", errors="strict"), "Windows-1252"


def sniff_separator(sample: str) -> str:
    first = sample.splitlines()[0] if sample else ""
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        counts = {sep: first.count(sep) for sep in SEPARATORS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read_table(raw: bytes, filename: str = "") -> tuple[pl.DataFrame, FileFormat]:
    """The file as a frame of text columns (headers stripped), and how it was written."""
    if not raw.strip():
        raise ImportFileError(_("The file is empty."))
    if raw.startswith(XLSX_MAGIC):
        return _read_xlsx(raw), FileFormat("xlsx")
    try:
        text, encoding = decode(raw)
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The file's characters cannot be read.")) from exc
    separator = sniff_separator(text[:20000])
    try:
        frame = pl.read_csv(
            io.StringIO(text),
            separator=separator,
            infer_schema=False,
            empty_string_is_null=False,
            truncate_ragged_lines=False,
            quote_char='"',
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise ImportFileError(
            _("The file is not a readable CSV table: %(e)s") % {"e": str(exc)[:200]}
        ) from exc
    return _clean(frame), FileFormat("csv", encoding, separator)


def _read_xlsx(raw: bytes) -> pl.DataFrame:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ImportFileError(_("This file is not a spreadsheet Koers can read.")) from exc
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise ImportFileError(_("The file is empty."))
    names = [str(h).strip() if h is not None else "" for h in header]
    data = [
        ["" if v is None else _cell_text(v) for v in row]
        for row in rows
        if any(v is not None for v in row)
    ]
    columns = {
        name or f"column_{i + 1}": [r[i] if i < len(r) else "" for r in data]
        for i, name in enumerate(names)
    }
    return _clean(pl.DataFrame(columns, schema={k: pl.Utf8 for k in columns}))


def _cell_text(value: object) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.width == 0 or frame.height == 0:
        raise ImportFileError(_("The file has a header but no rows."))
    renamed = {c: c.strip().lstrip("\ufeff") for c in frame.columns}
    return frame.rename(renamed).with_columns(
        pl.all().cast(pl.Utf8).str.strip_chars().fill_null("")
    )
