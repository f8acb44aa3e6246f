"""Reading a large CSV file block by block, so an import's memory does not grow with the file.

A file is first scanned once (NUL bytes, UTF-8 or Windows-1252, header), then read in blocks of
``KOERS_IMPORT_CHUNK_BYTES`` that end at a line break outside quotes; each block becomes a frame
of text columns with the file's header, exactly as :func:`koers.imports.reader.read_table`
reads a whole file. Windows-1252 is a single-byte encoding and UTF-8 never uses the line-break
byte inside a character, so a block boundary never splits a character.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.conf import settings
from django.utils.translation import gettext as _

from koers.imports.reader import (
    XLSX_MAGIC,
    FileFormat,
    ImportFileError,
    Limits,
    _check_header,
    _checked,
    _clean,
    sniff_separator,
    unreadable,
)

SCAN_BYTES = 8 * 1024 * 1024
BOM = b"\xef\xbb\xbf"


def chunk_bytes() -> int:
    return int(getattr(settings, "KOERS_IMPORT_CHUNK_BYTES", 4 * 1024 * 1024))


def streamable(path: Path) -> bool:
    """Is ``path`` a CSV file larger than one block (an XLSX file is read whole)?"""
    with path.open("rb") as handle:
        if handle.read(len(XLSX_MAGIC)) == XLSX_MAGIC:
            return False
    return path.stat().st_size > chunk_bytes()


@dataclass(frozen=True)
class CsvFile:
    path: Path
    encoding: str  # "utf-8" or "cp1252"
    separator: str
    header: list[str]
    start: int  # the byte where the first data line begins

    @property
    def file_format(self) -> FileFormat:
        shown = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "cp1252": "Windows-1252"}
        return FileFormat("csv", shown[self.encoding], self.separator)


def open_csv(path: Path, limits: Limits | None = None) -> CsvFile:
    """Check the whole file once without holding it: size, NUL bytes, encoding, header."""
    limits = limits or Limits.from_settings()
    size = path.stat().st_size
    if size > limits.bytes:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB.") % {"mb": limits.bytes // (1024 * 1024)}
        )
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, filled = True, False
    with path.open("rb") as handle:
        head = handle.read(1024 * 1024)
        handle.seek(0)
        while block := handle.read(SCAN_BYTES):
            if b"\x00" in block:
                raise ImportFileError(
                    _("The file holds NUL bytes: it is not a text file. Save it as CSV or XLSX.")
                )
            filled = filled or bool(block.strip())
            if is_utf8:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    is_utf8 = False
        if is_utf8:
            try:
                utf8.decode(b"", final=True)  # a character cut off at the end
            except UnicodeDecodeError:
                is_utf8 = False
    if not filled:
        raise ImportFileError(_("The file is empty."))
    bom = head.startswith(BOM)
    encoding = ("utf-8-sig" if bom else "utf-8") if is_utf8 else "cp1252"
    text = head[len(BOM) if bom else 0 :].decode(encoding.replace("-sig", ""), errors="ignore")
    separator = sniff_separator(text[:20000])
    lines = text.splitlines(keepends=True)
    if len(lines) < 2:
        raise ImportFileError(_("The file has a header but no rows."))
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header = next(reader, [])
    _check_header(header, limits)
    return CsvFile(path, encoding, separator, [h.strip() for h in header], _header_end(head))


def _header_end(head: bytes) -> int:
    """The byte after the header line: the first line break with an even number of quote
    characters before it (a header may hold quoted line breaks)."""
    quotes = position = 0
    while (newline := head.find(b"\n", position)) >= 0:
        quotes += head.count(b'"', position, newline)
        if quotes % 2 == 0:
            return newline + 1
        position = newline + 1
    raise ImportFileError(_("The file's header line is longer than 1 MB."))


def _last_record_end(block: bytes) -> int:
    """The byte after the last line break in ``block`` that ends a record (0: none)."""
    total = block.count(b'"')
    position = len(block)
    while True:
        newline = block.rfind(b"\n", 0, position)
        if newline < 0:
            return 0
        after = block.count(b'"', newline)
        if (total - after) % 2 == 0:
            return newline + 1
        position = newline


def blocks(source: CsvFile) -> Iterator[bytes]:
    """The data lines in blocks of about ``chunk_bytes()``, each ending at a record's end,
    as UTF-8."""
    size = chunk_bytes()
    with source.path.open("rb") as handle:
        handle.seek(source.start)
        rest = b""
        while True:
            data = handle.read(size)
            block = rest + data
            if not data:
                if block.strip():
                    yield _utf8(block, source.encoding)
                return
            end = _last_record_end(block)
            if end == 0:  # one record longer than a block: read on
                rest = block
                continue
            rest = block[end:]
            yield _utf8(block[:end], source.encoding)


def _utf8(block: bytes, encoding: str) -> bytes:
    return block.decode("cp1252").encode("utf-8") if encoding == "cp1252" else block


def frames(source: CsvFile, limits: Limits | None = None) -> Iterator[pl.DataFrame]:
    """Each block as a frame of text columns with the file's header (stripped), checked
    against the limits; the number of rows is checked over the whole file."""
    limits = limits or Limits.from_settings()
    rows = 0
    for block in blocks(source):
        try:
            frame = pl.read_csv(
                block,
                has_header=False,
                new_columns=source.header,
                separator=source.separator,
                infer_schema=False,
                empty_string_is_null=False,
                truncate_ragged_lines=False,
                quote_char='"',
            )
        except pl.exceptions.PolarsError as exc:
            text = block.decode("utf-8", errors="replace")
            columns = len(source.header)
            raise unreadable(
                text, source.separator, exc, columns=columns, first_row=rows + 2
            ) from exc
        if frame.height == 0:
            continue
        rows += frame.height
        if rows > limits.rows:
            raise ImportFileError(
                _("The file has more than %(max)s rows; Koers reads at most %(max)s in one import.")
                % {"max": f"{limits.rows:,}"}
            )
        yield _checked(_clean(frame), limits)
