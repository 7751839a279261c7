"""Periodic account jobs (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from core import context

from . import services


@shared_task(name="accounts.tasks.disable_inactive_accounts")
def disable_inactive_accounts() -> int:
    with context.use(context.ActionContext(source="job")):
        return services.user_disable_inactive()
