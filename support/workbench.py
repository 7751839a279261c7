"""The support app's part of the home workbench (``core.workbench``): requests awaiting the
handling department's acceptance, overdue requests, requests returned to their recorder or closed
without the enterprise's satisfaction, and a commissioner's enterprises due a visit. One aggregate
query over the requests the user may act on (``request_filter`` CHANGE), one over "my enterprises"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from core.scoping import CHANGE, scope_for
from core.workbench import Todo

from . import selectors
from .choices import NoticeKind, RequestStatus
from .models import CommissionerAssignment, EnterpriseRequest, RequestNotice


def todos(user: Any, today: dt.date) -> list[Todo]:
    scope = scope_for(user)
    role = getattr(user, "role", None)
    if not scope.read or role not in (Role.CITY_OPERATOR, Role.COUNTY_OFFICIAL, Role.DEPARTMENT_USER):
        return []
    served = Q(
        Exists(
            CommissionerAssignment.objects.filter(
                enterprise_id=OuterRef("enterprise_id"), commissioner_id=user.pk, is_current=True
            )
        )
    )
    # (an empty Q() means "all within the CHANGE scope"; note that Q() | q is q, so ``acts`` is explicit)
    if role == Role.CITY_OPERATOR:
        handles, records, acts = Q(), Q(), Q()
    elif role == Role.DEPARTMENT_USER:
        handles, records = Q(department_id=scope.department_id), served
        acts = handles | records
    else:  # the county official: her county's requests (the CHANGE scope), which she records
        handles, records, acts = Q(pk__in=[]), Q(), Q()
    counts = (
        EnterpriseRequest.objects.for_user(user, CHANGE)
        .order_by()
        .aggregate(
            pending=Count("id", filter=handles & Q(status=RequestStatus.PENDING)),
            overdue=Count("id", filter=selectors.overdue_q(today) & acts),
            returned=Count("id", filter=records & Q(status=RequestStatus.RETURNED)),
            to_rate=Count("id", filter=records & Q(status=RequestStatus.CLOSED, satisfaction="")),
        )
    )
    url = reverse("support:request_list")
    items = []
    if counts["pending"]:
        items.append(
            Todo(_("Requests awaiting acceptance"), counts["pending"], f"{url}?status=pending", "bi-inbox", order=40)
        )
    if counts["overdue"]:
        items.append(Todo(_("Overdue requests"), counts["overdue"], f"{url}?overdue=1", "bi-alarm", True, order=41))
    if counts["returned"]:
        items.append(
            Todo(
                _("Requests returned for more information"),
                counts["returned"],
                f"{url}?status=returned",
                "bi-arrow-return-left",
                order=42,
            )
        )
    if counts["to_rate"]:
        items.append(
            Todo(
                _("Closed requests awaiting the enterprise's satisfaction"),
                counts["to_rate"],
                f"{url}?status=closed",
                "bi-emoji-smile",
                order=43,
            )
        )
    if role == Role.DEPARTMENT_USER and scope.department_id is not None and getattr(user, "is_unit_lead", False):
        # the beat job's escalations (``services.flag_deadlines``) of the unit's requests still open
        escalated = (
            RequestNotice.objects.filter(
                kind=NoticeKind.OVERDUE,
                department_id=scope.department_id,
                request__department_id=scope.department_id,
                request__status__in=(RequestStatus.PENDING, RequestStatus.IN_PROGRESS, RequestStatus.REPLIED),
            )
            .values("request_id")
            .distinct()
            .count()
        )
        if escalated:
            items.append(
                Todo(
                    _("Overdue requests of your unit escalated to you"),
                    escalated,
                    f"{url}?overdue=1&department={scope.department_id}",
                    "bi-megaphone",
                    True,
                    order=39,
                )
            )
    due = selectors.my_enterprises(user).filter(next_visit_on__lte=today).count()
    if due:
        items.append(Todo(_("Enterprises due a visit"), due, reverse("support:mine"), "bi-geo-alt", order=44))
    return items
