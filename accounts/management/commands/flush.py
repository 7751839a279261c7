"""``flush`` that can empty the append-only audit tables.

Django's test runner flushes the database after each transactional test; the triggers of the
append-only tables (``accounts.append_only``) would refuse that. This override lifts them for the
flush only and restores them. ``flush`` is a development and test tool: never run it against a
production database.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from accounts.append_only import protected_tables, suspended


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        tables = protected_tables(connection)
        if not tables:
            return super().handle(**options)
        with suspended(connection, tables):
            return super().handle(**options)
