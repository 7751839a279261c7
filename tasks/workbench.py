"""The tasks app's part of the home workbench (``core.workbench``): progress reports to write or
returned for changes, reports waiting for the lead unit's review, units late for the last period
(city operator); the header search of key tasks."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from core.scoping import scope_for
from core.workbench import SearchHit, Todo

from . import selectors
from .choices import CellStatus
from .models import KeyTask

TO_WRITE = (CellStatus.PENDING, CellStatus.DRAFT, CellStatus.MISSING)


def todos(user, today: dt.date) -> list[Todo]:
    scope = scope_for(user)
    if not scope.read:
        return []
    items = []
    mine_url = reverse("tasks:mine")
    if scope.reporting_unit:
        period = selectors.current_period(user=user, today=today)
        if period is not None:
            mine = selectors.my_tasks(user=user, period=period, today=today)
            to_write = sum(1 for t in mine if t.status in TO_WRITE)
            returned = sum(1 for t in mine if t.status == CellStatus.RETURNED)
            url = f"{mine_url}?{urlencode({'period': period.code})}"
            if to_write:
                items.append(
                    Todo(
                        _("Progress reports to submit for %(period)s") % {"period": period.name},
                        to_write,
                        url,
                        icon="bi-pencil-square",
                        urgent=any(t.status == CellStatus.MISSING for t in mine),
                        order=30,
                    )
                )
            if returned:
                items.append(
                    Todo(
                        _("Progress reports returned for changes"), returned, url, icon="bi-arrow-return-left", order=31
                    )
                )
        waiting = selectors.review_queue(user=user).count()
        if waiting:
            items.append(Todo(_("Progress reports waiting for your review"), waiting, mine_url, order=32))
    if selectors.may_coordinate(user):
        period = selectors.latest_overdue_period(user=user, today=today)
        if period is not None:
            late = len(selectors.slots(user=user, period=period, today=today, statuses=(CellStatus.MISSING,)))
            if late:
                items.append(
                    Todo(
                        _("Progress reports missing for %(period)s") % {"period": period.name},
                        late,
                        f"{reverse('tasks:lateness')}?{urlencode({'period': period.code})}",
                        icon="bi-alarm",
                        urgent=True,
                        order=33,
                    )
                )
    return items


def search(user, query: str, limit: int) -> list[SearchHit]:
    """Key tasks by title, section heading or number (the plan's tasks are city-wide: any business
    reader finds them)."""
    if not scope_for(user).read:
        return []
    rows = (
        KeyTask.objects.filter(is_active=True)
        .filter(Q(title__icontains=query) | Q(group_title__icontains=query) | Q(number__icontains=query))
        .order_by("sort_order", "pk")[:limit]
    )
    group = _("Key task")
    return [SearchHit(group, f"{t.number} {t.title}", t.group_title, t.get_absolute_url(), order=20) for t in rows]
