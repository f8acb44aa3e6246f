from django.db import migrations

from koers.steer.defaults import ensure_defaults


def add(apps, schema_editor):
    ensure_defaults(apps.get_model("steer", "Competency"), apps.get_model("steer", "RoleRequirement"))


class Migration(migrations.Migration):
    dependencies = [("steer", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
