"""Celery tasks of the enterprises app: thin, they take ids and call a service."""
from __future__ import annotations

from celery import shared_task

from jiangmen_portal import context


@shared_task
def check_statistic_import(import_id: int) -> None:
    from .imports.services import statistic_import_check

    with context.use(context.ActionContext(source="job")):
        statistic_import_check(import_id=import_id)


@shared_task
def commit_statistic_import(import_id: int) -> None:
    from .imports.services import statistic_import_commit

    with context.use(context.ActionContext(source="job")):
        statistic_import_commit(import_id=import_id)


@shared_task
def undo_statistic_import(import_id: int) -> None:
    from .imports.services import statistic_import_undo_job

    with context.use(context.ActionContext(source="job")):
        statistic_import_undo_job(import_id=import_id)


@shared_task
def fail_stale_statistic_imports() -> int:
    from .imports.services import statistic_imports_fail_stale

    with context.use(context.ActionContext(source="job")):
        return statistic_imports_fail_stale()
