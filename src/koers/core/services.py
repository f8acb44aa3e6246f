"""The generic write path: validate with named errors, save, audit, all in one transaction."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model

from koers.core.audit import audit, snapshot
from koers.core.errors import full_clean_named

M = TypeVar("M", bound=Model)


def record_save(*, obj: M, by: Any, before: dict[str, Any] | None = None) -> M:
    """Check that ``by`` may make this change (field by field, see
    ``koers.org.write_rules``), validate and save ``obj``, and record the change.
    ``before`` is the snapshot taken before the caller changed the object (fetched from
    the database when omitted)."""
    if before is None and obj.pk is not None:
        before = snapshot(type(obj)._default_manager.filter(pk=obj.pk).first())
    from koers.org.write_rules import check_write

    check_write(by, obj, before)
    with transaction.atomic():
        full_clean_named(obj)
        action = "update" if obj.pk else "create"
        obj.save()
        audit(actor=by, action=action, obj=obj, before=before)
        facts_changed(obj, before)
    return obj


# Rows that change the facts of the record they belong to: a credit split of an order line,
# a share of an opportunity (the attribute that reaches the record with the dates).
FACT_PARENTS = {"sales_orderlinecredit": "line", "sales_opportunitysplit": "opportunity"}


def facts_changed(obj: Any, before: dict[str, Any] | None = None) -> None:
    """A sales record saved or deleted (on any write path) changes the KPI facts of its
    months, before and after the change: mark them stale, so the next page or run that
    reads them refreshes them first."""
    import datetime as dt

    from koers.measure.freshness import FACT_SOURCES, mark_stale, months_of

    parent = FACT_PARENTS.get(obj._meta.db_table)
    if parent is not None:
        obj, before = getattr(obj, parent, None), None
        if obj is None:
            return
    dates = FACT_SOURCES.get(obj._meta.db_table, ())
    days = [getattr(obj, name) for name in dates]
    for name in dates:
        old = (before or {}).get(name)
        days.append(dt.date.fromisoformat(old[:10]) if isinstance(old, str) and old else None)
    months = months_of(d for d in days if isinstance(d, dt.date))
    if months:
        mark_stale(months)
