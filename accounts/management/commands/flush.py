"""``flush`` that can empty the append-only audit table.

Django's test runner flushes the database after each transactional test; the audit table's
triggers would refuse that. This override lifts them for the flush only and restores them.
``flush`` is a development and test tool: never run it against a production database.
"""
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from accounts.append_only import TABLE, suspended


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        if TABLE not in connection.introspection.table_names():
            return super().handle(**options)
        with suspended(connection):
            return super().handle(**options)
