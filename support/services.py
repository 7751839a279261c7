"""Writes of the support app, each through ``core.services.scoped_save`` (scope, version, audit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from core.scoping import CHANGE, require
from core.services import scoped_save

from .models import CommissionerAssignment

# Who may serve as a commissioner: county officials (of the enterprise's county) and department users.
COMMISSIONER_ROLES = (Role.COUNTY_OFFICIAL, Role.DEPARTMENT_USER)


def check_commissioner(user: Any, enterprise: Any) -> None:
    if user is None or not user.is_active or user.role not in COMMISSIONER_ROLES:
        raise ValidationError(
            {"commissioner": _("A service commissioner must be an active county official or department user.")}
        )
    if user.role == Role.COUNTY_OFFICIAL and user.county_id != enterprise.county_id:
        raise ValidationError({"commissioner": _("A county official can only serve enterprises of the own county.")})


@transaction.atomic
def assign_commissioner(
    *, actor: Any, enterprise: Any, commissioner: Any, starts_on: dt.date | None = None, note: str = ""
) -> CommissionerAssignment:
    """Make ``commissioner`` the enterprise's current commissioner from ``starts_on`` (today by
    default). The current assignment, if another person's, ends that day and stays as history; the
    same person again changes nothing."""
    require(actor, CHANGE, enterprise)
    check_commissioner(commissioner, enterprise)
    starts_on = starts_on or timezone.localdate()
    current = CommissionerAssignment.objects.select_for_update().filter(enterprise=enterprise, is_current=True).first()
    if current is not None:
        if current.commissioner_id == commissioner.pk:
            return current
        if starts_on < current.starts_on:
            raise ValidationError(
                {
                    "starts_on": _("The new assignment cannot start before the current one (%(date)s).")
                    % {"date": current.starts_on.isoformat()}
                }
            )
        current.is_current = False
        current.ends_on = starts_on
        scoped_save(actor=actor, instance=current, message=_("Commissioner replaced"))
    assignment = CommissionerAssignment(
        enterprise=enterprise, commissioner=commissioner, starts_on=starts_on, assigned_by=actor, note=note
    )
    return scoped_save(actor=actor, instance=assignment, message=_("Commissioner assigned"))


def assign_commissioner_bulk(
    *, actor: Any, enterprises: Iterable[Any], commissioner: Any, starts_on: dt.date | None = None
) -> int:
    """Assign one commissioner to many enterprises (the enterprise list's filtered rows), all or
    nothing: one refused row refuses the whole batch. Returns how many assignments changed."""
    changed = 0
    with transaction.atomic():
        for enterprise in enterprises:
            before = CommissionerAssignment.objects.filter(
                enterprise=enterprise, is_current=True, commissioner=commissioner
            ).exists()
            try:
                assign_commissioner(actor=actor, enterprise=enterprise, commissioner=commissioner, starts_on=starts_on)
            except ValidationError as error:
                raise ValidationError(
                    _("%(enterprise)s: %(error)s") % {"enterprise": enterprise.name, "error": "; ".join(error.messages)}
                ) from error
            changed += 0 if before else 1
    return changed


def end_commissioner(*, actor: Any, enterprise: Any, ends_on: dt.date | None = None) -> None:
    """End the current assignment (the enterprise has no commissioner afterwards)."""
    with transaction.atomic():
        current = (
            CommissionerAssignment.objects.select_for_update().filter(enterprise=enterprise, is_current=True).first()
        )
        if current is None:
            return
        current.is_current = False
        current.ends_on = ends_on or timezone.localdate()
        scoped_save(actor=actor, instance=current, message=_("Commissioner assignment ended"))
