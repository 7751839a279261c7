"""Issuing and revoking API keys (HackSoft style: keyword-only ``<entity>_<action>``).

Each calling system gets an ``ApiClient`` and a service user of role ``api_client`` (optionally
limited to one county), so the county scoping and the audit trail of the web UI apply unchanged.
The key itself is returned once and only its HMAC is stored.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.api.authentication import generate_key
from accounts.choices import AuditAction, PlaceLevel, Role
from accounts.models import ApiClient, Department, Place, User


def api_client_create(
    *,
    name: str,
    can_write: bool = False,
    county_code: str | None = None,
    department_code: str | None = None,
    actor=None,
) -> tuple[ApiClient, str]:
    """Create a client; returns it and the plain key (show it once, it cannot be recovered). A
    department's key (``department_code``) reads like the department's users and, with
    ``can_write``, records that department's support grants (``POST /api/v1/support-grants/``)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the calling system a name.")})
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationError({"name": _("An API client named %(name)s already exists.") % {"name": name}})
    county = None
    if county_code:
        county = Place.objects.filter(code=county_code, level=PlaceLevel.COUNTY).first()
        if county is None:
            raise ValidationError({"county": _("%(code)s is not the code of a county.") % {"code": county_code}})
    department = None
    if department_code:
        if county is not None:
            raise ValidationError({"department": _("A key is either a county's or a department's, not both.")})
        department = Department.objects.filter(code=department_code).first()
        if department is None:
            raise ValidationError(
                {"department": _("%(code)s is not the code of a department.") % {"code": department_code}}
            )
    new = generate_key()
    with transaction.atomic():
        user = User(
            username=f"api-{new.prefix}",
            role=Role.API_CLIENT,
            full_name=name[:50],
            county=county,
            department=department,
            must_change_password=False,
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
        client = ApiClient.objects.create(
            name=name, user=user, key_prefix=new.prefix, key_hash=new.hash, can_write=can_write
        )
        scope = "read-write" if can_write else "read-only"
        where = county.code if county else (department.code if department else "all counties")
        audit.security_event(
            actor, AuditAction.GRANT, f"API client {name} ({scope}, {where}) created", username="cli", instance=client
        )
    return client, new.key


def api_client_revoke(*, client: ApiClient, actor=None) -> ApiClient:
    """Revoke a key at once (the next request with it answers 401); the row stays for the record."""
    with transaction.atomic():
        if client.revoked_at is None:
            client.revoked_at = timezone.now()
            client.save(update_fields=["revoked_at"])
            User.objects.filter(pk=client.user_id).update(is_active=False)
            audit.security_event(
                actor, AuditAction.GRANT, f"API client {client.name} revoked", username="cli", instance=client
            )
    return client
