"""Permission, throttling and pagination classes of ``/api/v1/`` (API key authentication is the
``accounts`` app's: ``accounts/api/authentication.py``).

Kept apart from ``core.api`` (which re-exports them) because REST framework imports the
classes named in its settings while ``rest_framework.views`` is still loading: this module must not
import views or viewsets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, pagination, permissions, throttling
from rest_framework.response import Response

from core.counting import CountCachingPaginator
from core.scoping import CHANGE, VIEW, scope_for

if TYPE_CHECKING:
    from django.core.paginator import Paginator
    from django.http import HttpRequest
    from rest_framework.request import Request
    from rest_framework.views import APIView

# --------------------------------------------------------------------------------------------------
# Permissions, throttling, pagination
# --------------------------------------------------------------------------------------------------


def action_for(request: HttpRequest) -> str:
    return VIEW if request.method in permissions.SAFE_METHODS else CHANGE


class ScopedPermission(permissions.BasePermission):
    """``scope_for(user)``: reads need ``read``, unsafe methods need ``write`` (else 403). The
    county limit is applied by the queryset (``for_user``), so another county's rows answer 404."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return scope_for(user).may(action_for(request))


class ApiClientRateThrottle(throttling.SimpleRateThrottle):
    """One bucket per API client (or per logged-in user for browsable pages). Rate from
    ``API_THROTTLE_RATE`` (e.g. ``1200/minute``); counters live in the cache, so use Redis
    (``REDIS_URL``) when several worker processes serve the API."""

    scope = "api_client"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        client_id = getattr(request.auth, "pk", None)  # the API client when a key authenticated
        if client_id is not None:
            ident = f"client-{client_id}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_ident(self, request: Request) -> str:
        """The client address as the audit trail and the lockout see it (``TRUSTED_PROXY_COUNT``)."""
        from core.middleware import client_ip

        return client_ip(request) or ""


class SyncCursorPagination(pagination.CursorPagination):
    """Keyset pagination for synchronisation: rows in id order (unique), each page ``WHERE id > last``,
    so page 1,000 costs what page 1 does and the list is not counted. Any filter (``updated_since``)
    applies; ``ordering`` does not (the order is the key)."""

    ordering = ("pk",)
    invalid_cursor_message = cast(  # a lazy translation, rendered when the 404 is
        "str",
        gettext_lazy("Invalid cursor: use the 'next' link of the previous page, or an empty cursor to start."),
    )

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        return ("pk",)

    def decode_cursor(self, request: Request) -> Any:
        cursor = super().decode_cursor(request)
        position = getattr(cursor, "position", None)
        if position is not None and not (position.isdigit() and int(position) < 2**63):  # an id
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor


class PortalPagination(pagination.PageNumberPagination):
    """``?page=N&page_size=M``: 100 rows by default, never more than ``MAX_PAGE_SIZE``; people browse
    by page numbers. ``?cursor=`` (empty to start, then each ``next`` link) pages by keyset instead
    (``SyncCursorPagination``): the way to synchronise a whole list, ``count`` then is null."""

    django_paginator_class = CountCachingPaginator  # ``count`` cached until the data changes
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_query_description = "Page number (from 1)."
    page_size_query_description = "Rows per page (default 100, at most 1000)."
    cursor_query_param = "cursor"
    cursor: SyncCursorPagination | None = None

    def paginate_queryset(self, queryset: Any, request: Request, view: APIView | None = None) -> list[Any] | None:
        if self.cursor_query_param in request.query_params:
            self.cursor = SyncCursorPagination()
            self.cursor.page_size = self.get_page_size(request)
            return self.cursor.paginate_queryset(queryset, request, view)
        self.cursor = None
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        if self.cursor is None:
            return super().get_paginated_response(data)
        return Response(
            {
                "count": None,
                "next": self.cursor.get_next_link(),
                "previous": self.cursor.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count"].update(
            nullable=True, description=_("Rows matching the filters; null when paging by cursor.")
        )
        result["properties"]["next"]["description"] = _(
            "The next page (with its cursor when paging by cursor); null on the last page."
        )
        result["properties"]["previous"]["description"] = _("The previous page; null on the first page.")
        return result

    def get_page_size(self, request: Request) -> int | None:
        """A ``page_size`` that is not a whole number from 1 to 1000 is a 400 (not silently the default)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def get_page_number(self, request: Request, paginator: Paginator[Any]) -> int | str:
        """``page=`` present but empty or not a whole number is a 400 (DRF would read page 1)."""
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings and not raw.isdigit():
            raise exceptions.ValidationError({self.page_query_param: [_("Enter a whole number from 1.")]})
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": _(
                    "Page by keyset (for synchronisation): send it empty for the first page, then follow "
                    "'next' until it is null. Rows come in id order; page and ordering are then ignored, "
                    "the other filters (updated_since) apply; count is null. An invalid cursor answers 404."
                ),
                "schema": {"type": "string"},
            }
        )
        return parameters
