"""Database triggers that make a table append-only (PostgreSQL and SQLite).

The tables of the audit trail carry them: ``accounts_auditlog`` (installed by ``accounts``
migration 0003) and the sealed before/after values of bulk imports: ``enterprises_statisticimportchange``
(``enterprises`` migration 0004), ``enterprises_enterpriseimportchange`` and
``enterprises_titleimportchange`` (``enterprises`` migration 0010), ``enterprises_rdinstitutionimportchange``
(0011), ``enterprises_listingimportchange`` (0012), ``support_commissionerimportchange`` (``support``
0005) and ``policies_grantimportchange`` (``policies`` 0004). An UPDATE or DELETE fails inside the database, whoever issues it:
the application, a shell or a database client. Only the table's owner can lift them (``suspended``
below, used by ``flush``). In production run the application with a database role that does not own
its tables.

The migrations hold frozen copies of these statements (a migration does not import application
code); ``tests/test_migrations.py`` checks that they are the statements written here. SQLite drops a
table's triggers when a migration rebuilds the table: such a migration must install them again
(see ``accounts`` migration 0004).
"""

from __future__ import annotations

from contextlib import contextmanager

TABLE = "accounts_auditlog"


def message(table: str) -> str:
    return f"{table} is append-only: UPDATE and DELETE are refused"


MESSAGE = message(TABLE)


def _pg_install(table: str) -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION {table}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{message(table)} (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """,
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
        f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_refuse()""",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse()""",
    ]


def _pg_uninstall(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_refuse()",
    ]


def _sqlite_install(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{message(table)}'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{message(table)}'); END""",
    ]


def _sqlite_uninstall(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


def _statements(connection, table: str, install_: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return _pg_install(table) if install_ else _pg_uninstall(table)
    if connection.vendor == "sqlite":
        return _sqlite_install(table) if install_ else _sqlite_uninstall(table)
    raise NotImplementedError(f"append-only triggers are not written for {connection.vendor}")


def install(connection, table: str = TABLE) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, table, True):
            cursor.execute(sql)


def uninstall(connection, table: str = TABLE) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, table, False):
            cursor.execute(sql)


def installed(connection, table: str = TABLE) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
                "AND tgname IN (%s, %s)",
                [table, f"{table}_no_change", f"{table}_no_truncate"],
            )
            return cursor.fetchone()[0] >= 2
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name IN (%s, %s)",
            [table, f"{table}_no_update", f"{table}_no_delete"],
        )
        return cursor.fetchone()[0] >= 2


def protected_tables(connection) -> list[str]:
    """The tables of this database that carry the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
                "WHERE NOT tgisinternal AND tgname LIKE '%%\\_no\\_change'"
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%\\_no\\_update' ESCAPE '\\'"
            )
        return sorted(row[0] for row in cursor.fetchall())


@contextmanager
def suspended(connection, tables: list[str] | None = None):
    """Lift the triggers for a maintenance operation that empties the whole database (``flush``)."""
    tables = protected_tables(connection) if tables is None else tables
    for table in tables:
        uninstall(connection, table)
    try:
        yield
    finally:
        for table in tables:
            install(connection, table)
