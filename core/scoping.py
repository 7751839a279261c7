"""The one mechanism that decides what a user may read and change (county scoping).

The mechanism lives here; the policy (which role gets which ``Scope``) is the user's: the user
model of ``accounts`` answers ``user.scope`` (``accounts.roles.scope_of_role``), so this module
imports no app.

Every view, form choice, export, dashboard and API viewset obtains business rows through
``Model.objects.for_user(user, action)`` (``ScopedQuerySet``), and every service write calls
``require(user, action, obj_or_county)``. An object outside a user's county answers 404; an action
a role may not do at all answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self, cast

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

VIEW = "view"
CHANGE = "change"


@dataclass(frozen=True)
class Scope:
    """What one principal may do with county-owned business data."""

    read: bool = False
    write: bool = False
    county_id: int | None = None  # None: every county
    department_id: int | None = None
    city_wide_write: bool = False  # may edit city-level reference data (allocations, tasks, …)
    reporting_unit: bool = False  # reports progress for its department (department_id) or county

    def allows(self, action: str, county_id: int | None = None) -> bool:
        if action == VIEW:
            permitted = self.read
        elif action == CHANGE:
            permitted = self.write
        else:
            raise ValueError(f"unknown action {action!r}")
        if not permitted:
            return False
        return self.county_id is None or county_id is None or county_id == self.county_id

    def may(self, action: str) -> bool:
        """May the role do ``action`` at all, somewhere?"""
        return self.read if action == VIEW else self.write


NO_ACCESS = Scope()


def scope_for(user: Any) -> Scope:
    """What ``user`` may do: nothing for anonymous or inactive users, else the user's own
    ``scope`` (the role rules of ``accounts.roles``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    return cast(Scope, getattr(user, "scope", NO_ACCESS))


class ScopedQuerySet(models.QuerySet[Any]):
    """Row-level restriction by county. A model declares ``scope_county_field``: the lookup path
    to its county (``"county"`` for an enterprise, ``"enterprise__county"`` for its titles)."""

    def for_user(self, user: Any, action: str = VIEW) -> Self:
        scope = scope_for(user)
        if not scope.may(action):
            return self.none()
        if scope.county_id is None:
            return self
        return self.filter(**{self.model.scope_county_field: scope.county_id})


def county_id_of(obj: Any) -> int | None:
    """Follow ``scope_county_field`` (e.g. ``"enterprise__county"``) on an instance."""
    *path, last = obj.scope_county_field.split("__")
    value = obj
    for part in path:
        value = getattr(value, part, None)
        if value is None:
            return None
    return cast("int | None", getattr(value, last + "_id", None))


def require(user: Any, action: str, target: Any = None, *, county_id: int | None = None) -> Scope:
    """Raise unless ``user`` may ``action`` on ``target`` (an instance) or in ``county_id``.

    A role that may not do the action at all gets ``PermissionDenied`` (403); an object of another
    county gets ``Http404`` so that its existence is not disclosed. A target whose model defines
    ``scope_check(user, action)`` decides itself (department ownership, reference data).
    """
    if target is not None and hasattr(target, "scope_check"):
        # Rows not owned by a county alone (a department's progress report, city reference data)
        # decide with the same rule as their queryset's ``for_user``: raise 403/404, return the Scope.
        return cast(Scope, target.scope_check(user, action))
    scope = scope_for(user)
    if not scope.may(action):
        raise PermissionDenied
    if target is not None:
        county_id = county_id_of(target)
    if not scope.allows(action, county_id):
        raise Http404
    return scope
