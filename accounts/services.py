"""Account administration: every change is checked against the actor's role and audited.

Separation of duties (三权分立): the system administrator creates and maintains accounts (no roles,
no business data) and requests password resets, the security administrator grants roles and
permissions and approves those resets, the audit administrator only reads the audit trail.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .choices import AuditAction, AuditCategory, ResetStatus, Role
from .models import PasswordResetRequest, User

REVEAL_PERMISSION = "accounts.reveal_personal_data"
_USER_SNAPSHOT_EXCLUDE = ("password", "last_login")


def _require_role(actor, *roles) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.role in roles):
        raise PermissionDenied


def _snapshot(user: User) -> dict:
    data = audit.snapshot(user, exclude=_USER_SNAPSHOT_EXCLUDE)
    data["may_reveal_personal_data"] = user_may_reveal(user)
    return data


def user_may_reveal(user) -> bool:
    return user.user_permissions.filter(codename="reveal_personal_data", content_type__app_label="accounts").exists()


def generate_password(length: int = 14) -> str:
    """A random password that meets the policy (all four character classes)."""
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*-_=+"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(not c.isalnum() for c in candidate)
        ):
            return candidate


def user_create(*, actor, user: User) -> tuple[User, str]:
    """Create an account with no role (it reads nothing until the security administrator grants one,
    which ``user_grant`` allows only once the user has replaced this password) and a random one-time
    password that must be changed at first login. Returns the user and that password."""
    _require_role(actor, Role.SYSTEM_ADMIN)
    password = generate_password()
    with transaction.atomic():
        user.role = Role.NO_ROLE
        user.county = None
        user.department = None
        user.must_change_password = True
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        audit.record(actor, AuditAction.CREATE, user, after=_snapshot(user), category=AuditCategory.SECURITY)
    return user, password


def user_update(*, actor, user: User) -> User:
    """Name, e-mail and whether the account is active (system administrator)."""
    _require_role(actor, Role.SYSTEM_ADMIN)
    with transaction.atomic():
        stored = User.objects.select_for_update().get(pk=user.pk)
        if stored.pk == actor.pk and not user.is_active:
            raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
        before = _snapshot(stored)
        user.full_clean(exclude=["password"])
        user.save(update_fields=["full_name", "email", "is_active"])
        audit.record(
            actor, AuditAction.UPDATE, user, before=before, after=_snapshot(user), category=AuditCategory.SECURITY
        )
    return user


def password_reset_request(*, actor, user: User) -> PasswordResetRequest:
    """The system administrator asks for a new one-time password for ``user``. Nothing changes until
    the security administrator approves (two-person rule); one pending request per account."""
    _require_role(actor, Role.SYSTEM_ADMIN)
    if user.pk == actor.pk:
        raise ValidationError(_("Change your own password on the password page."))
    if user.role == Role.API_CLIENT:
        raise ValidationError(_("API client accounts are managed with their API key."))
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)  # serialises two requests for one account
        if PasswordResetRequest.objects.filter(user=user, status=ResetStatus.PENDING).exists():
            raise ValidationError(
                _("A password reset of %(name)s is already awaiting approval.") % {"name": user.username}
            )
        request = PasswordResetRequest.objects.create(user=user, requested_by=actor)
        audit.record(
            actor, AuditAction.UPDATE, user, message="password reset requested", category=AuditCategory.SECURITY
        )
    return request


def _decide(actor, request_id: int, status: str) -> PasswordResetRequest:
    _require_role(actor, Role.SECURITY_ADMIN)
    request = PasswordResetRequest.objects.select_for_update().select_related("user").filter(pk=request_id).first()
    if request is None:
        raise ValidationError(_("This password reset request does not exist."))
    if request.status != ResetStatus.PENDING:
        raise ValidationError(_("This password reset request was already decided."))
    if request.user_id == actor.pk:
        raise ValidationError(_("A reset of your own password is approved by another security administrator."))
    request.status = status
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    return request


def password_reset_approve(*, actor, request_id: int) -> tuple[PasswordResetRequest, str]:
    """The security administrator approves: a random one-time password is set (to be changed at the next
    login) and returned to the approver only. Returns the request and the password."""
    password = generate_password()
    with transaction.atomic():
        request = _decide(actor, request_id, ResetStatus.APPROVED)
        user = request.user
        user.set_password(password)
        user.must_change_password = True
        user.save()
        audit.record(
            actor, AuditAction.UPDATE, user, message="password reset approved", category=AuditCategory.SECURITY
        )
    return request, password


def password_reset_reject(*, actor, request_id: int) -> PasswordResetRequest:
    """The security administrator refuses the reset; the password stays as it is."""
    with transaction.atomic():
        request = _decide(actor, request_id, ResetStatus.REJECTED)
        audit.record(
            actor, AuditAction.UPDATE, request.user, message="password reset rejected", category=AuditCategory.SECURITY
        )
    return request


def user_grant(
    *, actor, user: User, role: str, county=None, department=None, may_reveal: bool = False, unit_lead: bool = False
) -> User:
    """Role, scope, the reveal permission and, for a department user, whether they lead the unit
    (security administrator; never on their own account)."""
    _require_role(actor, Role.SECURITY_ADMIN)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot change your own role or permissions."))
    if user.role == Role.API_CLIENT or role == Role.API_CLIENT:
        raise ValidationError(_("API client accounts are managed with their API key."))
    with transaction.atomic():
        stored = User.objects.select_for_update().get(pk=user.pk)
        if stored.role == Role.NO_ROLE and role != Role.NO_ROLE and stored.must_change_password:
            # The system administrator knows the one-time password of a new account: it must never open a role.
            raise ValidationError(
                _(
                    "%(name)s has not yet replaced the one-time password given at creation: grant a "
                    "role after the user's first login."
                )
                % {"name": stored.username}
            )
        before = _snapshot(stored)
        user.role = role
        user.county = county if role == Role.COUNTY_OFFICIAL else None
        user.department = department
        user.is_unit_lead = unit_lead and role == Role.DEPARTMENT_USER
        user.full_clean(exclude=["password"])
        user.save(update_fields=["role", "county", "department", "is_unit_lead"])
        permission = Permission.objects.get(codename="reveal_personal_data", content_type__app_label="accounts")
        if may_reveal:
            user.user_permissions.add(permission)
        else:
            user.user_permissions.remove(permission)
        audit.record(
            actor, AuditAction.GRANT, user, before=before, after=_snapshot(user), category=AuditCategory.SECURITY
        )
    return user


def user_reset_otp(*, actor, user: User) -> int:
    """Remove a user's second-factor devices (lost phone); they enrol again at the next login."""
    _require_role(actor, Role.SECURITY_ADMIN)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        count, _detail = TOTPDevice.objects.filter(user=user).delete()
        audit.record(actor, AuditAction.GRANT, user, message="second factor reset", category=AuditCategory.SECURITY)
    return count


