"""Database triggers that make ``accounts_auditlog`` append-only (PostgreSQL and SQLite).

An UPDATE or DELETE fails inside the database, whoever issues it: the application, a shell or a
database client. Only the table's owner can lift them (``suspended`` below, used by ``flush``).
In production run the application with a database role that does not own its tables.
"""
from __future__ import annotations

from contextlib import contextmanager

TABLE = "accounts_auditlog"
MESSAGE = "accounts_auditlog is append-only: UPDATE and DELETE are refused"

_PG_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION accounts_auditlog_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    f"DROP TRIGGER IF EXISTS accounts_auditlog_no_change ON {TABLE}",
    f"""CREATE TRIGGER accounts_auditlog_no_change BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION accounts_auditlog_refuse()""",
    f"DROP TRIGGER IF EXISTS accounts_auditlog_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER accounts_auditlog_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditlog_refuse()""",
]
_PG_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS accounts_auditlog_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS accounts_auditlog_no_truncate ON {TABLE}",
    "DROP FUNCTION IF EXISTS accounts_auditlog_refuse()",
]
_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS accounts_auditlog_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS accounts_auditlog_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
_SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS accounts_auditlog_no_update",
    "DROP TRIGGER IF EXISTS accounts_auditlog_no_delete",
]


def _statements(connection, install_: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return _PG_INSTALL if install_ else _PG_UNINSTALL
    if connection.vendor == "sqlite":
        return _SQLITE_INSTALL if install_ else _SQLITE_UNINSTALL
    raise NotImplementedError(f"append-only audit triggers are not written for {connection.vendor}")


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, True):
            cursor.execute(sql)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, False):
            cursor.execute(sql)


def installed(connection) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                           [TABLE])
            return cursor.fetchone()[0] >= 2
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        return cursor.fetchone()[0] >= 2


@contextmanager
def suspended(connection):
    """Lift the triggers for a maintenance operation that empties the whole database (``flush``)."""
    uninstall(connection)
    try:
        yield
    finally:
        install(connection)
