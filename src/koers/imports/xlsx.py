"""Reading an uploaded spreadsheet (XLSX) within a budget fixed by the file's size.

A spreadsheet is a zip of XML: a few kilobytes can unpack to gigabytes, claim a million rows
of empty cells, or hold one cell of 200 million characters. Before any of it is parsed, one
streaming pass over the unpacked parts (never holding more than a block of it) checks what
parsing would cost, and refuses the file with a message when it is more than its size can
justify:

- the parts unpack to at most ``UNPACKED_FLOOR`` + ``UNPACKED_PER_BYTE`` × the file's size
  (and never more than ``MAX_UNPACKED_RATIO`` × the upload limit or 4 GiB);
- every row counts, empty ones too, against the row limit;
- no cell or shared string is longer than the cell limit allows;
- the sheet's grid (highest row × widest row) fits the memory budget: the reader
  holds it whole;
- no part declares a DTD or entities (a spreadsheet never needs them);
- no cell of the first sheet holds a formula (its cached value is not imported silently).

What passes is read by calamine (``fastexcel``), tens of times faster than a Python XML
parser; any error it still finds in the XML is a message, never a server error. The budget
(``MEMORY_FLOOR``/``MEMORY_PER_MB``, five seconds of CPU per uploaded MB) is measured by
``bench/upload_budget.py`` and documented in docs/security.md.
"""

from __future__ import annotations

import bisect
import io
import re
import zipfile

import polars as pl
from django.utils.translation import gettext as _

from koers.imports.table import ImportFileError, Limits, _check_header, _clean

UNPACKED_FLOOR = 16 * 1024 * 1024  # bytes any spreadsheet may unpack to
UNPACKED_PER_BYTE = 30  # … plus this many bytes per byte of the file
MAX_UNPACKED_RATIO = 100  # and never more than 100 × the upload limit
MEMORY_FLOOR = 200 * 1024 * 1024  # the reader's memory budget for any file …
MEMORY_PER_MB = 50 * 1024 * 1024  # … or this much per uploaded MB, whichever is more
CELL_BYTES = 32  # what the reader holds per cell of the grid, empty or not
BYTES_PER_CHAR = 8  # the most bytes one character takes in XML (an entity such as &#x1F600;)
BLOCK = 1024 * 1024

ENTITY = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# the usual way of writing rows, cells and their references (searched fast, from a literal
# prefix); a part written otherwise (a namespace prefix, a reference after a line break or
# with spaces around "=") is searched with the general patterns
ROW = re.compile(rb"<row[\s/>]")
CELL = re.compile(rb"<c[\s/>]")
ROW_NUMBER = re.compile(rb"""[ ]r=["'][A-Z]{0,3}([0-9]+)""")
COLUMN = re.compile(rb"""[ ]r=["']([A-Z]{1,3})[0-9]""")
# what can only be there when a part is written in an unusual way (text may hold it too:
# that only makes the search slower, never wrong)
UNUSUAL = (b":row", b":c ", b":c>", b":c/", b"\nr", b"\tr", b"\rr", b"r =", b"r\t=", b"r\n=")
UNUSUAL += (b"r\r=", b"r= ", b"r=\t", b"r=\n", b"r=\r")
GENERAL = {
    ROW: re.compile(rb"<(?:\w+:)?row[\s/>]"),
    CELL: re.compile(rb"<(?:\w+:)?c[\s/>]"),
    ROW_NUMBER: re.compile(rb"""\sr\s*=\s*["'][A-Z]{0,3}([0-9]+)"""),
    COLUMN: re.compile(rb"""\sr\s*=\s*["']([A-Z]{1,3})[0-9]"""),
}
FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<f[ >/]')
CARRY = 512  # bytes of one block kept to find a match that the next block completes


def unpacked_cap(size: int, limits: Limits) -> int:
    """The most bytes a spreadsheet of ``size`` bytes may unpack to."""
    return min(
        UNPACKED_FLOOR + UNPACKED_PER_BYTE * size,
        limits.bytes * MAX_UNPACKED_RATIO,
        4 * 1024**3,
    )


def memory_budget(size: int) -> int:
    """The most memory reading a spreadsheet of ``size`` bytes may take."""
    return max(MEMORY_FLOOR, MEMORY_PER_MB * size // (1024 * 1024))


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f}"


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _first_sheet(archive: zipfile.ZipFile, names: set[str]) -> str:
    """The path of the workbook's first sheet (the one the reader reads)."""
    try:
        workbook = archive.read("xl/workbook.xml")[:1_000_000]
        rels = archive.read("xl/_rels/workbook.xml.rels")[:1_000_000]
    except KeyError:
        workbook = rels = b""
    sheet = re.search(rb'<(?:\w+:)?sheet\s[^>]*?\br:id="([^"]+)"', workbook)
    if sheet:
        for tag in re.findall(rb"<Relationship\s[^>]*>", rels):
            if re.search(rb'\bId="' + re.escape(sheet.group(1)) + rb'"', tag):
                target = re.search(rb'\bTarget="([^"]+)"', tag)
                if target:
                    path = target.group(1).decode("utf-8", "replace")
                    path = path.lstrip("/") if path.startswith("/") else "xl/" + path
                    if path in names:
                        return path
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    return sheets[0] if sheets else ""


