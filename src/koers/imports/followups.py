"""What must happen after rows are written, so the data stays whole: unit paths, unit
memberships, default credit splits, stage history, credit holders, and references to
rows of the same file."""

from __future__ import annotations

import polars as pl
from django.db import connection
from django.utils import timezone

from koers.core.bulk import bulk_insert, worth_rebuilding
from koers.imports.references import exact_ids, resolve
from koers.imports.specs import Kind


def run(spec: Kind, frame: pl.DataFrame, new: pl.DataFrame, changed: pl.DataFrame) -> None:
    _same_file_references(spec, frame)
    new_ids = None
    if new.height and "id" in new.columns and new["id"].null_count() == 0:  # written with ids
        new_ids = new["id"]
    elif spec.ref_key in frame.columns and new.height:
        keys = new.select(pl.col(spec.ref_key).cast(pl.Utf8).alias("key"))
        ids = exact_ids(spec.name, keys["key"])
        new_ids = keys.join(ids, on="key", how="left", maintain_order="left")["id"]
    handler = {
        "units": _units,
        "people": _people,
        "opportunities": _opportunities,
        "orders": _orders,
    }.get(spec.name)
    if handler:
        handler(new, changed, new_ids)


def _same_file_references(spec: Kind, frame: pl.DataFrame) -> None:
    for column in spec.columns:
        key_column = f"_{column.name}_key"
        if key_column not in frame.columns:
            continue
        pending = frame.filter(pl.col(key_column).is_not_null() & pl.col(column.name).is_null())
        if pending.height == 0:
            continue
        targets, _missing = resolve(pending.select(pl.col(key_column)), key_column, spec.name)
        own = exact_ids(spec.name, pending[spec.ref_key]).rename({"key": "own", "id": "row_id"})
        rows = (
            pending.select(pl.col(spec.ref_key).alias("own"))
            .with_columns(id=targets[key_column])
            .join(own, on="own")
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                f'UPDATE "{spec.table}" SET "{column.name}" = %s WHERE id = %s',
                rows.select("id", "row_id").rows(),
            )


def _units(new, changed, new_ids) -> None:
    """Rebuild every unit's materialised path (units are few)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, parent_id FROM org_orgunit")
        parent = dict(cursor.fetchall())

        def path(unit: int, seen: tuple[int, ...] = ()) -> str:
            up = parent[unit]
            prefix = path(up, (*seen, unit)) if up and up not in seen else ""
            return f"{prefix}{unit:06d}."

        cursor.executemany(
            "UPDATE org_orgunit SET path = %s WHERE id = %s", [(path(u), u) for u in parent]
        )


def _given_value(changed: pl.DataFrame, name: str) -> pl.Expr:
    """False where the file's cell was empty and the record keeps its stored value."""
    keep = f"_keep_{name}"
    return ~pl.col(keep).fill_null(False) if keep in changed.columns else pl.lit(True)


def _people(new, changed, new_ids) -> None:
    if new_ids is not None:
        bulk_insert(
            "org_unitmembership",
            pl.DataFrame(
                {
                    "person_id": new_ids,
                    "unit_id": new["unit_id"],
                    "valid_from": new["start_date"],
                    "valid_to": None,
                },
                schema_overrides={"valid_to": pl.Date},
            ),
        )
    if new_ids is not None:
        manager = new["manager_id"] if "manager_id" in new.columns else None
        bulk_insert(
            "org_managerlink",
            pl.DataFrame(
                {
                    "person_id": new_ids,
                    "manager_id": manager,
                    "valid_from": new["start_date"],
                    "valid_to": None,
                },
                schema_overrides={"manager_id": pl.Int64, "valid_to": pl.Date},
            ),
        )
    if "manager_id__db" in changed.columns:
        from koers.org.models import Person
        from koers.org.services import person_move_manager

        rebossed = changed.filter(
            pl.col("manager_id").cast(pl.Int64).ne_missing(pl.col("manager_id__db").cast(pl.Int64))
            & _given_value(changed, "manager_id")
        )
        for person_id, manager_id in rebossed.select("id", "manager_id").rows():
            person_move_manager(
                person=Person(pk=person_id), manager_id=manager_id, on=timezone.localdate()
            )
    if "unit_id__db" not in changed.columns:
        return
    moved = changed.filter(
        (pl.col("unit_id") != pl.col("unit_id__db").cast(pl.Int64))
        & _given_value(changed, "unit_id")
    )
    if moved.height:
        from koers.org.models import Person
        from koers.org.services import person_move_membership

        today = timezone.localdate()
        for person_id, unit_id in moved.select("id", "unit_id").rows():
            person_move_membership(person=Person(pk=person_id), unit_id=unit_id, on=today)


def _opportunities(new, changed, new_ids) -> None:
    if new_ids is not None:
        bulk_insert(
            "sales_opportunitysplit",
            pl.DataFrame(
                {"opportunity_id": new_ids, "person_id": new["owner_id"], "percent": "100.00"}
            ),
        )
        bulk_insert(
            "sales_stagechange",
            pl.DataFrame(
                {
                    "opportunity_id": new_ids,
                    "stage_id": new["stage_id"],
                    "changed_on": new["created_on"],
                }
            ),
        )
    if "stage_id__db" not in changed.columns:
        return
    restaged = changed.filter(
        (pl.col("stage_id") != pl.col("stage_id__db").cast(pl.Int64))
        & _given_value(changed, "stage_id")
    )
    if restaged.height:
        day = restaged["closed_on"].fill_null(timezone.localdate())
        bulk_insert(
            "sales_stagechange",
            pl.DataFrame(
                {
                    "opportunity_id": restaged["id"],
                    "stage_id": restaged["stage_id"],
                    "changed_on": day,
                }
            ),
        )


def _orders(new, changed, new_ids) -> None:
    if new_ids is None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, owner_id FROM sales_account WHERE owner_id IS NOT NULL")
        owners = pl.DataFrame(
            cursor.fetchall(), schema={"account_id": pl.Int64, "owner": pl.Int64}, orient="row"
        )
    credits = (
        new.select("account_id", "credited_to")
        .with_columns(line_id=new_ids)
        .join(owners, on="account_id", how="left", maintain_order="left")
    )
    bulk_insert(
        "sales_orderlinecredit",
        credits.select(
            "line_id",
            pl.coalesce("credited_to", "owner").alias("person_id"),
            pl.lit("100.00").alias("percent"),
        ),
        # a large load checks its foreign keys in one pass, not one trigger per row
        rebuild_indexes=worth_rebuilding("sales_orderlinecredit", credits.height),
    )
