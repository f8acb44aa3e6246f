from django.db import migrations

from koers.forecast.defaults import ensure_default_factors


def add(apps, schema_editor):
    ensure_default_factors(apps.get_model("forecast", "OskaFactor"))


class Migration(migrations.Migration):
    dependencies = [("forecast", "0003_oskafactor_oskascore")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