class _Scan:
    """What one streaming pass over a spreadsheet's parts found. Each part is read in blocks;
    the last ``CARRY`` bytes of a block are searched again with the next one, and a match
    counts only when it ends in the new block, so none is missed or counted twice."""

    def __init__(self, limits: Limits, cap: int) -> None:
        self.limits, self.cap = limits, cap
        self.unpacked = 0
        self.rows = 0
        self.height = 0  # the highest row number referred to, or rows counted
        self.width = 0  # the highest column referred to, or the most cells in a row
        self.referred_width = 0  # the highest column referred to
        self.cells = self.referred = 0  # cells, and those with a reference
        self.row_cells = 0  # cells in the row being read, once counted row by row
        self.unusual = False  # the sheet is written in an unusual way
        self.formulas: list[str] = []
        self.formula_count = 0
        self.longest = limits.cell * BYTES_PER_CHAR  # the longest text allowed, in bytes

    def part(self, member: io.BufferedIOBase, sheet: bool, text: bool) -> None:
        carry = b""
        run = 0  # bytes of text since the last "<"
        while block := member.read(BLOCK):
            self.unpacked += len(block)
            if self.unpacked > self.cap:
                self._refuse_unpacked()
            window = carry + block
            if ENTITY.search(window):
                raise ImportFileError(
                    _(
                        "The spreadsheet declares XML entities, which spreadsheets never "
                        "need: Koers does not read it. Save it again from your spreadsheet "
                        "program."
                    )
                )
            if text:
                run = self._text(run, block)
            if sheet:
                self._sheet(window, len(carry))
            carry = window[-CARRY:]

    def _text(self, run: int, block: bytes) -> int:
        """Refuse text (a cell's value, a shared string) longer than the cell limit; each
        run of text is looked at once, from its "<"."""
        first = block.find(b"<")
        if first < 0:
            run += len(block)
        elif run + first > self.longest or re.search(rb"<[^<]{%d}" % (self.longest + 1), block):
            self._refuse_cell()
        else:
            run = len(block) - block.rfind(b"<") - 1
        if run > self.longest:
            self._refuse_cell()
        return run

    def _sheet(self, window: bytes, fresh: int) -> None:
        """Rows, the grid's height and width, and formulas; set-based per block (a
        Python step per row only for cells placed without a reference)."""
        carry = window[:fresh]
        unusual = self.unusual = self.unusual or any(u in window for u in UNUSUAL)
        row, cell, row_number, column = (
            (GENERAL[p] if unusual else p) for p in (ROW, CELL, ROW_NUMBER, COLUMN)
        )
        self.rows += len(row.findall(window)) - len(row.findall(carry))
        if self.rows > self.limits.rows + 1:
            raise ImportFileError(
                _("The file has more than %(max)s rows; Koers reads at most that many.")
                % {"max": f"{self.limits.rows:,}"}
            )
        numbers = row_number.findall(window)
        if numbers:
            self.height = max(self.height, max(map(int, numbers)))
        self.height = max(self.height, self.rows)
        letters = column.findall(window)
        if letters:
            self.referred_width = max(self.referred_width, max(map(_column_number, set(letters))))
            self.width = max(self.width, self.referred_width)
        self.cells += len(cell.findall(window)) - len(cell.findall(carry))
        self.referred += len(letters) - len(column.findall(carry))
        # a cell without a reference goes one column right of the one before it: a few
        # widen the grid by at most their number; many are counted row by row
        unreferenced = max(0, self.cells - self.referred)
        if unreferenced > self.limits.columns:
            self._count_row_cells(window, fresh, row, cell)
        else:
            self.width = max(self.width, self.referred_width + unreferenced)
        if self.width > self.limits.columns:
            _check_header([""] * self.width, self.limits)
        for match in FORMULA_CELL.finditer(window):
            if match.end() > fresh:
                self.formula_count += 1
                if len(self.formulas) < 10:
                    self.formulas.append(match.group(1).decode())

    def _count_row_cells(
        self, window: bytes, fresh: int, row: re.Pattern, cell: re.Pattern
    ) -> None:
        """The row with the most cells bounds the grid's width too."""
        rows = [m.start() for m in row.finditer(window) if m.end() > fresh]
        cells = [m.start() for m in cell.finditer(window) if m.end() > fresh]
        before = 0
        for start in rows:
            at = bisect.bisect_left(cells, start)
            self.width = max(self.width, self.row_cells + at - before)
            self.row_cells, before = 0, at
        self.row_cells += len(cells) - before
        self.width = max(self.width, self.row_cells)

    def _refuse_unpacked(self) -> None:
        raise ImportFileError(
            _(
                "The spreadsheet unpacks to more than %(mb)s MB, more than Koers reads from a "
                "file of this size. Remove empty rows and columns, or save it as CSV."
            )
            % {"mb": _mb(self.cap)}
        )

    def _refuse_cell(self) -> None:
        raise ImportFileError(
            _("A cell holds more than %(max)s characters; at most %(max)s are read.")
            % {"max": f"{self.limits.cell:,}"}
        )


