"""System checks of the security configuration (run by ``manage.py check`` and ``check --deploy``)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, Tags, register

# Settings replaced by TRUSTED_PROXY_COUNT: left in a production environment they would suggest an
# effect they no longer have.
REPLACED_PROXY_SETTINGS = ("AXES_IPWARE_PROXY_COUNT", "USE_X_FORWARDED_FOR")


@register(Tags.security)
def client_address_check(app_configs, **kwargs):
    """Production runs behind the intranet reverse proxy (it trusts the proxy's X-Forwarded-Proto): without
    ``TRUSTED_PROXY_COUNT`` every client would have the proxy's address, so one user's failed logins would
    lock everybody and the audit trail would name the proxy. Refuse that configuration."""
    errors = []
    if not settings.DEBUG and getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and settings.TRUSTED_PROXY_COUNT < 1:
        errors.append(
            Error(
                "TRUSTED_PROXY_COUNT is 0 while the application runs behind a reverse proxy (DEBUG off, "
                "SECURE_PROXY_SSL_HEADER set): every client would have the proxy's address.",
                hint="Set TRUSTED_PROXY_COUNT to the number of reverse proxies in front of the application (1 for "
                "the intranet proxy).",
                id="portal.E001",
            )
        )
    if settings.TRUSTED_PROXY_COUNT < 0:
        errors.append(Error("TRUSTED_PROXY_COUNT cannot be negative.", id="portal.E002"))
    for name in REPLACED_PROXY_SETTINGS:
        if name in os.environ:
            errors.append(
                Error(
                    f"{name} is no longer read: the client address comes from TRUSTED_PROXY_COUNT alone.",
                    hint=f"Remove {name} from the environment and set TRUSTED_PROXY_COUNT.",
                    id="portal.E003",
                )
            )
    return errors
