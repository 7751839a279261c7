"""System checks of the single sign-on configuration (``manage.py check``; the application refuses to
start with an error)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from accounts.choices import Role


@register(Tags.security)
def sso_configuration_check(app_configs, **kwargs):
    errors = []
    mode = settings.SSO_MODE
    if mode not in ("", "oidc"):
        errors.append(
            Error(
                f"SSO_MODE {mode!r} is not supported.",
                hint='Use "oidc" (OpenID Connect) or leave it empty; CAS is not built (README, "Single sign-on").',
                id="portal.E101",
            )
        )
    if mode == "oidc":
        for name in ("OIDC_OP_ISSUER", "OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET", "SSO_USERNAME_CLAIM"):
            if not getattr(settings, name):
                errors.append(Error(f"{name} must be set when SSO_MODE is oidc.", id="portal.E102"))
        production = not settings.DEBUG and not settings.TESTING
        if production and (not settings.OIDC_OP_ISSUER.startswith("https://") or not settings.OIDC_VERIFY_SSL):
            errors.append(
                Error(
                    "The identity provider must be reached over verified HTTPS in production.",
                    hint="Set OIDC_OP_ISSUER to its https:// address and leave OIDC_VERIFY_SSL on.",
                    id="portal.E103",
                )
            )
    unknown = sorted(set(settings.SSO_LOCAL_LOGIN_ROLES) - set(Role.values))
    if unknown:
        errors.append(Error(f"SSO_LOCAL_LOGIN_ROLES names unknown roles: {', '.join(unknown)}.", id="portal.E104"))
    return errors
