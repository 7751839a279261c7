"""The accounts app's part of the home workbench (``core.workbench``): recent business activity
in the user's scope, read from the audit trail (business writes only, never security events or
account changes; a county official sees her county's)."""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext as _

from core.scoping import scope_for
from core.workbench import Activity

from .choices import AuditAction, AuditCategory
from .models import AuditLog, Place


def _type_label(object_type: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return _("record")


def activity(user, limit: int) -> list[Activity]:
    scope = scope_for(user)
    if not (scope.write or scope.reporting_unit):  # viewers see figures only
        return []
    qs = AuditLog.objects.filter(category=AuditCategory.DATA).exclude(object_type__startswith="accounts.")
    if scope.county_id is not None:
        code = Place.objects.filter(pk=scope.county_id).values_list("code", flat=True).first()
        qs = qs.filter(county_code=code or "-")
    rows = qs.only("timestamp", "actor_username", "action", "object_type", "object_repr").order_by("-id")[:limit]
    actions = dict(AuditAction.choices)
    return [
        Activity(
            when=row.timestamp,
            who=row.actor_username or _("system"),
            what=f"{actions.get(row.action, row.action)} · {_type_label(row.object_type)} {row.object_repr}",
        )
        for row in rows
    ]
