"""Counts of list pages, cached until the data changes.

Every page of a list (the web lists, the REST API's ``count``) counts the rows its filters match.
At 100,000 enterprises that count is a scan of its own on each page: about 10 ms for the whole
list, tens of ms for a filtered one. A client that reads pages 1 to 1,000 counts the same rows a
thousand times. ``cached_count`` keeps each count in the cache under the query's SQL, its
parameters and the database's *data generation*, so it is computed again only once the data may
have changed.

**The data generation** (PostgreSQL) is the set of committed ``core_datachange`` rows. A
statement-level trigger on every table (``portal_data_changed``, installed after each ``migrate``
by ``install_triggers``) inserts one row, with a random token, at a transaction's first change of
data: ``INSERT``, ``UPDATE``, ``DELETE``, ``TRUNCATE`` and ``COPY``, by the ORM, raw SQL and the
imports' bulk paths alike. The row becomes visible with the data, in the same commit (on a
streaming replica too), and rows are only ever added, except by ``prune_data_changes``, which
adds one as it deletes the older ones. So the pair (number of rows, token of the newest row) is
new after every commit that changed data, and a count read under a pair counts data at least as
new as that pair. Nothing is locked or updated: concurrent writers never wait for each other.

**When no cache is used:** on SQLite (the embedded default: its counts are small), inside a
transaction (it may have changed rows not yet committed), on a database without a change row yet,
and for a query that reads a table the triggers leave alone (``unwatched_tables``: logs and job
progress, written while people only read). ``COUNT_CACHE_SECONDS`` bounds how long an entry lives
(0 turns the cache off).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache as memoize
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet
from django.utils.functional import cached_property

_T = TypeVar("_T")

TRIGGER = "portal_data_changed"
CHANGE_TABLE = "core_datachange"
PRUNE_AT = 2000  # change rows kept before the next read on the primary prunes them
PRUNE_NIGHTLY_OVER = 100  # the nightly beat job (core.prune_data_changes) prunes beyond this many
# Tables written while people only read (sessions, logs, lockout records, job progress): watching
# them would renew the token on every request. A query that reads one of them is never cached.
UNWATCHED = (
    "django_migrations",
    "django_session",
    "accounts_auditlog",
    "accounts_apiclient",  # last_used_at, on API reads
    "accounts_user",  # last_login
    "axes_accessattempt",
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
    "captcha_captchastore",
    "otp_totp_totpdevice",
)
_GENERATION_SQL = (
    f"SELECT c.n, (SELECT token::text FROM {CHANGE_TABLE} WHERE id = c.last), "
    "current_setting('portal.data_changed', true) "
    f"FROM (SELECT count(*) AS n, max(id) AS last FROM {CHANGE_TABLE}) c"
)


@memoize
def unwatched_tables() -> frozenset[str]:
    """``UNWATCHED``, every job table (``core.models.JobModel``: progress writes) and the change
    table itself."""
    from django.apps import apps

    from core.models import JobModel

    jobs = {model._meta.db_table for model in apps.get_models() if issubclass(model, JobModel)}
    return frozenset(UNWATCHED) | jobs | {CHANGE_TABLE}


def schema_tables(cursor: Any) -> list[str]:
    """The tables (plain and partitioned) of the current schema: never a session's temporary
    staging tables, which the introspection of Django would list too."""
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace = to_regnamespace(current_schema())"
    )
    return [row[0] for row in cursor.fetchall()]


def install_triggers(using: str) -> list[str]:
    """Give every table but the unwatched ones the statement trigger (PostgreSQL; idempotent, one
    query when nothing is missing). Returns the tables it changed; when it changed any (a new
    table, a fresh database) it starts a new generation, as their data was written unwatched."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('portal_note_data_change()') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return []  # before core's migration 0002
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND c.relnamespace = to_regnamespace(current_schema())",
            [TRIGGER],
        )
        have = {row[0] for row in cursor.fetchall()}
        want = set(schema_tables(cursor)) - unwatched_tables()
        changed = sorted((want - have) | (have & unwatched_tables()))
        for table in changed:
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {quote(table)}")
            if table in want:
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {quote(table)} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION portal_note_data_change()"
                )
        if changed:
            cursor.execute(f"INSERT INTO {CHANGE_TABLE} (token, changed_at) VALUES (gen_random_uuid(), now())")
    return changed


