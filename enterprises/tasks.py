"""Celery tasks of the enterprises app: thin, they take ids and call a service."""
from __future__ import annotations

from celery import shared_task

from core import context


@shared_task(bind=True)
def check_statistic_import(self, import_id: int) -> None:
    from .imports.services import statistic_import_check

    with context.use(context.for_job(self)):
        statistic_import_check(import_id=import_id)


@shared_task(bind=True)
def commit_statistic_import(self, import_id: int) -> None:
    from .imports.services import statistic_import_commit

    with context.use(context.for_job(self)):
        statistic_import_commit(import_id=import_id)


@shared_task(bind=True)
def undo_statistic_import(self, import_id: int) -> None:
    from .imports.services import statistic_import_undo_job

    with context.use(context.for_job(self)):
        statistic_import_undo_job(import_id=import_id)


@shared_task
def fail_stale_statistic_imports() -> int:
    from .imports.services import statistic_imports_fail_stale

    with context.use(context.ActionContext(source="job")):
        return statistic_imports_fail_stale()
