from django.db import migrations, models

HELP = "Send this person an e-mail at each stage of the referrals they made"


def add_column(apps, schema_editor):
    # A plain ADD COLUMN: on SQLite, Django's AddField would rebuild the table, which drops the table's own
    # same-workspace triggers (core/db.py) and trips the triggers of the tables that reference it.
    false = "0" if schema_editor.connection.vendor == "sqlite" else "false"
    schema_editor.execute(f"ALTER TABLE partners_partner ADD COLUMN email_updates boolean DEFAULT {false} NOT NULL")


def drop_column(apps, schema_editor):
    schema_editor.execute("ALTER TABLE partners_partner DROP COLUMN email_updates")


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0003_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="partner",
                    name="email_updates",
                    field=models.BooleanField(db_default=False, default=False, help_text=HELP),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column)],
        ),
    ]
