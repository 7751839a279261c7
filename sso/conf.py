"""Single sign-on configuration: on or off, and the provider's endpoints (issuer discovery).

Everything comes from the environment (settings, ``.env.example``). The endpoints are read from the
provider's discovery document ``<OIDC_OP_ISSUER>/.well-known/openid-configuration`` once per process
(and again after ``DISCOVERY_TTL`` seconds, so a key or endpoint change at the platform is picked up);
an endpoint set explicitly in the environment wins over the discovered one.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DISCOVERY_TTL = 3600
# When the provider cannot be reached, an open session's re-check is tried again after this many seconds.
PROVIDER_RETRY_SECONDS = 60

# setting name -> key of the discovery document
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_END_SESSION_ENDPOINT": "end_session_endpoint",
}

_lock = threading.Lock()
_cache: dict[str, tuple[float, dict]] = {}


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read (network, HTTP error, not JSON)."""


def oidc_enabled() -> bool:
    return settings.SSO_MODE == "oidc"


def discovery() -> dict:
    """The provider's discovery document (cached), checked to name the configured issuer."""
    issuer = settings.OIDC_OP_ISSUER
    if not issuer:
        raise ImproperlyConfigured("OIDC_OP_ISSUER is not set")
    with _lock:
        cached = _cache.get(issuer)
        if cached and time.monotonic() - cached[0] < DISCOVERY_TTL:
            return cached[1]
    import requests

    try:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration",
            timeout=settings.OIDC_TIMEOUT,
            verify=settings.OIDC_VERIFY_SSL,
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"discovery failed: {type(exc).__name__}") from exc
    if document.get("issuer", "").rstrip("/") != issuer:
        # OpenID Connect Discovery 1.0, section 4.3: the issuer must be the one asked.
        raise ImproperlyConfigured("the discovery document names another issuer")
    with _lock:
        _cache[issuer] = (time.monotonic(), document)
    return document


def forget_discovery() -> None:
    with _lock:
        _cache.clear()


def setting(name: str, *default):
    """A mozilla-django-oidc setting, with the provider's endpoints filled in from discovery."""
    value = getattr(settings, name, None)
    if name in ENDPOINTS and not value and oidc_enabled():
        value = discovery().get(ENDPOINTS[name]) or ""
        if not value and name != "OIDC_OP_END_SESSION_ENDPOINT" and not default:
            raise ImproperlyConfigured(f"the provider's discovery document has no {ENDPOINTS[name]}")
    if value is None:
        if default:
            return default[0]
        raise ImproperlyConfigured(f"Setting {name} not found")
    return value


def provider_origin() -> str:
    """scheme://host[:port] of the provider's pages (the logout form is sent on to them)."""
    parts = urlsplit(settings.OIDC_OP_ISSUER)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
