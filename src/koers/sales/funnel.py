"""The default funnel of the method: suspect → prospect → hot prospect → customer, and lost,
with default win probabilities, plus common won and lost reasons.

Created by a migration on a new database; also callable with the real models (the demo
loader and the tests use it after a database was flushed).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

STAGES = [
    ("suspect", "Suspect", "Suspect", 1, "open", "10"),
    ("prospect", "Prospect", "Prospect", 2, "open", "25"),
    ("hot_prospect", "Hot prospect", "Hot prospect", 3, "open", "60"),
    ("customer", "Customer (won)", "Klant (gewonnen)", 4, "won", "100"),
    ("lost", "Lost", "Verloren", 5, "lost", "0"),
]
REASONS = [
    ("lost", "Price too high", "Prijs te hoog"),
    ("lost", "Chose a competitor", "Koos een concurrent"),
    ("lost", "No budget", "Geen budget"),
    ("lost", "Project postponed", "Project uitgesteld"),
    ("won", "Relationship", "Relatie"),
    ("won", "Technical advice", "Technisch advies"),
    ("won", "Price", "Prijs"),
    ("won", "Delivery time", "Levertijd"),
]


def ensure_default_funnel(process_model: Any, stage_model: Any, reason_model: Any) -> None:
    """Create the default process, stages and reasons unless a process exists."""
    if process_model.objects.exists():
        return
    process = process_model.objects.create(name="Standaard verkoopproces", is_default=True)
    for code, en, nl, order, kind, probability in STAGES:
        stage_model.objects.create(
            process=process,
            code=code,
            name_en=en,
            name_nl=nl,
            order=order,
            kind=kind,
            probability=Decimal(probability),
        )
    for kind, en, nl in REASONS:
        reason_model.objects.create(kind=kind, name_en=en, name_nl=nl)
