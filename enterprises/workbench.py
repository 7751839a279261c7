"""The enterprises app's part of the home workbench (``core.workbench``): imports waiting for
confirmation, titles lapsing soon, reviews pending; the header search of enterprises."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from core.models import JobStatus
from core.scoping import CHANGE, VIEW, scope_for
from core.workbench import SearchHit, Todo

from .dynamics import selectors as dynamics
from .models import Enterprise, ImportState, ListingRecord, StatisticImport


def todos(user, today: dt.date) -> list[Todo]:
    scope = scope_for(user)
    if not scope.write:  # viewers and department users: nothing to do here
        return []
    items = []
    waiting = (
        StatisticImport.objects.for_user(user, CHANGE)
        .filter(state=ImportState.CHECKED, status=JobStatus.SUCCEEDED, dry_run=False)
        .count()
    )
    if waiting:
        items.append(
            Todo(
                _("Statistics imports waiting for confirmation"),
                waiting,
                reverse("enterprises:import_list"),
                icon="bi-file-earmark-arrow-up",
                order=10,
            )
        )
    window = dynamics.EXPIRY_WINDOWS[0]
    lapsing = dynamics.expiring_titles(user, date=today, days=window).count()
    if lapsing:
        items.append(
            Todo(
                _("Titles lapsing within %(days)d days") % {"days": window},
                lapsing,
                f"{reverse('enterprises:dynamics_calendar')}?window={window}",
                icon="bi-hourglass-split",
                urgent=True,
                order=20,
            )
        )
    pending = dynamics.pending_reviews(user).count()
    if pending:
        items.append(
            Todo(
                _("Title reviews pending"),
                pending,
                reverse("enterprises:dynamics_calendar"),
                icon="bi-clipboard-check",
                order=21,
            )
        )
    return items


def search(user, query: str, limit: int) -> list[SearchHit]:
    """Enterprises by name (partial), credit code (prefix) or stock code (exact), scoped like the
    list: a county official finds only her county's enterprises."""
    if not scope_for(user).read:
        return []
    listed = ListingRecord.objects.filter(enterprise=OuterRef("pk"), stock_code__iexact=query)
    rows = (
        Enterprise.objects.for_user(user, VIEW)
        .filter(Q(name__icontains=query) | Q(credit_code__istartswith=query) | Q(Exists(listed)))
        .select_related("county")
        .order_by("name", "pk")[:limit]
    )
    group = _("Enterprise")
    return [
        SearchHit(group, e.name, f"{e.county.name} · {e.credit_code}", e.get_absolute_url(), order=10) for e in rows
    ]
