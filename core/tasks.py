"""Celery tasks of the shared core."""

from __future__ import annotations

from celery import shared_task

from . import context, counting, jobs


@shared_task(name="core.fail_stale_jobs")  # type: ignore[untyped-decorator]  # celery ships no type information
def fail_stale_jobs() -> int:
    """Every 15 minutes (beat): jobs of every kind whose worker died are marked failed."""
    with context.use(context.ActionContext(source="job")):
        return jobs.fail_all_stale()


@shared_task(name="core.prune_data_changes")  # type: ignore[untyped-decorator]  # celery ships no type information
def prune_data_changes() -> int:
    """Each night (beat): the change rows behind the list counts' data generation (``core.counting``)
    are pruned while nobody is reading, so a day's writes never make a read request prune them (that
    stays the fallback where no beat runs: the embedded mode). Returns the rows deleted."""
    return counting.prune_data_changes_over(counting.PRUNE_NIGHTLY_OVER)
