"""The change rows of the disbursement-list import (``GrantImportChange``) are part of the audit
trail, like every import kind's: the database refuses UPDATE and DELETE on them (and TRUNCATE on
PostgreSQL), whoever issues it.
"""

from django.db import migrations

# The SQL is frozen here (a migration does not import application code); accounts/append_only.py
# writes the same statements for ``flush``, and tests/test_migrations.py checks they agree.
INSTALL = {
    "policies_grantimportchange": {
        "postgresql": [
            "\n        CREATE OR REPLACE FUNCTION policies_grantimportchange_refuse() RETURNS trigger LANGUAGE plpgsql AS $$\n        BEGIN\n            RAISE EXCEPTION 'policies_grantimportchange is append-only: UPDATE and DELETE are refused (%)', TG_OP USING ERRCODE = 'insufficient_privilege';\n        END\n        $$\n        ",
            'DROP TRIGGER IF EXISTS policies_grantimportchange_no_change ON policies_grantimportchange',
            'CREATE TRIGGER policies_grantimportchange_no_change BEFORE UPDATE OR DELETE ON policies_grantimportchange\n            FOR EACH ROW EXECUTE FUNCTION policies_grantimportchange_refuse()',
            'DROP TRIGGER IF EXISTS policies_grantimportchange_no_truncate ON policies_grantimportchange',
            'CREATE TRIGGER policies_grantimportchange_no_truncate BEFORE TRUNCATE ON policies_grantimportchange\n            FOR EACH STATEMENT EXECUTE FUNCTION policies_grantimportchange_refuse()',
        ],
        "sqlite": [
            "CREATE TRIGGER IF NOT EXISTS policies_grantimportchange_no_update BEFORE UPDATE ON policies_grantimportchange\n            BEGIN SELECT RAISE(ABORT, 'policies_grantimportchange is append-only: UPDATE and DELETE are refused'); END",
            "CREATE TRIGGER IF NOT EXISTS policies_grantimportchange_no_delete BEFORE DELETE ON policies_grantimportchange\n            BEGIN SELECT RAISE(ABORT, 'policies_grantimportchange is append-only: UPDATE and DELETE are refused'); END",
        ],
    },
}
UNINSTALL = {
    "policies_grantimportchange": {
        "postgresql": [
            'DROP TRIGGER IF EXISTS policies_grantimportchange_no_change ON policies_grantimportchange',
            'DROP TRIGGER IF EXISTS policies_grantimportchange_no_truncate ON policies_grantimportchange',
            'DROP FUNCTION IF EXISTS policies_grantimportchange_refuse()',
        ],
        "sqlite": [
            'DROP TRIGGER IF EXISTS policies_grantimportchange_no_update',
            'DROP TRIGGER IF EXISTS policies_grantimportchange_no_delete',
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
        ('policies', '0003_grant_import_changes'),
    ]

    operations = [
        migrations.RunPython(protect, unprotect, elidable=False),
    ]
