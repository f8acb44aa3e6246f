"""Column mappings for the standard exports of the CRMs and ERPs people use."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    # kind -> {vendor header: Koers column}
    columns: dict[str, dict[str, str]]
    # kind -> column -> {vendor value (lower case): Koers value}
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    # column -> preferred date format, for exports that write dates one way
    date_formats: dict[str, str] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {}
