"""The audit trail of an import: each record it changes, with the fields before and after,
written set-based (one insert for all records) so large imports keep their speed."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from django.utils import timezone

from koers.core.bulk import bulk_insert
from koers.imports.specs import Kind, model_for_table


def audit_updates(spec: Kind, changed: pl.DataFrame, columns: list[str], by: Any) -> int:
    """One audit event per changed record: the changed fields' stored values (as text)
    before, and the file's values after. Returns the number of events."""
    if changed.height == 0 or not columns:
        return 0
    model = model_for_table(spec.table)
    field = {c: c.removesuffix("_id") if c.endswith("_id") else c for c in columns}
    rows = changed.select(
        "id",
        *spec.key,
        *[pl.col(c).cast(pl.Utf8).alias(f"a_{c}") for c in columns],
        *[pl.col(f"{c}__db").cast(pl.Utf8).alias(f"b_{c}") for c in columns],
        *[pl.col(f"_keep_{c}") for c in columns if f"_keep_{c}" in changed.columns],
    ).to_dicts()
    before, after = [], []
    for row in rows:
        changes = {
            c: (row[f"b_{c}"], row[f"a_{c}"])
            for c in columns
            if not row.get(f"_keep_{c}") and _differs(row[f"b_{c}"], row[f"a_{c}"])
        }
        before.append(json.dumps({field[c]: b for c, (b, _a) in changes.items()}))
        after.append(json.dumps({field[c]: a for c, (_b, a) in changes.items()}))
    label = " / ".join(spec.key)
    events = pl.DataFrame(
        {
            "at": [timezone.now()] * len(rows),
            "actor_id": [by.pk if getattr(by, "pk", None) else None] * len(rows),
            "action": "import",
            "model": model._meta.label_lower,
            "object_id": [str(r["id"]) for r in rows],
            "object_repr": [
                f"{label} {' / '.join(str(r[k]) for k in spec.key)}"[:200] for r in rows
            ],
            "before": before,
            "after": after,
        },
        schema_overrides={"actor_id": pl.Int64},
    )
    return bulk_insert("org_auditevent", events)


def _differs(before: str | None, after: str | None) -> bool:
    """Stored text against the file's value: numbers compare by value ("1.00" is 1)."""
    if before == after:
        return False
    try:
        return float(before or "nan") != float(after or "nan")
    except ValueError:
        return (before or "") != (after or "")
