"""Celery tasks of the reports app: thin, they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from core import context
from core.context import ActionContext

from . import services


@shared_task(name=services.BUILD_TASK, bind=True, soft_time_limit=20 * 60, time_limit=25 * 60)
def build_report(self, job_id: int) -> str:
    with context.use(context.for_job(self)):  # the export is audited with the requester's address
        return services.report_job_run(job_id=job_id).status


@shared_task(name="reports.report_files_cleanup")
def report_files_cleanup() -> int:
    with context.use(ActionContext(source="job")):
        return services.report_files_cleanup()
