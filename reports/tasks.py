"""Celery tasks of the reports app: thin, they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from core import context
from core.context import ActionContext

from . import list_exports, services


@shared_task(name=services.BUILD_TASK, bind=True, soft_time_limit=20 * 60, time_limit=25 * 60)
def build_report(self, job_id: int) -> str:
    with context.use(context.for_job(self)):  # the export is audited with the requester's address
        return services.report_job_run(job_id=job_id).status


@shared_task(name=list_exports.EXPORT_TASK, bind=True, soft_time_limit=20 * 60, time_limit=25 * 60)
def build_list_export(self, job_id: int) -> str | None:
    with context.use(context.for_job(self)):  # the export is audited with the requester's address
        job = list_exports.list_export_run(job_id=job_id)
        return job.status if job else None


@shared_task(name="reports.report_files_cleanup")
def report_files_cleanup() -> int:
    """Expired files of quarterly reports and of list exports."""
    with context.use(ActionContext(source="job")):
        return services.report_files_cleanup() + list_exports.list_export_files_cleanup()
