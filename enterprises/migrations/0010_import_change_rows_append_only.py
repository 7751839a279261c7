"""The change rows of the roster and recognition-list imports (``EnterpriseImportChange``,
``TitleImportChange``) are part of the audit trail, like the statistics import's: the database
refuses UPDATE and DELETE on them (and TRUNCATE on PostgreSQL), whoever issues it. Only the
tables' owner can lift the triggers (``flush`` does, with ``accounts.append_only``).
"""

from django.db import migrations

# The SQL is frozen here (a migration does not import application code); accounts/append_only.py
# writes the same statements for ``flush``, and tests/test_migrations.py checks they agree.
INSTALL = {
    "enterprises_enterpriseimportchange": {
        "postgresql": [
            """CREATE OR REPLACE FUNCTION enterprises_enterpriseimportchange_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'enterprises_enterpriseimportchange is append-only: UPDATE and DELETE are refused (%)', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$""",
            "DROP TRIGGER IF EXISTS enterprises_enterpriseimportchange_no_change ON enterprises_enterpriseimportchange",
            """CREATE TRIGGER enterprises_enterpriseimportchange_no_change BEFORE UPDATE OR DELETE ON enterprises_enterpriseimportchange
                FOR EACH ROW EXECUTE FUNCTION enterprises_enterpriseimportchange_refuse()""",
            "DROP TRIGGER IF EXISTS enterprises_enterpriseimportchange_no_truncate ON enterprises_enterpriseimportchange",
            """CREATE TRIGGER enterprises_enterpriseimportchange_no_truncate BEFORE TRUNCATE ON enterprises_enterpriseimportchange
                FOR EACH STATEMENT EXECUTE FUNCTION enterprises_enterpriseimportchange_refuse()""",
        ],
        "sqlite": [
            """CREATE TRIGGER IF NOT EXISTS enterprises_enterpriseimportchange_no_update BEFORE UPDATE ON enterprises_enterpriseimportchange
                BEGIN SELECT RAISE(ABORT, 'enterprises_enterpriseimportchange is append-only: UPDATE and DELETE are refused'); END""",
            """CREATE TRIGGER IF NOT EXISTS enterprises_enterpriseimportchange_no_delete BEFORE DELETE ON enterprises_enterpriseimportchange
                BEGIN SELECT RAISE(ABORT, 'enterprises_enterpriseimportchange is append-only: UPDATE and DELETE are refused'); END""",
        ],
    },
    "enterprises_titleimportchange": {
        "postgresql": [
            """CREATE OR REPLACE FUNCTION enterprises_titleimportchange_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'enterprises_titleimportchange is append-only: UPDATE and DELETE are refused (%)', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$""",
            "DROP TRIGGER IF EXISTS enterprises_titleimportchange_no_change ON enterprises_titleimportchange",
            """CREATE TRIGGER enterprises_titleimportchange_no_change BEFORE UPDATE OR DELETE ON enterprises_titleimportchange
                FOR EACH ROW EXECUTE FUNCTION enterprises_titleimportchange_refuse()""",
            "DROP TRIGGER IF EXISTS enterprises_titleimportchange_no_truncate ON enterprises_titleimportchange",
            """CREATE TRIGGER enterprises_titleimportchange_no_truncate BEFORE TRUNCATE ON enterprises_titleimportchange
                FOR EACH STATEMENT EXECUTE FUNCTION enterprises_titleimportchange_refuse()""",
        ],
        "sqlite": [
            """CREATE TRIGGER IF NOT EXISTS enterprises_titleimportchange_no_update BEFORE UPDATE ON enterprises_titleimportchange
                BEGIN SELECT RAISE(ABORT, 'enterprises_titleimportchange is append-only: UPDATE and DELETE are refused'); END""",
            """CREATE TRIGGER IF NOT EXISTS enterprises_titleimportchange_no_delete BEFORE DELETE ON enterprises_titleimportchange
                BEGIN SELECT RAISE(ABORT, 'enterprises_titleimportchange is append-only: UPDATE and DELETE are refused'); END""",
        ],
    },
}
UNINSTALL = {
    "enterprises_enterpriseimportchange": {
        "postgresql": [
            "DROP TRIGGER IF EXISTS enterprises_enterpriseimportchange_no_change ON enterprises_enterpriseimportchange",
            "DROP TRIGGER IF EXISTS enterprises_enterpriseimportchange_no_truncate ON enterprises_enterpriseimportchange",
            "DROP FUNCTION IF EXISTS enterprises_enterpriseimportchange_refuse()",
        ],
        "sqlite": [
            "DROP TRIGGER IF EXISTS enterprises_enterpriseimportchange_no_update",
            "DROP TRIGGER IF EXISTS enterprises_enterpriseimportchange_no_delete",
        ],
    },
    "enterprises_titleimportchange": {
        "postgresql": [
            "DROP TRIGGER IF EXISTS enterprises_titleimportchange_no_change ON enterprises_titleimportchange",
            "DROP TRIGGER IF EXISTS enterprises_titleimportchange_no_truncate ON enterprises_titleimportchange",
            "DROP FUNCTION IF EXISTS enterprises_titleimportchange_refuse()",
        ],
        "sqlite": [
            "DROP TRIGGER IF EXISTS enterprises_titleimportchange_no_update",
            "DROP TRIGGER IF EXISTS enterprises_titleimportchange_no_delete",
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
        ("enterprises", "0009_listing_pipeline"),
    ]

    operations = [
        migrations.RunPython(protect, unprotect, elidable=False),
    ]
