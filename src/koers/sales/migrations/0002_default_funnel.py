from django.db import migrations

from koers.sales.funnel import ensure_default_funnel


def create(apps, schema_editor):
    ensure_default_funnel(apps.get_model("sales", "SalesProcess"), apps.get_model("sales", "Stage"),
                          apps.get_model("sales", "CloseReason"))


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
