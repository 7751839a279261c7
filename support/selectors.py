"""Read side of the support app: one query per question, never one per row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import CommissionerAssignment


def current_commissioners(enterprise_ids: Iterable[int]) -> dict[int, Any]:
    """Enterprise id -> its current commissioner (a ``User``), for the enterprises that have one.
    One query (the user joined in)."""
    ids = list(enterprise_ids)
    if not ids:
        return {}
    rows = CommissionerAssignment.objects.filter(enterprise_id__in=ids, is_current=True).select_related("commissioner")
    return {row.enterprise_id: row.commissioner for row in rows}
