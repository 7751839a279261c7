"""Request-level middleware: request id and client address for the audit trail."""
from __future__ import annotations

import uuid

from . import context


def client_ip(request) -> str | None:
    """The client address. Behind the intranet proxy, the first X-Forwarded-For entry is used
    only when ``USE_X_FORWARDED_FOR`` is on (set it only when a trusted proxy rewrites the header)."""
    from django.conf import settings

    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        request_id = "".join(ch for ch in request_id if ch.isalnum() or ch in "-_")[:64] or uuid.uuid4().hex
        source = "api" if request.path.startswith("/api/") else "web"
        ctx = context.ActionContext(ip=client_ip(request), request_id=request_id, source=source)
        request.request_id = request_id
        with context.use(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
