"""Celery tasks of the targets app: thin, they take ids and call ``targets.services``."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from core import context, jobs
from enterprises.dynamics.services import REFRESH_VERDICTS_TASK

from . import services
from .choices import RunTrigger


@shared_task(name=services.RECOMPUTE_TASK, acks_late=True, max_retries=2, default_retry_delay=60)
def recompute_progress(run_id: int | None = None, trigger: str = RunTrigger.DATA_CHANGE) -> int:
    """Compute the progress snapshots. ``run_id``: a run row created by a user or command; without
    it (data changes, nightly beat) a run row is created here. Returns the run id."""
    with context.use(context.ActionContext(source="job")):
        if run_id is None:
            if trigger == RunTrigger.DATA_CHANGE:
                cache.delete(services.PENDING_KEY)
            # after a data change: today and the last quarter end (quick); nightly: the whole history
            run_id = services.run_create(trigger=trigger, with_history=trigger != RunTrigger.DATA_CHANGE).pk
        services.run_execute(run_id=run_id)
    # The reserve pool's precomputed verdicts read the same records: refresh them after each run
    # (its own task on the same queue, so that its failure does not fail the recompute).
    jobs.enqueue(REFRESH_VERDICTS_TASK)
    return run_id
