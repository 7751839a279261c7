"""Celery tasks of the targets app: thin, they take ids and call ``targets.services``."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from jiangmen_portal import context

from . import services
from .choices import RunTrigger

PENDING_KEY = "targets:recompute:pending"


def enqueue_coalesced() -> bool:
    """Enqueue one recompute a few seconds from now unless one is already waiting to start: a
    burst of edits (or an import) gives one run. The waiting run clears the mark when it starts,
    so a change made while it computes schedules the next run.

    Without a broker (tasks run eagerly) the run goes to the embedded runner instead: after the
    response, on one background thread, coalesced (``targets.embedded``)."""
    if recompute_progress.app.conf.task_always_eager:
        from .embedded import runner

        return runner.request()
    delay = int(getattr(settings, "TARGETS_RECOMPUTE_DELAY", 30))
    if not cache.add(PENDING_KEY, "1", timeout=delay + 600):
        return False
    recompute_progress.apply_async(kwargs={"trigger": RunTrigger.DATA_CHANGE}, countdown=delay)
    return True


@shared_task(acks_late=True, max_retries=2, default_retry_delay=60)
def recompute_progress(run_id: int | None = None, trigger: str = RunTrigger.DATA_CHANGE) -> int:
    """Compute the progress snapshots. ``run_id``: a run row created by a user or command; without
    it (data changes, nightly beat) a run row is created here. Returns the run id."""
    with context.use(context.ActionContext(source="job")):
        if run_id is None:
            if trigger == RunTrigger.DATA_CHANGE:
                cache.delete(PENDING_KEY)
            # after a data change: today and the last quarter end (quick); nightly: the whole history
            run_id = services.run_create(trigger=trigger, with_history=trigger != RunTrigger.DATA_CHANGE).pk
        services.run_execute(run_id=run_id)
    return run_id
