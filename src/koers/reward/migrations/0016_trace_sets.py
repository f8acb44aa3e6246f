"""The trace in sets, one per calculation of a run; on PostgreSQL ``reward_tracerow``
becomes a table partitioned by set (``koers.reward.services.trace``). The rows stored
so far become each run's first set."""

import django.db.models.deletion
from django.db import migrations, models


def _sets_of_runs(apps, cursor) -> dict[int, int]:
    """A set for every run with stored trace rows (rows of runs deleted are dropped)."""
    CalcRun = apps.get_model("reward", "CalcRun")
    TraceSet = apps.get_model("reward", "TraceSet")
    cursor.execute("SELECT DISTINCT run_id FROM reward_tracerow")
    runs = set(CalcRun.objects.filter(pk__in=[r[0] for r in cursor.fetchall()]).values_list("pk", flat=True))
    sets = {}
    for run_id in sorted(runs):
        sets[run_id] = TraceSet.objects.create(run_id=run_id).pk
        CalcRun.objects.filter(pk=run_id).update(trace_set=sets[run_id])
    return sets


def forward(apps, schema_editor) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        sets = _sets_of_runs(apps, cursor)
        if connection.vendor != "postgresql":
            cursor.execute(
                "DELETE FROM reward_tracerow WHERE run_id NOT IN "
                "(SELECT id FROM reward_calcrun WHERE trace_set IS NOT NULL)"
            )
            cursor.execute(
                "UPDATE reward_tracerow SET trace_set_id = (SELECT trace_set FROM reward_calcrun "
                "WHERE reward_calcrun.id = reward_tracerow.run_id)"
            )
            return
        _partition(connection, cursor, sets)


def _partition(connection, cursor, sets: dict[int, int]) -> None:
    """Rebuild ``reward_tracerow`` as a table partitioned by set, with the same columns,
    index names and id sequence, and move each run's rows into its set's partition."""
    constraints = connection.introspection.get_constraints(cursor, "reward_tracerow")
    indexes = {
        name: info["columns"]
        for name, info in constraints.items()
        if info["index"] and not info["primary_key"]
    }
    cursor.execute("ALTER TABLE reward_tracerow RENAME TO reward_tracerow_old")
    for number, name in enumerate(indexes):
        cursor.execute(f'ALTER INDEX "{name}" RENAME TO "reward_tracerow_old_{number}"')
    cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM reward_tracerow_old")
    first_id = cursor.fetchone()[0]
    cursor.execute("ALTER TABLE reward_tracerow_old ALTER COLUMN id DROP IDENTITY IF EXISTS")
    cursor.execute("DROP SEQUENCE IF EXISTS reward_tracerow_id_seq")
    cursor.execute(f"CREATE SEQUENCE reward_tracerow_id_seq START {int(first_id)}")
    cursor.execute(
        "ALTER TABLE reward_tracerow_old ALTER COLUMN id SET DEFAULT nextval('reward_tracerow_id_seq')"
    )
    cursor.execute(
        "CREATE TABLE reward_tracerow (LIKE reward_tracerow_old INCLUDING DEFAULTS "
        "INCLUDING CONSTRAINTS) PARTITION BY LIST (trace_set_id)"
    )
    cursor.execute("ALTER SEQUENCE reward_tracerow_id_seq OWNED BY reward_tracerow.id")
    for name, columns in indexes.items():
        listed = ", ".join(f'"{c}"' for c in columns)
        cursor.execute(f'CREATE INDEX "{name}" ON reward_tracerow ({listed})')
    for run_id, set_id in sets.items():
        partition = f"reward_tracerow_{int(set_id)}"
        cursor.execute(
            f'CREATE TABLE "{partition}" (LIKE reward_tracerow INCLUDING DEFAULTS '
            "INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f'ALTER TABLE "{partition}" ADD CONSTRAINT "{partition}_set" '
            f"CHECK (trace_set_id = {int(set_id)})"
        )
        cursor.execute(
            f'INSERT INTO "{partition}" (id, basis, person_id, date, value, order_line_id, '
            f"run_id, trace_set_id) SELECT id, basis, person_id, date, value, order_line_id, "
            f"run_id, {int(set_id)} FROM reward_tracerow_old WHERE run_id = %s "
            "ORDER BY order_line_id",
            [run_id],
        )
        for columns in indexes.values():
            listed = ", ".join(f'"{c}"' for c in columns)
            cursor.execute(f'CREATE INDEX ON "{partition}" ({listed})')
        cursor.execute(
            f'ALTER TABLE reward_tracerow ATTACH PARTITION "{partition}" '
            f"FOR VALUES IN ({int(set_id)})"
        )
        cursor.execute(f'ANALYZE "{partition}"')  # later runs look returns up in it
    cursor.execute("DROP TABLE reward_tracerow_old")


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("reward", "0015_trace_run_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="TraceSet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="reward.calcrun"
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="calcrun",
            name="trace_set",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="tracerow",
            name="trace_set",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                default=0,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="reward.traceset",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(forward),
    ]
