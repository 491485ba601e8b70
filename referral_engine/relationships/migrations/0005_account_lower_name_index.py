import django.db.models.functions.text
from django.db import migrations, models


def analyse(apps, schema_editor):
    # PostgreSQL keeps no statistics for an expression until the table is analysed; until then it may plan the
    # name lookup as a scan of the whole table (357 ms a lookup at a million accounts, bench/referral_intake.py).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE relationships_account")


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0004_touchpoint_group"),
        ("workspaces", "0004_help_texts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                models.F("workspace"),
                django.db.models.functions.text.Lower("name"),
                name="account_ws_lower_name",
            ),
        ),
        migrations.RunPython(analyse, migrations.RunPython.noop),
    ]
