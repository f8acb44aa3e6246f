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
    months, before and after the change: mark the keys it touched stale (the people its
    figures count for and its account, or the whole months for a kind whose people are
    not known here), so the next page or run that reads them refreshes them first."""
    import datetime as dt

    from koers.measure.freshness import FACT_SOURCES, mark_stale, months_of

    touched: dict[str, set[Any]] | None = None
    parent = FACT_PARENTS.get(obj._meta.db_table)
    if parent is not None:
        touched = {"people": {getattr(obj, "person_id", None)}, "accounts": set()}
        obj, before = getattr(obj, parent, None), None
        if obj is None:
            return
    dates = FACT_SOURCES.get(obj._meta.db_table, ())
    days = [getattr(obj, name) for name in dates]
    for name in dates:
        old = (before or {}).get(name)
        days.append(dt.date.fromisoformat(old[:10]) if isinstance(old, str) and old else None)
    months = months_of(d for d in days if isinstance(d, dt.date))
    if not months:
        return
    keys = fact_keys(obj, before or {})
    if keys is None:
        mark_stale(months)
        return
    if touched is not None:
        keys["people"] |= touched["people"]
    mark_stale(months, people=keys["people"], accounts=keys["accounts"])


def fact_keys(obj: Any, before: dict[str, Any]) -> dict[str, set[Any]] | None:
    """The people whose KPI facts ``obj`` counts in and the accounts whose month facts it
    counts in, now and ``before`` the change; None for a kind whose keys are not known
    (its whole months are refreshed)."""
    table = obj._meta.db_table

    def both(relation: str) -> set[Any]:
        """The id a relation points to now and before (a snapshot keeps it by its name)."""
        return {getattr(obj, f"{relation}_id", None), before.get(relation)} - {None}

    if table in {"sales_activity", "sales_lead", "sales_opportunity"}:
        return {"people": both("owner"), "accounts": set()}
    if table == "sales_orderline":
        if obj.pk is None:
            return None
        credited = set(obj.credits.values_list("person_id", flat=True))
        return {"people": credited, "accounts": both("account")}
    if table == "sales_npsresponse":
        from koers.sales.models import Account

        accounts = both("account")
        owners = set(Account.objects.filter(pk__in=accounts).values_list("owner_id", flat=True))
        return {"people": both("person") | owners, "accounts": set()}
    return None
