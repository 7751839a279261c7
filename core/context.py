"""Who is acting, from where: a context variable set per request (middleware) or per job (Celery).

The audit trail reads it, so services never need the request object.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ActionContext:
    ip: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    source: str = "web"  # web | api | job | cli


_current: contextvars.ContextVar[ActionContext | None] = contextvars.ContextVar("portal_action_context", default=None)


def current() -> ActionContext:
    ctx = _current.get()
    return ctx if ctx is not None else ActionContext(source="cli")


@contextmanager
def use(ctx: ActionContext) -> Iterator[ActionContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


HEADER = "portal_context"  # the Celery message header that carries it to a job


def carried() -> dict[str, Any] | None:
    """What a queued job should know of who queued it (``jiangmen_portal.celery`` puts it in the
    message headers)."""
    ctx = _current.get()
    return {"ip": ctx.ip, "request_id": ctx.request_id} if ctx is not None else None


def for_job(task: Any = None) -> ActionContext:
    """The context of a background job: the IP address and request id of the request that queued
    it (from the message headers on a worker; from the caller when run eagerly), source "job"."""
    found = getattr(getattr(task, "request", None), HEADER, None) if task is not None else None
    if not isinstance(found, dict):
        found = carried() or {}
    return ActionContext(ip=found.get("ip"), request_id=found.get("request_id") or uuid.uuid4().hex, source="job")
