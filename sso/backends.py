"""Local password login while single sign-on is on: kept for ``SSO_LOCAL_LOGIN_ROLES`` only (the three
administrators, so that the portal can still be administered when the platform is down)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from accounts import audit
from accounts.choices import AuditAction

from . import conf


class LocalPasswordBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or not conf.oidc_enabled() or user.role in settings.SSO_LOCAL_LOGIN_ROLES:
            return user
        # The password was right, but this account signs in through the platform. The login form
        # answers as for a wrong password (nothing learnt about the password); the trail says why.
        audit.security_event(
            None,
            AuditAction.LOGIN_FAILED,
            "local password login refused: single sign-on required",
            username=user.username,
        )
        return None
