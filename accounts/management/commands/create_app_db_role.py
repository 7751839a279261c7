"""Least privilege in the database: the role the application runs as (PostgreSQL).

Run it as the role that owns the tables (the one that runs ``migrate``), after every ``migrate``
(it is idempotent): it creates or updates a LOGIN role that owns nothing and may only

- connect to this database and create temporary tables (the statistics import stages its rows in one);
- use the schema, without creating anything in it;
- SELECT, INSERT, UPDATE, DELETE the tables, except UPDATE and DELETE on the append-only audit
  tables (``accounts/append_only.py``: the tables carrying the triggers), only SELECT on
  ``django_migrations``, never TRUNCATE, REFERENCES or TRIGGER;
- use the sequences (identity columns; UPDATE too, for the ``setval`` with which ``loaddata``, hence
  ``load_reference_data``, resets them).

Not being the owner, the role cannot drop or disable the triggers, alter or drop a table. Default
privileges give tables created by later migrations the same rights; run the command again after a
migration that adds an append-only table.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from accounts import append_only

TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_RIGHTS = "USAGE, SELECT, UPDATE"  # UPDATE: loaddata (load_reference_data) resets them with setval
READ_ONLY_TABLES = ("django_migrations",)


def grant_statements(qn, *, role: str, database: str, schema: str, append_only_tables: list[str]) -> list[str]:
    r, s = qn(role), qn(schema)
    statements = [
        f"GRANT CONNECT, TEMPORARY ON DATABASE {qn(database)} TO {r}",
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
        f"REVOKE CREATE ON SCHEMA {s} FROM {r}",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"GRANT {SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT {TABLE_RIGHTS} ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT {SEQUENCE_RIGHTS} ON SEQUENCES TO {r}",
    ]
    for table in append_only_tables:
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {qn(table)} FROM {r}")
    for table in READ_ONLY_TABLES:
        statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {qn(table)} FROM {r}")
    return statements


class Command(BaseCommand):
    help = (
        "Create or update the PostgreSQL role the application runs as: owns nothing, may read and write the "
        "tables but not change or delete audit rows. Run as the owner of the tables, after migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="name of the application's database role, e.g. portal_app")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="environment variable holding the role's password (none: keep it / no password)",
        )
        parser.add_argument("--schema", default="public")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role, password_env=None, schema="public", database=DEFAULT_DB_ALIAS, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("create_app_db_role is for PostgreSQL (the embedded SQLite database has no roles).")
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"The environment variable {password_env} is not set.")
        qn = connection.ops.quote_name
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database_name = cursor.fetchone()
            if owner == role:
                raise CommandError("Run this command as the owner of the tables, not as the application role.")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
            if password is None:
                cursor.execute(f"{verb} ROLE {qn(role)} {attributes}")
            else:
                cursor.execute(f"{verb} ROLE {qn(role)} {attributes} PASSWORD %s", [password])
            tables = append_only.protected_tables(connection)
            for statement in grant_statements(
                qn, role=role, database=database_name, schema=schema, append_only_tables=tables
            ):
                cursor.execute(statement)
            cursor.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s", [role]
            )
            owned = cursor.fetchone()[0]
            if owned:
                raise CommandError(
                    f"The role {role} owns {owned} relations; it must own nothing "
                    "(ALTER … OWNER TO the migration role first)."
                )
        self.stdout.write(
            f"{verb.lower()}d role {role}: {TABLE_RIGHTS} on the tables of {schema}, "
            f"append-only: {', '.join(tables) or 'none'} (no UPDATE/DELETE/TRUNCATE)"
        )
