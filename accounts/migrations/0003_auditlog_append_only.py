"""The database refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) on the audit table.

Works on both supported databases (the ``flush`` command used by the test-suite lifts the triggers
for the duration of a flush and restores them: ``accounts.append_only``).
"""
from django.db import migrations

# The SQL is frozen here (a migration does not import application code); accounts/append_only.py
# writes the same statements for ``flush``, and tests/test_migrations.py checks they agree.
INSTALL = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION accounts_auditlog_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'accounts_auditlog is append-only: UPDATE and DELETE are refused (%)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$""",
        "DROP TRIGGER IF EXISTS accounts_auditlog_no_change ON accounts_auditlog",
        """CREATE TRIGGER accounts_auditlog_no_change BEFORE UPDATE OR DELETE ON accounts_auditlog
            FOR EACH ROW EXECUTE FUNCTION accounts_auditlog_refuse()""",
        "DROP TRIGGER IF EXISTS accounts_auditlog_no_truncate ON accounts_auditlog",
        """CREATE TRIGGER accounts_auditlog_no_truncate BEFORE TRUNCATE ON accounts_auditlog
            FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditlog_refuse()""",
    ],
    "sqlite": [
        """CREATE TRIGGER IF NOT EXISTS accounts_auditlog_no_update BEFORE UPDATE ON accounts_auditlog
            BEGIN SELECT RAISE(ABORT, 'accounts_auditlog is append-only: UPDATE and DELETE are refused'); END""",
        """CREATE TRIGGER IF NOT EXISTS accounts_auditlog_no_delete BEFORE DELETE ON accounts_auditlog
            BEGIN SELECT RAISE(ABORT, 'accounts_auditlog is append-only: UPDATE and DELETE are refused'); END""",
    ],
}
UNINSTALL = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS accounts_auditlog_no_change ON accounts_auditlog",
        "DROP TRIGGER IF EXISTS accounts_auditlog_no_truncate ON accounts_auditlog",
        "DROP FUNCTION IF EXISTS accounts_auditlog_refuse()",
    ],
    "sqlite": ["DROP TRIGGER IF EXISTS accounts_auditlog_no_update", "DROP TRIGGER IF EXISTS accounts_auditlog_no_delete"],
}


def run(connection, statements):
    if connection.vendor not in statements:
        raise NotImplementedError(f"append-only triggers are not written for {connection.vendor}")
    with connection.cursor() as cursor:
        for sql in statements[connection.vendor]:
            cursor.execute(sql)


def create(apps, schema_editor):
    run(schema_editor.connection, INSTALL)


def drop(apps, schema_editor):
    run(schema_editor.connection, UNINSTALL)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_password_history"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
