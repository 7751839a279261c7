"""Celery jobs of the support app: thin, they call a service."""

from __future__ import annotations

from celery import shared_task

from core import context


@shared_task(name="support.flag_deadlines", acks_late=True)
def flag_deadlines() -> dict:
    """Daily (beat): notices for requests due soon, escalation of the overdue ones (idempotent)."""
    from .services import flag_deadlines as run

    with context.use(context.ActionContext(source="job")):
        return run()
