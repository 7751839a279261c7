"""The one write of single sign-on: the account of a person's first sign-on (audited)."""

from __future__ import annotations

from django.db import transaction

from accounts import audit
from accounts.choices import AuditAction, AuditCategory, Role
from accounts.models import User


def user_create_at_first_sign_on(*, username: str, full_name: str) -> User:
    """An account with NO role (it opens nothing until the security administrator grants a role and
    county or department; no self-provisioning of business access), no county or department and no
    usable password (it signs in through the platform only). Recorded as a security event."""
    with transaction.atomic():
        user = User(username=username, full_name=full_name[:50], role=Role.NO_ROLE, must_change_password=False)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        audit.record(
            None,
            AuditAction.CREATE,
            user,
            after=audit.snapshot(user, exclude=("password", "last_login")),
            message="account created at first single sign-on, no role",
            category=AuditCategory.SECURITY,
        )
    return user
