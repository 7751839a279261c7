"""API key authentication of ``/api/v1/`` (the ``ApiClient`` rows of this app).

Named in ``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``: REST framework imports it while
``rest_framework.views`` is still loading, so this module must not import views or viewsets.
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
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

# --------------------------------------------------------------------------------------------------
# API keys
# --------------------------------------------------------------------------------------------------

KEY_SCHEME = "Api-Key"
KEY_HEADER = "X-API-Key"
ACCEPTED_SCHEMES = (KEY_SCHEME.lower().encode(), b"bearer")  # Bearer: an alias, what generated clients send
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
        """The key from ``Api-Key`` (or its alias ``Bearer``, the default of generated clients) in
        ``Authorization``, else from ``X-API-Key``. Another scheme (Basic, Token, …) is refused with a
        message naming the accepted ones, rather than reported as "no credentials"."""
        header = get_authorization_header(request).split()
        key = request.headers.get(KEY_HEADER)
        if header and header[0].lower() in ACCEPTED_SCHEMES:
            if len(header) != 2:
                raise exceptions.AuthenticationFailed(_("Invalid API key header: use 'Api-Key <key>'."))
            return header[1].decode("latin-1")
        if header and not key:
            raise exceptions.AuthenticationFailed(
                _(
                    "Unsupported authorization scheme '%(scheme)s': send the API key as 'X-API-Key: <key>', "
                    "'Authorization: Api-Key <key>' or 'Authorization: Bearer <key>'."
                )
                % {"scheme": header[0].decode("latin-1")[:20]}
            )
        return key.strip() if key else None

    def authenticate(self, request):
        key = self.key_from_request(request)
        if key is None:
            return None  # let session authentication (browsable pages) try
        from accounts.models import ApiClient

        parts = split_key(key)
        client = None
        if parts:
            client = ApiClient.objects.select_related("user").filter(key_prefix=parts[0]).first()
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
        won = (
            ApiClient.objects.filter(pk=client.pk)
            .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION))
            .update(last_used_at=now)
        )
        client.last_used_at = now
        if won:
            audit.security_event(
                client.user, AuditAction.API_KEY_USED, f"API key {client.key_prefix}… used", instance=client
            )

    @staticmethod
    def failed(request, prefix: str, revoked: bool = False) -> None:
        """A refused key is a security event, recorded at most once a minute per prefix and address
        (a flood of bad keys must not flood the audit trail)."""
        from django.core.cache import cache

        from accounts import audit
        from accounts.choices import AuditAction
        from core.middleware import client_ip

        ip = client_ip(request) or ""
        if not cache.add(f"api-key-failed:{prefix}:{ip}", 1, timeout=int(LAST_USED_RESOLUTION.total_seconds())):
            return
        what = "revoked API key" if revoked else "invalid API key"
        audit.security_event(
            None, AuditAction.PERMISSION_DENIED, f"{what} {prefix or '?'}…", username=f"api-key:{prefix or '?'}"
        )


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The API key in the OpenAPI schema (so the docs page offers an 'Authorize' box)."""

    target_class = "accounts.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": KEY_HEADER,
            "description": _(
                "API key issued with 'manage.py create_api_client'. Send it as 'X-API-Key: <key>', "
                "'Authorization: Api-Key <key>' or 'Authorization: Bearer <key>'."
            ),
        }
