"""The role rules of county scoping: which ``core.scoping.Scope`` each role gets.

``User.scope`` calls ``scope_of_role``; ``core.scoping.scope_for`` (the mechanism every queryset,
view, service and API permission uses) reads ``user.scope``.
"""

from __future__ import annotations

from core.scoping import NO_ACCESS, Scope

from .choices import Role


def scope_of_role(user) -> Scope:
    role = user.role
    if role == Role.CITY_OPERATOR:
        return Scope(read=True, write=True, city_wide_write=True)
    if role == Role.COUNTY_OFFICIAL:
        if user.county_id is None:
            return NO_ACCESS
        return Scope(read=True, write=True, county_id=user.county_id, reporting_unit=True)
    if role == Role.DEPARTMENT_USER:
        return Scope(read=True, write=False, department_id=user.department_id, reporting_unit=True)
    if role == Role.VIEWER:
        return Scope(read=True)
    if role == Role.API_CLIENT:
        client = getattr(user, "api_client", None)
        if client is None or client.revoked_at is not None:
            return NO_ACCESS
        if user.department_id is not None:
            # a department's key (its ledger system): reads like the department's users; writes only
            # where the department owns the rows (the support grants it records), never county data
            return Scope(read=True, write=False, department_id=user.department_id)
        return Scope(read=True, write=client.can_write, county_id=user.county_id)
    # system, security and audit administrators never read or write business data.
    return NO_ACCESS
