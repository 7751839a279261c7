from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "portal_scope": user.scope if user is not None and user.is_authenticated else None,
        "portal_debug": settings.DEBUG,
    }
