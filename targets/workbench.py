"""The targets app's part of the home workbench (``core.workbench``): the key figures of the
user's scope (the city's, or her county's) from the latest goal snapshot, the goals by status;
the header search of indicators."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Place
from core.scoping import scope_for
from core.workbench import Figure, SearchHit

from . import selectors
from .choices import ProgressStatus
from .models import Indicator


def _number(value: Decimal | None, decimals: int) -> str:
    if value is None:
        return "—"
    return f"{value:,.{decimals}f}"


def figures(user, today: dt.date) -> list[Figure]:
    scope = scope_for(user)
    if not scope.read:
        return []
    county = Place.objects.filter(pk=scope.county_id).first() if scope.county_id is not None else None
    rows = selectors.dashboard_rows(None, county=county, user=user)
    if not rows:
        return []
    url = reverse("targets:county", args=[county.code]) if county is not None else reverse("targets:dashboard")
    items = []
    for row in rows[: settings.PORTAL_WORKBENCH_FIGURES]:
        decimals = row.indicator.decimals
        items.append(
            Figure(
                row.indicator.short_name or row.name,
                f"{_number(row.now, decimals)} {row.unit}",
                reverse("targets:indicator", args=[row.code]),
                hint=_("target %(target)s · %(status)s")
                % {"target": _number(row.target, decimals), "status": row.status_label},
                order=10,
            )
        )
    counts = Counter(row.status for row in rows)
    summary = " · ".join(f"{status.label} {counts[status.value]}" for status in ProgressStatus if counts[status.value])
    items.append(Figure(_("2026 goals by status"), str(len(rows)), url, hint=summary, order=11))
    return items


def search(user, query: str, limit: int) -> list[SearchHit]:
    """Indicators (city-wide goals) by name or short name."""
    if not scope_for(user).read:
        return []
    rows = (
        Indicator.objects.filter(is_active=True)
        .filter(Q(name__icontains=query) | Q(short_name__icontains=query))
        .order_by("sort_order", "pk")[:limit]
    )
    group = _("Goal indicator")
    return [SearchHit(group, i.name, i.unit, reverse("targets:indicator", args=[i.code]), order=30) for i in rows]
