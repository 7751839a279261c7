"""The test suite as the application's database role (issue 21 point 12; PostgreSQL).

With ``TEST_DB_APP_ROLE`` set (``.ci/run`` sets it), ``tests/conftest.py``'s ``django_db_setup``
lets the owner create and migrate each test database (one per xdist worker), then runs
``manage.py create_app_db_role`` on it, and from then on every connection of the suite works as
that role: a role that owns nothing, may not TRUNCATE, UPDATE or DELETE audit rows, nor touch a
trigger or a table definition. The connection logs in as the owner and switches at once with
``SET ROLE`` (every privilege is then checked as the role's, as if it had logged in): a test may
then lift the role for what only the owner may do, inside its own transaction, with ``as_owner()``.
Only these do: the flush between transactional tests (a ``TRUNCATE`` of every table, the audit
tables' triggers lifted and put back), a test that lifts the triggers on purpose, and a test that
creates and drops roles. Without the variable (SQLite, a quick local run) nothing changes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connections
from django.db.backends.signals import connection_created

ENV = "TEST_DB_APP_ROLE"
_active: dict[str, str] = {}  # alias -> role, once the role exists in that alias's test database


def requested_role(worker_id: str) -> str | None:
    """The role's name for this pytest process (one per xdist worker: they grant at the same time)."""
    base = os.environ.get(ENV, "").strip()
    if not base:
        return None
    return base if worker_id in ("", "master") else f"{base}_{worker_id}"


def _set_role(sender, connection, **kwargs) -> None:
    role = _active.get(connection.alias)
    if role is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")


def activate(alias: str, role: str) -> None:
    """Create or update ``role`` in the (migrated) test database of ``alias`` as the owner, then
    switch the connection (and every later one) to it."""
    from django.core.management import call_command

    connection = connections[alias]
    call_command("create_app_db_role", role, database=alias, verbosity=0)
    _active[alias] = role
    connection_created.connect(_set_role, dispatch_uid="tests.db_role")
    _set_role(None, connection)


def deactivate(alias: str) -> None:
    """Back to the owner (before the owner drops the test database)."""
    if _active.pop(alias, None) is not None:
        connection = connections[alias]
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET ROLE")


def active_role(alias: str = "default") -> str | None:
    return _active.get(alias)


@contextmanager
def as_owner(alias: str = "default") -> Iterator[None]:
    """Work as the owner of the tables for the block (no-op when the suite runs as the owner). In
    a test's transaction the switch is part of it (rolled back with it)."""
    role = _active.get(alias)
    if role is None:
        yield
        return
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    try:
        yield
    finally:
        if connection.connection is not None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")
            except DatabaseError:
                if not connection.in_atomic_block:
                    raise
                # the block broke the transaction: its rollback undoes the RESET ROLE too
