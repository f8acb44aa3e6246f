"""Reading an uploaded file into a frame of text columns, detecting how it is written.

CSV: UTF-8 (with or without byte-order mark) or Windows-1252; separated by ``;``, ``,``,
tab or ``|``. XLSX: the first sheet. Every cell stays text here; parsing comes after, so
that a bad value becomes an error on its row instead of a failed read.

A file is a guest: it is refused with a message, before any heavy work, when it is larger
than the upload limit, has more columns, rows or longer cells than the settings allow, holds
NUL bytes, or repeats a header. A spreadsheet is read within a budget fixed by its size
(:mod:`koers.imports.xlsx`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext as _

from koers.imports.table import ImportFileError, Limits, _check_header, _clean

SEPARATORS = [";", ",", "\t", "|"]
XLSX_MAGIC = b"PK\x03\x04"


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


def read_table(
    raw: bytes, filename: str = "", limits: Limits | None = None
) -> tuple[pl.DataFrame, FileFormat]:
    """The file as a frame of text columns (headers stripped), and how it was written."""
    limits = limits or Limits.from_settings()
    if len(raw) > limits.bytes:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB.") % {"mb": limits.bytes // (1024 * 1024)}
        )
    if not raw.strip():
        raise ImportFileError(_("The file is empty."))
    if raw.startswith(XLSX_MAGIC):
        from koers.imports.xlsx import read_xlsx

        return _checked(read_xlsx(raw, limits), limits), FileFormat("xlsx")
    if b"\x00" in raw:
        raise ImportFileError(
            _("The file holds NUL bytes: it is not a text file. Save it as CSV or XLSX.")
        )
    try:
        text, encoding = decode(raw)
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The file's characters cannot be read.")) from exc
    separator = sniff_separator(text[:20000])
    _check_header(next(csv.reader(io.StringIO(text[:1_000_000]), delimiter=separator), []), limits)
    try:
        frame = pl.read_csv(
            io.StringIO(text),
            separator=separator,
            infer_schema=False,
            empty_string_is_null=False,
            truncate_ragged_lines=False,
            quote_char='"',
        )
    except pl.exceptions.PolarsError as exc:
        raise unreadable(text, separator, exc) from exc
    return _checked(_clean(frame), limits), FileFormat("csv", encoding, separator)


def unreadable(
    text: str, separator: str, exc: Exception, *, columns: int = 0, first_row: int = 2
) -> ImportFileError:
    """Why CSV ``text`` cannot be read as a table: the first row with more values than the
    header has columns, else what the reader said. ``columns``: the header's number of
    columns (0: ``text`` begins with the header); ``first_row``: the file's line number of
    the first row after the header (the header is line 1)."""
    rows = csv.reader(io.StringIO(text), delimiter=separator)
    try:
        if not columns:
            columns = len(next(rows, []))
        for number, values in enumerate(rows, start=first_row):
            if len(values) > columns:
                return ImportFileError(
                    _(
                        "Row %(row)s has %(found)s values where the header has %(columns)s "
                        "columns: check the separators and quotes in that row."
                    )
                    % {"row": number, "found": len(values), "columns": columns}
                )
    except csv.Error:  # such as a quote left open over more than csv's field limit
        pass
    return ImportFileError(_("The file is not a readable CSV table: %(e)s") % {"e": str(exc)[:200]})


def _checked(frame: pl.DataFrame, limits: Limits) -> pl.DataFrame:
    """Rows and cell lengths within the limits."""
    if frame.height > limits.rows:
        raise ImportFileError(
            _("The file has %(n)s rows; Koers reads at most %(max)s in one import.")
            % {"n": f"{frame.height:,}", "max": f"{limits.rows:,}"}
        )
    longest = frame.select(pl.all().str.len_chars().max()).row(0) if frame.width else ()
    for name, length in zip(frame.columns, longest, strict=True):
        if (length or 0) > limits.cell:
            raise ImportFileError(
                _("A cell in column “%(name)s” holds %(n)s characters; at most %(max)s are read.")
                % {"name": name, "n": f"{length:,}", "max": f"{limits.cell:,}"}
            )
    return frame