def install_triggers_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """``post_migrate`` receiver (``core.apps``)."""
    install_triggers(using)


def data_generation(queryset: QuerySet[Any]) -> str | None:
    """The generation the counts of ``queryset`` are cached under, or None when they must not be."""
    seconds = getattr(settings, "COUNT_CACHE_SECONDS", 0)
    connection = connections[queryset.db]
    if seconds <= 0 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_GENERATION_SQL)
        rows, token, changed_here = cursor.fetchone()
    if not rows or changed_here == "1":  # no generation yet, or this transaction changed data
        return None
    if rows > PRUNE_AT and queryset.db == DEFAULT_DB_ALIAS:
        prune_data_changes(DEFAULT_DB_ALIAS)
    return f"{rows}:{token}"


def prune_data_changes(using: str = DEFAULT_DB_ALIAS) -> int:
    """Delete the committed change rows and add a new one, in one transaction: the generation is
    new, as after any change. Concurrent writers' rows, not committed yet, are left to count."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {CHANGE_TABLE} WHERE id <= (SELECT max(id) FROM {CHANGE_TABLE})")
        deleted = cursor.rowcount
        cursor.execute(f"INSERT INTO {CHANGE_TABLE} (token, changed_at) VALUES (gen_random_uuid(), now())")
    return int(deleted)


def prune_data_changes_over(rows: int, using: str = DEFAULT_DB_ALIAS) -> int:
    """``prune_data_changes`` when more than ``rows`` change rows have piled up, else nothing (a prune
    renews the generation, so every cached count is counted again once). Returns the rows deleted."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {CHANGE_TABLE}")
        (count,) = cursor.fetchone()
    return prune_data_changes(using) if count > rows else 0


def _cache_key(queryset: QuerySet[Any], kind: str = "count") -> str | None:
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    if any(f'"{table}"' in sql for table in unwatched_tables()):
        return None
    token = data_generation(queryset)
    if token is None:
        return None
    digest = hashlib.sha256(repr((connections[queryset.db].settings_dict["NAME"], sql, params)).encode())
    return f"portal-{kind}:{token}:{digest.hexdigest()}"


def cached_count(queryset: QuerySet[Any]) -> int:
    """``queryset.count()``, from the cache while the data has not changed (module docstring)."""
    return int(cached_rows(queryset, "count", queryset.count))


def cached_rows(queryset: QuerySet[Any], kind: str, compute: Callable[[], _T]) -> _T:
    """``compute()``, a small result derived from ``queryset`` (grouped counts, say), cached like
    the counts under the query's SQL and the data generation; ``kind`` tells results of one query
    apart. ``compute`` must depend on nothing but the rows of ``queryset`` and its parameters."""
    key = _cache_key(queryset, kind)
    if key is None:
        return compute()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, timeout=settings.COUNT_CACHE_SECONDS)
    return cast("_T", found)


def cached_small_set(queryset: QuerySet[Any], limit: int) -> list[Any] | None:
    """The primary keys ``queryset`` matches, in no order, when there are at most ``limit`` of
    them (else None), cached like the counts. A few rows out of many (the enterprises that missed
    a deadline) are found faster as a set (hash joins) than by walking a sorted list until a page
    of them turns up; ``core.paging`` then sorts that set alone."""
    unordered = queryset.order_by()
    found = cached_rows(unordered, f"ids{limit}", lambda: list(unordered.values_list("pk", flat=True)[: limit + 1]))
    return None if len(found) > limit else found


class CountCachingPaginator(Paginator):  # type: ignore[type-arg]  # (not subscriptable at run time)
    """A ``Paginator`` whose ``count`` of a queryset comes through ``cached_count``."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return cached_count(self.object_list)
        return super().count
