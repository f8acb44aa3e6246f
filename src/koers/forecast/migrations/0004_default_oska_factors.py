from django.db import migrations

DEFAULTS = [
    ("relationship", "Relationship with the customer", 3, 1),
    ("budget", "Budget confirmed", 3, 2),
    ("decision_maker", "Decision maker reached", 2, 3),
    ("competition", "Our position against the competition", 2, 4),
    ("timing", "Timing: a decision date agreed", 1, 5),
]


def add(apps, schema_editor):
    factor = apps.get_model("forecast", "OskaFactor")
    for code, name, weight, order in DEFAULTS:
        factor.objects.get_or_create(code=code, defaults={"name": name, "weight": weight, "order": order})


class Migration(migrations.Migration):
    dependencies = [("forecast", "0003_oskafactor_oskascore")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
