"""Request-level middleware: request id and client address for the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

from django.http import HttpRequest, HttpResponseBase

from . import context


def client_ip(request: HttpRequest) -> str | None:
    """The client address: the one function used by the audit trail, the lockout (axes'
    ``AXES_CLIENT_IP_CALLABLE``) and API throttling. With ``TRUSTED_PROXY_COUNT`` = N > 0 proxies in
    front, the address the outermost trusted proxy received the request from: the N-th X-Forwarded-For
    entry from the right (entries further left were sent by the client and are not trusted), read with
    django-ipware; with 0, or without the header, the socket's address (``REMOTE_ADDR``)."""
    from django.conf import settings

    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies and request.META.get("HTTP_X_FORWARDED_FOR"):
        from ipware import get_client_ip

        # python-ipware counts the proxies listed in the header, i.e. all but the nearest one.
        address, _routable = get_client_ip(
            request, proxy_count=proxies - 1, request_header_order=["HTTP_X_FORWARDED_FOR"], strict=False
        )
        if address:
            return address
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        request_id = "".join(ch for ch in request_id if ch.isalnum() or ch in "-_")[:64] or uuid.uuid4().hex
        source = "api" if request.path.startswith("/api/") else "web"
        ctx = context.ActionContext(ip=client_ip(request), request_id=request_id, source=source)
        cast(Any, request).request_id = request_id  # an attribute the portal adds to HttpRequest
        with context.use(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
