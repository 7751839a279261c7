"""Reads on a PostgreSQL streaming replica, writes on the primary, and a user's own writes read back.

Without ``DATABASE_REPLICA_URL`` nothing here is installed and every query uses ``default``. With
it, the settings add the ``replica`` alias, ``PrimaryReplicaRouter`` and ``ReplicaReadsMiddleware``:

- Writes, and every read inside a transaction on the primary, go to ``default``.
- Reads go to the replica only inside ``replica_reads()``: the middleware opens it for a safe
  request (GET, HEAD, OPTIONS) of a client that has not written within ``REPLICA_PIN_SECONDS``
  (read-your-writes); jobs that only read business data (the quarterly workbook, list exports:
  ``JobRunner.reads_replica``) open it without that pin, their own progress going to the primary.
- The client is known before authentication by a digest of its session cookie or its
  ``Authorization`` header, so an API key that writes is pinned to the primary like a browser.
  An unsafe request pins its client in the cache for ``REPLICA_PIN_SECONDS``.
- A write during a replica-read request (a "查看完整信息" audit entry, a login time) sends the rest
  of that request to the primary.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar("portal_replica_reads", default=False)
_pin_on_write: contextvars.ContextVar[bool] = contextvars.ContextVar("portal_replica_pin_on_write", default=True)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def replica_reads(enabled: bool = True, *, pin_on_write: bool = True) -> Iterator[None]:
    """Within the block, reads outside a transaction go to the replica (when one is configured).
    A write sends the rest of the block to the primary (read-your-writes), unless ``pin_on_write``
    is False: a job that only reads business data (the quarterly workbook, a list export) keeps
    reading the replica while it writes its own progress and result to the primary."""
    token = _replica_reads.set(enabled)
    pin = _pin_on_write.set(pin_on_write)
    try:
        yield
    finally:
        _pin_on_write.reset(pin)
        _replica_reads.reset(token)


def reading_from_replica() -> bool:
    return _replica_reads.get() and replica_configured()


class PrimaryReplicaRouter:
    """``DATABASE_ROUTERS`` entry (see the module docstring)."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        if reading_from_replica() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        # after its first write a request reads its own writes: the rest of it uses the primary
        if _pin_on_write.get():
            _replica_reads.set(False)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def _pin_key(request: HttpRequest) -> str | None:
    credential = request.headers.get("Authorization") or request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not credential:
        return None
    return "replica-pin:" + hashlib.sha256(credential.encode()).hexdigest()


def pin_seconds() -> int:
    return int(getattr(settings, "REPLICA_PIN_SECONDS", 5))


class ReplicaReadsMiddleware:
    """Opens ``replica_reads()`` for safe requests of clients that did not write just before."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = _pin_key(request)
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            # pin the client (and the session a login has just created) to the primary
            if key is not None:
                cache.set(key, 1, timeout=pin_seconds())
            new_session = response.cookies.get(settings.SESSION_COOKIE_NAME)
            if new_session is not None and new_session.value:
                cache.set(
                    "replica-pin:" + hashlib.sha256(new_session.value.encode()).hexdigest(), 1, timeout=pin_seconds()
                )
            return response
        pinned = key is not None and cache.get(key) is not None
        with replica_reads(not pinned):
            return self.get_response(request)
