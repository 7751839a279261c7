"""The listing-record import kind's change rows (``ListingImportChange``): before/after of every
record it wrote, sealed into the audit chain; like every import kind's change rows the database refuses
UPDATE and DELETE on them (and TRUNCATE on PostgreSQL), whoever issues it.
"""

import django.db.models.deletion
from django.db import migrations, models

# The SQL is frozen here (a migration does not import application code); accounts/append_only.py
# writes the same statements for ``flush``, and tests/test_migrations.py checks they agree.
INSTALL = {
    "enterprises_listingimportchange": {
        "postgresql": [
            "\n"
            "        CREATE OR REPLACE FUNCTION "
            "enterprises_listingimportchange_refuse() RETURNS trigger LANGUAGE "
            "plpgsql AS $$\n"
            "        BEGIN\n"
            "            RAISE EXCEPTION 'enterprises_listingimportchange is "
            "append-only: UPDATE and DELETE are refused (%)', TG_OP USING "
            "ERRCODE = 'insufficient_privilege';\n"
            "        END\n"
            "        $$\n"
            "        ",
            "DROP TRIGGER IF EXISTS enterprises_listingimportchange_no_change ON enterprises_listingimportchange",
            "CREATE TRIGGER enterprises_listingimportchange_no_change BEFORE "
            "UPDATE OR DELETE ON enterprises_listingimportchange\n"
            "            FOR EACH ROW EXECUTE FUNCTION "
            "enterprises_listingimportchange_refuse()",
            "DROP TRIGGER IF EXISTS enterprises_listingimportchange_no_truncate ON enterprises_listingimportchange",
            "CREATE TRIGGER enterprises_listingimportchange_no_truncate BEFORE "
            "TRUNCATE ON enterprises_listingimportchange\n"
            "            FOR EACH STATEMENT EXECUTE FUNCTION "
            "enterprises_listingimportchange_refuse()",
        ],
        "sqlite": [
            "CREATE TRIGGER IF NOT EXISTS "
            "enterprises_listingimportchange_no_update BEFORE UPDATE ON "
            "enterprises_listingimportchange\n"
            "            BEGIN SELECT RAISE(ABORT, "
            "'enterprises_listingimportchange is append-only: UPDATE and DELETE "
            "are refused'); END",
            "CREATE TRIGGER IF NOT EXISTS "
            "enterprises_listingimportchange_no_delete BEFORE DELETE ON "
            "enterprises_listingimportchange\n"
            "            BEGIN SELECT RAISE(ABORT, "
            "'enterprises_listingimportchange is append-only: UPDATE and DELETE "
            "are refused'); END",
        ],
    }
}
UNINSTALL = {
    "enterprises_listingimportchange": {
        "postgresql": [
            "DROP TRIGGER IF EXISTS enterprises_listingimportchange_no_change ON enterprises_listingimportchange",
            "DROP TRIGGER IF EXISTS enterprises_listingimportchange_no_truncate ON enterprises_listingimportchange",
            "DROP FUNCTION IF EXISTS enterprises_listingimportchange_refuse()",
        ],
        "sqlite": [
            "DROP TRIGGER IF EXISTS enterprises_listingimportchange_no_update",
            "DROP TRIGGER IF EXISTS enterprises_listingimportchange_no_delete",
        ],
    }
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
        ("enterprises", "0011_rd_institution_import"),
    ]

    operations = [
        migrations.CreateModel(
            name="ListingImportChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("record_id", models.BigIntegerField(db_index=True, verbose_name="listing record id")),
                ("enterprise_id", models.BigIntegerField(verbose_name="enterprise id")),
                ("stage", models.CharField(max_length=16, verbose_name="stage")),
                ("venue", models.CharField(max_length=16, verbose_name="venue")),
                ("date", models.DateField(verbose_name="date")),
                ("created", models.BooleanField(default=False, verbose_name="created by the import")),
                ("row_no", models.PositiveIntegerField(default=0, verbose_name="row number")),
                ("version_after", models.PositiveIntegerField(default=1, verbose_name="version after the import")),
                ("before_note", models.CharField(blank=True, max_length=300, null=True, verbose_name="note before")),
                ("after_note", models.CharField(blank=True, max_length=300, null=True, verbose_name="note after")),
                (
                    "statistic_import",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="listing_changes",
                        to="enterprises.statisticimport",
                        verbose_name="import",
                    ),
                ),
            ],
            options={
                "verbose_name": "listing import change",
                "verbose_name_plural": "listing import changes",
                "indexes": [models.Index(fields=["statistic_import", "row_no"], name="enterprises_statist_713c49_idx")],
            },
        ),
        migrations.RunPython(protect, unprotect, elidable=False),
    ]
