"""REST framework hooks: permission denials in the API are security events like in the web UI."""
from __future__ import annotations

from rest_framework import status
from rest_framework.views import exception_handler as drf_exception_handler

from .audit import permission_denied_event


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    if response is not None and response.status_code == status.HTTP_403_FORBIDDEN and request is not None:
        permission_denied_event(request)
    return response
