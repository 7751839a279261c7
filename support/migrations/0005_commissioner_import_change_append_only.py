"""The change rows of the commissioner-assignment import (``CommissionerImportChange``) are part of
the audit trail, like every import kind's: the database refuses UPDATE and DELETE on them (and
TRUNCATE on PostgreSQL), whoever issues it.
"""

from django.db import migrations

# The SQL is frozen here (a migration does not import application code); accounts/append_only.py
# writes the same statements for ``flush``, and tests/test_migrations.py checks they agree.
INSTALL = {
    "support_commissionerimportchange": {
        "postgresql": [
            "\n        CREATE OR REPLACE FUNCTION support_commissionerimportchange_refuse() RETURNS trigger LANGUAGE plpgsql AS $$\n        BEGIN\n            RAISE EXCEPTION 'support_commissionerimportchange is append-only: UPDATE and DELETE are refused (%)', TG_OP USING ERRCODE = 'insufficient_privilege';\n        END\n        $$\n        ",
            'DROP TRIGGER IF EXISTS support_commissionerimportchange_no_change ON support_commissionerimportchange',
            'CREATE TRIGGER support_commissionerimportchange_no_change BEFORE UPDATE OR DELETE ON support_commissionerimportchange\n            FOR EACH ROW EXECUTE FUNCTION support_commissionerimportchange_refuse()',
            'DROP TRIGGER IF EXISTS support_commissionerimportchange_no_truncate ON support_commissionerimportchange',
            'CREATE TRIGGER support_commissionerimportchange_no_truncate BEFORE TRUNCATE ON support_commissionerimportchange\n            FOR EACH STATEMENT EXECUTE FUNCTION support_commissionerimportchange_refuse()',
        ],
        "sqlite": [
            "CREATE TRIGGER IF NOT EXISTS support_commissionerimportchange_no_update BEFORE UPDATE ON support_commissionerimportchange\n            BEGIN SELECT RAISE(ABORT, 'support_commissionerimportchange is append-only: UPDATE and DELETE are refused'); END",
            "CREATE TRIGGER IF NOT EXISTS support_commissionerimportchange_no_delete BEFORE DELETE ON support_commissionerimportchange\n            BEGIN SELECT RAISE(ABORT, 'support_commissionerimportchange is append-only: UPDATE and DELETE are refused'); END",
        ],
    },
}
UNINSTALL = {
    "support_commissionerimportchange": {
        "postgresql": [
            'DROP TRIGGER IF EXISTS support_commissionerimportchange_no_change ON support_commissionerimportchange',
            'DROP TRIGGER IF EXISTS support_commissionerimportchange_no_truncate ON support_commissionerimportchange',
            'DROP FUNCTION IF EXISTS support_commissionerimportchange_refuse()',
        ],
        "sqlite": [
            'DROP TRIGGER IF EXISTS support_commissionerimportchange_no_update',
            'DROP TRIGGER IF EXISTS support_commissionerimportchange_no_delete',
        ],
    },
}


def run(connection, statements):
    for table in statements:
        if connection.vendor not in statements[table]:
            raise NotImplementedError(f"append-only triggers are not written for {connection.vendor}")
        with connection.cursor() as cursor:
            for sql in statements[table][connection.vendor]:
                cursor.execute(sql)


def protect(apps, schema_editor):
    run(schema_editor.connection, INSTALL)


def unprotect(apps, schema_editor):
    run(schema_editor.connection, UNINSTALL)


class Migration(migrations.Migration):
    dependencies = [
        ('support', '0004_request_attachments'),
    ]

    operations = [
        migrations.RunPython(protect, unprotect, elidable=False),
    ]