def scan(raw: bytes, limits: Limits) -> None:
    """Refuse a spreadsheet whose reading would cost more than its size justifies."""
    cap = unpacked_cap(len(raw), limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        items = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(_("This file is not a spreadsheet Koers can read.")) from exc
    scanned = _Scan(limits, cap)
    if sum(item.file_size for item in items) > cap:
        scanned._refuse_unpacked()
    names = {item.filename for item in items}
    sheet = _first_sheet(archive, names)
    try:
        for item in items:
            if item.is_dir():
                continue
            is_sheet = item.filename == sheet
            text = is_sheet or item.filename.endswith("sharedStrings.xml")
            with archive.open(item) as member:
                scanned.part(member, is_sheet, text)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, ImportFileError):
            raise
        raise ImportFileError(_("This file is not a spreadsheet Koers can read.")) from exc
    cells = scanned.height * max(scanned.width, 1)
    if cells * CELL_BYTES > memory_budget(len(raw)):
        raise ImportFileError(
            _(
                "The sheet spans %(rows)s rows by %(columns)s columns, more than Koers reads "
                "from a file of this size. Remove empty rows and columns, or save it as CSV."
            )
            % {"rows": f"{scanned.height:,}", "columns": f"{scanned.width:,}"}
        )
    if scanned.formula_count:
        shown = ", ".join(scanned.formulas) + (" …" if scanned.formula_count > 10 else "")
        raise ImportFileError(
            _(
                "%(n)s cells hold a formula (%(cells)s): Koers imports values, not formulas. "
                "Copy the sheet and paste it as values, then import that."
            )
            % {"n": scanned.formula_count, "cells": shown}
        )


def read_xlsx(raw: bytes, limits: Limits) -> pl.DataFrame:
    """The first sheet as a frame of text columns, its first row the header."""
    import fastexcel

    scan(raw, limits)
    try:
        sheet = fastexcel.read_excel(raw).load_sheet(
            0, header_row=None, dtypes="string", n_rows=limits.rows + 2
        )
        grid = sheet.to_polars()
    except Exception as exc:  # calamine's errors have no common base worth naming
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        detail = re.sub(r"^(calamine error: )?(Xlsx error: )?", "", detail)[:160]
        raise ImportFileError(
            _(
                "The spreadsheet is damaged and cannot be read (%(detail)s). Open it in your "
                "spreadsheet program and save it again."
            )
            % {"detail": detail}
        ) from exc
    if grid.width:
        grid = grid.filter(~pl.all_horizontal(pl.all().is_null()))
    if grid.height == 0:
        raise ImportFileError(_("The file is empty."))
    header = list(grid.row(0))
    while header and header[-1] is None:
        header.pop()
    if not header:
        raise ImportFileError(_("The file is empty."))
    _check_header([h or "" for h in header], limits)
    data = grid.slice(1)
    if data.width > len(header):  # values beyond the header's last column
        beyond = data.select(data.columns[len(header) :])
        if (
            beyond.height
            and beyond.select(pl.any_horizontal(pl.all().is_not_null())).to_series().any()
        ):
            widest = len(header) + beyond.width
            if widest > limits.columns:
                _check_header([""] * widest, limits)
    data = data.select(data.columns[: len(header)])
    names = [(h or "").strip() or f"column_{i + 1}" for i, h in enumerate(header)]
    frame = data.rename(dict(zip(data.columns, names, strict=True))).with_columns(
        pl.all()
        .fill_null("")
        .str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "${1}")
        .str.replace(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})", "${1}T${2}")
        .str.replace(r"^true$", "True")
        .str.replace(r"^false$", "False")
    )
    if frame.height == 0:
        raise ImportFileError(_("The file has a header but no rows."))
    return _clean(frame)
