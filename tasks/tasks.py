"""Celery jobs of the responsibility matrix: thin, they call a service."""

from __future__ import annotations

from celery import shared_task

from core import context


@shared_task(name="tasks.mark_lateness", acks_late=True)
def mark_lateness() -> dict:
    """Daily (beat): flag overdue drafts as late and remind units whose report is missing (idempotent)."""
    from .services import lateness_mark

    with context.use(context.ActionContext(source="job")):
        return lateness_mark()
