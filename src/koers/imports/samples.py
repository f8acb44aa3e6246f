"""Koers's own import template and the sample files of each preset."""

from __future__ import annotations

from pathlib import Path

from koers.imports.specs import KINDS

SAMPLES = Path(__file__).parent / "sample_files"
# The order in which files refer only to what came before.
IMPORT_ORDER = [
    "units",
    "people",
    "territories",
    "product-groups",
    "products",
    "accounts",
    "campaigns",
    "campaign-costs",
    "opportunities",
    "stage-history",
    "activities",
    "leads",
    "lead-touches",
    "orders",
    "nps",
    "exchange-rates",
    "targets",
    "unit-targets",
    "operating-costs",
    "expenses",
]


def sample_path(kind: str, preset: str = "koers") -> Path:
    return SAMPLES / (preset or "koers") / f"{kind}.csv"


def template_csv(kind: str) -> str:
    """Koers's template for ``kind``: every column, with example rows."""
    path = sample_path(kind)
    if path.exists():
        return path.read_text(encoding="utf-8")
    return ";".join(c.header for c in KINDS[kind].columns) + "\n"


PRESET_ORDER = {
    "salesforce": [
        "people",
        "accounts",
        "opportunities",
        "activities",
        "campaigns",
        "campaign-costs",
    ],
    "hubspot": ["accounts", "opportunities", "leads", "campaigns", "campaign-costs"],
    "odoo": ["accounts", "opportunities", "orders"],
    "dynamics": ["accounts", "opportunities"],
    "pipedrive": ["accounts", "opportunities"],
    "teamleader": ["accounts", "opportunities"],
    "exact": ["accounts", "orders"],
    "afas": ["people", "accounts", "orders"],
}
