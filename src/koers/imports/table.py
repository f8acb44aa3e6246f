"""What every table read from a file must satisfy, whatever its format (CSV or Excel):
the limits, the header, the cleaning of its cells, and the errors that refuse a file."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Limits:
    bytes: int
    rows: int
    columns: int
    cell: int

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(
            settings.KOERS_IMPORT_MAX_MB * 1024 * 1024,
            settings.KOERS_IMPORT_MAX_ROWS,
            settings.KOERS_IMPORT_MAX_COLUMNS,
            settings.KOERS_IMPORT_MAX_CELL,
        )


class ImportFileError(ValueError):
    """The file cannot be read as a table at all; nothing is imported."""


class MappingError(ImportFileError):
    """A mapping document that cannot be used, with what is wrong in it."""


def _check_header(header: list[str], limits: Limits) -> None:
    """Too many columns, or a header that appears twice (also as ``name`` and `` Name``)."""
    if len(header) > limits.columns:
        raise ImportFileError(
            _("The file has %(n)s columns; Koers reads at most %(max)s.")
            % {"n": f"{len(header):,}", "max": limits.columns}
        )
    seen: dict[str, str] = {}
    for name in header:
        key = str(name or "").strip().lstrip("\ufeff").casefold()
        if key and key in seen:
            raise ImportFileError(
                _("The column “%(name)s” appears more than once (also as “%(other)s”).")
                % {"name": str(name).strip(), "other": seen[key].strip()}
            )
        seen[key] = str(name)


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.width == 0 or frame.height == 0:
        raise ImportFileError(_("The file has a header but no rows."))
    renamed = {c: c.strip().lstrip("\ufeff") for c in frame.columns}
    return frame.rename(renamed).with_columns(
        pl.all().cast(pl.Utf8).str.strip_chars().fill_null("")
    )
