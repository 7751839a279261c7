"""Celery tasks of dynamic management (thin: they call ``enterprises.dynamics.services``).

Kept apart from ``enterprises/tasks.py`` (the statistics import); Celery discovers this module
through ``app.autodiscover_tasks(related_name="dynamics_tasks")`` in ``jiangmen_portal/celery.py``.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from core import context

from . import services


@shared_task(name="enterprises.refresh_review_calendar", acks_late=True, soft_time_limit=600, time_limit=900)
def refresh_review_calendar(as_of: str | None = None) -> dict:
    """Nightly: mark lapsed titles expired, then rebuild the review-calendar alerts (idempotent)."""
    date = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    with context.use(context.ActionContext(source="job")):
        expired = services.titles_mark_lapsed(date=date)
        alerts = services.alerts_refresh(date=date)
    return {"date": date.isoformat(), "expired": expired, "alerts": alerts}


@shared_task(name=services.REFRESH_VERDICTS_TASK, acks_late=True, soft_time_limit=1500, time_limit=1800)
def refresh_reserve_verdicts(as_of: str | None = None) -> dict:
    """After each progress recompute (data changes), nightly (beat) and after a criterion edit:
    precompute every tier's reserve-pool verdicts for today (``services.reserve_verdicts_refresh``)."""
    date = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    with context.use(context.ActionContext(source="job")):
        counts = services.reserve_verdicts_refresh(date=date)
    return {"date": date.isoformat(), "candidates": counts}
