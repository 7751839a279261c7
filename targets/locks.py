"""The recompute lock: two recompute runs never overlap.

PostgreSQL: a session-level advisory lock (released by the database if the worker dies). Other
databases (SQLite, the embedded default): a lock in the Django cache (``cache.add`` is atomic;
with ``REDIS_URL`` the cache is Redis and the lock holds across processes, otherwise within one
process, which is all an embedded SQLite installation runs).
"""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connection

ADVISORY_KEY = 7_440_705  # distinct from the audit chain's key
CACHE_KEY = "targets:recompute:lock"


def _wait_seconds() -> float:
    return float(getattr(settings, "TARGETS_RECOMPUTE_LOCK_WAIT", 600))


@contextmanager
def recompute_lock(wait: float | None = None, poll: float = 0.5):
    """Yield True once the lock is held (waiting up to ``wait`` seconds), False if it was not."""
    wait = _wait_seconds() if wait is None else wait
    deadline = time.monotonic() + wait
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
                if cursor.fetchone()[0]:
                    break
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(poll)
        try:
            yield True
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
        return
    token = uuid.uuid4().hex
    ttl = int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800)) + 60
    while not cache.add(CACHE_KEY, token, timeout=ttl):
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(poll)
    try:
        yield True
    finally:
        if cache.get(CACHE_KEY) == token:
            cache.delete(CACHE_KEY)


def is_locked() -> bool:
    """Is a recompute running now (best effort, for display)?"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND granted", [ADVISORY_KEY]
            )
            return cursor.fetchone()[0] > 0
    return cache.get(CACHE_KEY) is not None
