"""The enterprises app's part of the home workbench (``core.workbench``): imports waiting for
confirmation, titles lapsing soon, reviews pending, reserve-pool candidates eligible and not yet
recommended; the header search of enterprises."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from core.models import JobStatus
from core.scoping import CHANGE, VIEW, scope_for
from core.workbench import SearchHit, Todo

from .dynamics import selectors as dynamics
from .dynamics.precheck import ELIGIBLE
from .models import Enterprise, ImportState, ListingRecord, StatisticImport, Tier


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
    # Counting needs every rung's pool pre-checked: the home page loads these after it is shown.
    items.append(Todo("", 0, "", source=reverse("enterprises:dynamics_reserve_todos"), order=30))
    return items


def reserve_todos(user, today: dt.date) -> list[Todo]:
    """Per rung with criteria in force: candidates in the user's scope whose pre-check is eligible
    today and who have no reserve entry for this year's batch (of any status: a withdrawn or
    decided entry was handled). They stay counted until someone recommends them (or they stop being
    eligible), so the count is what is left to decide, not what changed since the last visit."""
    items = []
    for tier in Tier.objects.order_by("rank"):
        fresh = dynamics.fresh_verdicts(user, tier=tier, date=today)
        if fresh is not None:  # precomputed: one count
            eligible_rows = fresh[0].filter(status_order=dynamics.STATUS_ORDER[ELIGIBLE])
            count = dynamics.not_entered(eligible_rows, tier=tier, year=today.year).count()
        else:
            pool = dynamics.reserve_pool_verdicts(user, tier=tier, date=today)
            if pool is None:
                continue
            eligible = {v.enterprise_id for v in pool.verdicts if v.status == ELIGIBLE}
            count = len(eligible - dynamics.entered_ids(tier, today.year)) if eligible else 0
        if count:
            items.append(
                Todo(
                    _("Eligible for %(tier)s, not yet recommended for %(year)d")
                    % {"tier": tier.name, "year": today.year},
                    count,
                    f"{reverse('enterprises:dynamics_reserve')}?tier={tier.code}&result={ELIGIBLE}&open=1",
                    icon="bi-person-up",
                    order=30 + tier.rank,
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
