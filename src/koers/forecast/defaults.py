"""The OSKA matrix's default factors: what the migration creates, and what Koers puts back
when the factor table is empty (a new database, or a test that flushed it)."""

from __future__ import annotations

from typing import Any

DEFAULT_FACTORS = [
    ("relationship", "Relationship with the customer", 3, 1),
    ("budget", "Budget confirmed", 3, 2),
    ("decision_maker", "Decision maker reached", 2, 3),
    ("competition", "Our position against the competition", 2, 4),
    ("timing", "Timing: a decision date agreed", 1, 5),
]


def ensure_default_factors(factor: Any) -> None:
    """Create the default factors with ``factor`` (the model, or a migration's historical
    model) when there are none at all."""
    if factor.objects.exists():
        return
    for code, name, weight, order in DEFAULT_FACTORS:
        factor.objects.get_or_create(
            code=code, defaults={"name": name, "weight": weight, "order": order}
        )
