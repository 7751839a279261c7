"""Celery tasks of the reports app: thin, they take ids and call a service."""
from __future__ import annotations

from celery import shared_task

from core import context
from core.context import ActionContext


@shared_task(name="reports.build_report", bind=True, soft_time_limit=20 * 60, time_limit=25 * 60)
def build_report(self, job_id: int) -> str:
    from .services import report_job_run

    with context.use(context.for_job(self)):  # the export is audited with the requester's address
        return report_job_run(job_id=job_id).status


@shared_task(name="reports.report_files_cleanup")
def report_files_cleanup() -> int:
    from . import services

    with context.use(ActionContext(source="job")):
        return services.report_files_cleanup()
