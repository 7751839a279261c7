"""Security events from Django's and django-axes' signals: logins, failures, lockouts, logouts."""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from core.signals import request_denied

from .audit import permission_denied_event, security_event
from .choices import AuditAction

SESSION_STARTED_KEY = "portal_auth_started"
SESSION_ACTIVITY_KEY = "portal_last_activity"


@receiver(user_logged_in, dispatch_uid="accounts_login_event")
def on_logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_ACTIVITY_KEY] = now
    security_event(user, AuditAction.LOGIN, getattr(request, "portal_login_reason", "") if request is not None else "")


@receiver(user_logged_out, dispatch_uid="accounts_logout_event")
def on_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "portal_logout_reason", "") if request is not None else ""
    security_event(user, AuditAction.LOGOUT, reason)


@receiver(user_login_failed, dispatch_uid="accounts_login_failed_event")
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    security_event(None, AuditAction.LOGIN_FAILED, username=username or "?")


@receiver(user_locked_out, dispatch_uid="accounts_lockout_event")
def on_locked_out(sender, request, username, ip_address, **kwargs):
    security_event(None, AuditAction.LOCKOUT, f"{username} @ {ip_address}", username=str(username or "?")[:150])


@receiver(request_denied, dispatch_uid="accounts_request_denied_event")
def on_request_denied(sender, request, reason="", **kwargs):
    permission_denied_event(request, reason=reason)
