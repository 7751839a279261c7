"""Who is acting, from where: a context variable set per request (middleware) or per job (Celery).

The audit trail reads it, so services never need the request object.
"""
from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ActionContext:
    ip: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    source: str = "web"  # web | api | job | cli


_current: contextvars.ContextVar[ActionContext | None] = contextvars.ContextVar(
    "portal_action_context", default=None
)


def current() -> ActionContext:
    ctx = _current.get()
    return ctx if ctx is not None else ActionContext(source="cli")


@contextmanager
def use(ctx: ActionContext):
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
