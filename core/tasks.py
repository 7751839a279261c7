"""Celery tasks of the shared core."""

from __future__ import annotations

from celery import shared_task

from . import context, jobs


@shared_task(name="core.fail_stale_jobs")  # type: ignore[untyped-decorator]  # celery ships no type information
def fail_stale_jobs() -> int:
    """Every 15 minutes (beat): jobs of every kind whose worker died are marked failed."""
    with context.use(context.ActionContext(source="job")):
        return jobs.fail_all_stale()
