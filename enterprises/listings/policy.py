"""Who may write the listing pipeline: the county scope as everywhere, plus the departments that
lead the listing goal (市金融局), named as data on the ``ListingProgramme`` rows.

Imports no model module of ``enterprises`` (the listing record's ``scope_check`` calls it); the
programme model is looked up through the app registry at call time.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.scoping import CHANGE, VIEW, Scope, scope_for


def is_lead_department_user(user: Any) -> bool:
    """A department user of a department that leads a listing programme (city-wide writer)."""
    scope = scope_for(user)
    if not scope.read or scope.department_id is None or scope.county_id is not None:
        return False
    programme = apps.get_model("enterprises", "ListingProgramme")
    return bool(programme.objects.filter(lead_departments=scope.department_id).exists())


def may(user: Any, action: str) -> bool:
    """May ``user`` do ``action`` on the pipeline at all (somewhere)?"""
    scope = scope_for(user)
    if scope.may(action):
        return True
    return action == CHANGE and is_lead_department_user(user)


def check(user: Any, action: str, county_id: int | None) -> Scope:
    """``core.scoping.require`` for pipeline rows: 403 for a role without the action, 404 for a
    row of another county."""
    scope = scope_for(user)
    if action == CHANGE and not scope.write and is_lead_department_user(user):
        return Scope(read=True, write=True, department_id=scope.department_id)
    if not scope.may(action):
        raise PermissionDenied
    if not scope.allows(action, county_id):
        raise Http404
    return scope


def county_filter(user: Any, action: str = VIEW) -> dict | None:
    """Filter keyword for rows of the user's scope (``{}``: every county), None: nothing."""
    scope = scope_for(user)
    if action == CHANGE and not scope.write:
        return {} if is_lead_department_user(user) else None
    if not scope.may(action):
        return None
    return {} if scope.county_id is None else {"county_id": scope.county_id}
