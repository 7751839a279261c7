"""Authentication, permission, throttling and pagination classes of ``/api/v1/``.

Kept apart from ``jiangmen_portal.api`` (which re-exports them) because REST framework imports the
classes named in its settings while ``rest_framework.views`` is still loading: this module must not
import views or viewsets.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.scoping import CHANGE, VIEW, scope_for

# --------------------------------------------------------------------------------------------------
# API keys
# --------------------------------------------------------------------------------------------------

KEY_SCHEME = "Api-Key"
KEY_HEADER = "X-API-Key"
PREFIX_LENGTH = 8
LAST_USED_RESOLUTION = timedelta(seconds=60)  # last_used_at (and the key-use audit row) at most once a minute


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key: ``key`` is shown once, only ``prefix`` and ``hash`` are stored."""

    key: str
    prefix: str
    hash: str


def hash_key(key: str) -> str:
    """HMAC-SHA256 of the whole key. Keys carry 256 random bits, so a fast keyed hash is as safe as a
    slow password hash and keeps authentication cheap on every request. The HMAC secret is
    ``API_KEY_HASH_SECRET`` (default: ``SECRET_KEY``; changing it invalidates every key)."""
    secret = getattr(settings, "API_KEY_HASH_SECRET", "") or settings.SECRET_KEY
    return "hmac-sha256$" + salted_hmac("jiangmen_portal.api.key", key, secret=secret, algorithm="sha256").hexdigest()


def generate_key() -> NewKey:
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    return NewKey(key=key, prefix=prefix, hash=hash_key(key))


def split_key(key: str) -> tuple[str, str] | None:
    prefix, sep, secret = key.partition(".")
    if not sep or len(prefix) != PREFIX_LENGTH or not secret:
        return None
    return prefix, secret


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>`` or ``X-API-Key: <key>``.

    The request runs as the client's service user (role ``api_client``), so ``scope_for`` gives it
    read, or read and write, optionally limited to one county. ``request.auth`` is the ``ApiClient``.
    """

    def key_from_request(self, request) -> str | None:
        header = get_authorization_header(request).split()
        if header and header[0].lower() == KEY_SCHEME.lower().encode():
            if len(header) != 2:
                raise exceptions.AuthenticationFailed(_("Invalid API key header: use 'Api-Key <key>'."))
            return header[1].decode("latin-1")
        key = request.headers.get(KEY_HEADER)
        return key.strip() if key else None

    def authenticate(self, request):
        key = self.key_from_request(request)
        if key is None:
            return None  # let session authentication (browsable pages) try
        from accounts.models import ApiClient

        parts = split_key(key)
        client = None
        if parts:
            client = (
                ApiClient.objects.select_related("user")
                .filter(key_prefix=parts[0])
                .first()
            )
        # Compare even when no client matched, so timing does not tell which prefixes exist.
        stored = client.key_hash if client is not None else hash_key("no-such-client.0")
        if not constant_time_compare(stored, hash_key(key)) or client is None:
            self.failed(request, parts[0] if parts else "")
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        if client.revoked_at is not None or not client.user.is_active:
            self.failed(request, client.key_prefix, revoked=True)
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
        self.touch(client)
        return client.user, client

    def authenticate_header(self, request):
        return f'{KEY_SCHEME} realm="api"'

    @staticmethod
    def touch(client) -> None:
        """Record use at most once a minute per client: one conditional UPDATE decides which of
        many concurrent requests writes ``last_used_at`` and the key-use audit row."""
        from accounts import audit
        from accounts.choices import AuditAction
        from accounts.models import ApiClient

        now = timezone.now()
        if client.last_used_at is not None and now - client.last_used_at < LAST_USED_RESOLUTION:
            return
        won = ApiClient.objects.filter(pk=client.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        client.last_used_at = now
        if won:
            audit.security_event(client.user, AuditAction.API_KEY_USED, f"API key {client.key_prefix}… used",
                                 instance=client)

    @staticmethod
    def failed(request, prefix: str, revoked: bool = False) -> None:
        """A refused key is a security event, recorded at most once a minute per prefix and address
        (a flood of bad keys must not flood the audit trail)."""
        from django.core.cache import cache

        from accounts import audit
        from accounts.choices import AuditAction

        ip = request.META.get("REMOTE_ADDR", "")
        if not cache.add(f"api-key-failed:{prefix}:{ip}", 1, timeout=int(LAST_USED_RESOLUTION.total_seconds())):
            return
        what = "revoked API key" if revoked else "invalid API key"
        audit.security_event(None, AuditAction.PERMISSION_DENIED, f"{what} {prefix or '?'}…",
                             username=f"api-key:{prefix or '?'}")


# --------------------------------------------------------------------------------------------------
# Permissions, throttling, pagination
# --------------------------------------------------------------------------------------------------


def action_for(request) -> str:
    return VIEW if request.method in permissions.SAFE_METHODS else CHANGE


class ScopedPermission(permissions.BasePermission):
    """``scope_for(user)``: reads need ``read``, unsafe methods need ``write`` (else 403). The
    county limit is applied by the queryset (``for_user``), so another county's rows answer 404."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return scope_for(user).may(action_for(request))


class ApiClientRateThrottle(throttling.SimpleRateThrottle):
    """One bucket per API client (or per logged-in user for browsable pages). Rate from
    ``API_THROTTLE_RATE`` (e.g. ``1200/minute``); counters live in the cache, so use Redis
    (``REDIS_URL``) when several worker processes serve the API."""

    scope = "api_client"

    def get_cache_key(self, request, view):
        from accounts.models import ApiClient

        if isinstance(request.auth, ApiClient):
            ident = f"client-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PortalPagination(pagination.PageNumberPagination):
    """``?page=N&page_size=M``: 100 rows by default, never more than ``MAX_PAGE_SIZE``."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_query_description = "Page number (from 1)."
    page_size_query_description = "Rows per page (default 100, at most 1000)."

    def get_page_size(self, request):
        """A ``page_size`` that is not a whole number from 1 to 1000 is a 400 (not silently the default)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError({self.page_size_query_param: [
                _("Enter a whole number from 1 to %(max)s.") % {"max": self.max_page_size}]})
        return size

    def get_page_number(self, request, paginator):
        """``page=`` present but empty or not a whole number is a 400 (DRF would read page 1)."""
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings and not raw.isdigit():
            raise exceptions.ValidationError({self.page_query_param: [_("Enter a whole number from 1.")]})
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters


