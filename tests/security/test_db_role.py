"""Least privilege in the database (PostgreSQL): ``manage.py create_app_db_role`` makes the role the
application runs as. Connected as that role to the migrated test database, normal reads and writes
work; lifting the audit trail's protection does not: no UPDATE, DELETE or TRUNCATE of an audit
table, no DROP or DISABLE of its triggers, no ALTER or DROP of a table, nothing created in the schema.
"""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts import append_only
from tests.db_role import active_role, as_owner

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles: PostgreSQL only")

PASSWORD = "Role-Passw0rd!"
AUDIT_TABLES = [
    "accounts_auditlog",
    "enterprises_enterpriseimportchange",
    "enterprises_listingimportchange",
    "enterprises_rdinstitutionimportchange",
    "enterprises_statisticimportchange",
    "enterprises_titleimportchange",
    "policies_grantimportchange",
    "support_commissionerimportchange",
]


@pytest.fixture
def app_role(transactional_db, monkeypatch):
    import psycopg2

    role = f"jm_app_test_{os.getpid()}"
    monkeypatch.setenv("JM_TEST_APP_DB_PASSWORD", PASSWORD)
    with as_owner():  # creating a role is the owner's (the suite may run as the application's role)
        call_command("create_app_db_role", role, password_env="JM_TEST_APP_DB_PASSWORD")
        call_command("create_app_db_role", role, password_env="JM_TEST_APP_DB_PASSWORD")  # idempotent
    settings = connection.settings_dict
    app = psycopg2.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        password=PASSWORD,
    )
    yield role, app
    app.close()
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


def _ok(app, sql):
    with app.cursor() as cursor:
        cursor.execute(sql)
    app.rollback()


def _refused(app, sql) -> str:
    import psycopg2

    with pytest.raises(psycopg2.errors.InsufficientPrivilege) as error, app.cursor() as cursor:
        cursor.execute(sql)
    app.rollback()
    return str(error.value)


def test_the_app_role_writes_business_data_but_cannot_lift_the_audit_protection(app_role):
    role, app = app_role
    assert sorted(append_only.protected_tables(connection)) == AUDIT_TABLES
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = %s", [role]
        )
        assert cursor.fetchone() == (False, False, False, True)
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s", [role]
        )
        assert cursor.fetchone()[0] == 0  # owns nothing

    # normal work: reads and writes of business tables, appending audit rows, a temp staging table
    for table in ("enterprises_enterprise", "enterprises_statistic", "django_session", "axes_accessattempt"):
        _ok(app, f"SELECT count(*) FROM {table}")
        _ok(app, f"INSERT INTO {table} SELECT * FROM {table} WHERE false")
        _ok(
            app,
            f"UPDATE {table} SET id = id WHERE false"
            if table != "django_session"
            else "UPDATE django_session SET expire_date = expire_date WHERE false",
        )
        _ok(app, f"DELETE FROM {table} WHERE false")
    for table in AUDIT_TABLES:
        _ok(app, f"SELECT count(*) FROM {table}")
        _ok(app, f"INSERT INTO {table} SELECT * FROM {table} WHERE false")
    _ok(app, "CREATE TEMP TABLE import_staging (row_no integer)")
    _ok(app, "SELECT pg_advisory_lock(1), pg_advisory_unlock(1)")
    _ok(app, "SELECT setval(pg_get_serial_sequence('accounts_place', 'id'), 1000)")  # loaddata resets sequences

    # what only the owner could do
    for table in AUDIT_TABLES:
        assert "permission denied" in _refused(app, f"UPDATE {table} SET id = id WHERE false")
        assert "permission denied" in _refused(app, f"DELETE FROM {table} WHERE false")
        assert "permission denied" in _refused(app, f"TRUNCATE {table}")
        assert "must be owner" in _refused(app, f"DROP TRIGGER {table}_no_change ON {table}")
        assert "must be owner" in _refused(app, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        assert "must be owner" in _refused(app, f"DROP TABLE {table}")
    assert "must be owner" in _refused(app, "ALTER TABLE enterprises_enterprise ADD COLUMN x integer")
    assert "must be owner" in _refused(app, "DROP FUNCTION accounts_auditlog_refuse()")
    assert "permission denied" in _refused(app, "TRUNCATE enterprises_enterprise")
    assert "permission denied" in _refused(app, "CREATE TABLE public.intruder (x integer)")
    assert "permission denied" in _refused(
        app, "INSERT INTO django_migrations SELECT * FROM django_migrations WHERE false"
    )


def test_the_suite_runs_as_the_application_role_when_asked(db):
    """``TEST_DB_APP_ROLE`` (``.ci/run``): every test works as the role, which owns nothing."""
    if not os.environ.get("TEST_DB_APP_ROLE"):
        pytest.skip("the suite runs as the owner (TEST_DB_APP_ROLE not set)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (active_role(), False)
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = current_user"
        )
        assert cursor.fetchone()[0] == 0


def test_the_command_refuses_to_run_as_the_role_itself(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        current = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="owner"):
        call_command("create_app_db_role", current)
