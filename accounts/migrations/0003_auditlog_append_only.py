"""The database refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) on the audit table.

Works on both supported databases; ``accounts.append_only`` holds the SQL (the ``flush`` command
used by the test-suite lifts the triggers for the duration of a flush and restores them).
"""
from django.db import migrations


def create(apps, schema_editor):
    from accounts.append_only import install

    install(schema_editor.connection)


def drop(apps, schema_editor):
    from accounts.append_only import uninstall

    uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_password_history"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
