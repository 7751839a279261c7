"""Celery tasks of the enterprises app: thin, they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from core import context

from .imports import services as imports


@shared_task(bind=True, name=imports.CHECK_TASK)
def check_statistic_import(self, import_id: int) -> None:
    with context.use(context.for_job(self)):
        imports.statistic_import_check(import_id=import_id)


@shared_task(bind=True, name=imports.COMMIT_TASK)
def commit_statistic_import(self, import_id: int) -> None:
    with context.use(context.for_job(self)):
        imports.statistic_import_commit(import_id=import_id)


@shared_task(bind=True, name=imports.UNDO_TASK)
def undo_statistic_import(self, import_id: int) -> None:
    with context.use(context.for_job(self)):
        imports.statistic_import_undo_job(import_id=import_id)