def user_change_password(*, user: User, form) -> User:
    """Save a validated password-change form: clears the forced change and records the event."""
    with transaction.atomic():
        user = form.save(commit=False)
        user.must_change_password = False
        user.save()
        audit.security_event(user, AuditAction.UPDATE, "password changed", instance=user)
    return user


def user_disable_inactive(*, now: dt.datetime | None = None) -> int:
    """Disable accounts not used for ``ACCOUNT_INACTIVE_DAYS`` (last login, or creation when never
    logged in). API client service accounts are governed by their key instead. Returns the count."""
    days = settings.ACCOUNT_INACTIVE_DAYS
    if not days:
        return 0
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    with transaction.atomic():
        stale = list(
            User.objects.select_for_update()
            .filter(is_active=True)
            .exclude(role=Role.API_CLIENT)
            .annotate(last_seen=Coalesce("last_login", "date_joined"))
            .filter(Q(last_seen__lt=cutoff))
            .only("pk", "username", "full_name", "is_active", "last_login", "date_joined")
        )
        if not stale:
            return 0
        User.objects.filter(pk__in=[u.pk for u in stale]).update(is_active=False)
        entries = [
            audit.Entry(
                action=AuditAction.UPDATE,
                object_type="accounts.user",
                object_id=str(u.pk),
                object_repr=str(u),
                before={"is_active": True},
                after={"is_active": False},
                message=f"disabled: unused for {days} days",
                category=AuditCategory.SECURITY,
            )
            for u in stale
        ]
        audit.record_many(None, entries)
    return len(stale)
