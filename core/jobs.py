"""The job runner, in the manner of NetBox's ``JobRunner``: one way to queue a job, to read its
status and to notice that its worker died.

- A job is a row of a model that inherits ``core.models.JobModel`` (pending -> running ->
  progress -> succeeded | failed, timestamps, message, error details); its Celery task takes
  the row's id and calls the app's service (tasks import services, never the other way round).
- ``enqueue(task_name, *args)`` queues a task by its registered name once the current
  transaction commits (a rolled-back request queues nothing). The request's IP address and id
  travel with it in the message headers (``core.context``).
- Every read of a job's status applies the stale rule (``JobModel.fail_if_stale``): the JSON
  status view (``JobStatusView``, polled by ``static/core/js/job-poller.js``), the API
  (``core.api.JobReadMixin``) and list pages (``fail_stale``); the beat job
  ``core.tasks.fail_stale_jobs`` does the same for every job model.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views import View

from .models import JobModel, JobStatus, stale_after


def task(task_name: str) -> Any:
    """The Celery task registered as ``task_name`` (the apps' task modules are discovered on first
    use): services queue jobs by name, so no services module imports its tasks module."""
    from celery import current_app

    if task_name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name]


def enqueue(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Queue the Celery task registered as ``task_name`` after the transaction commits."""
    found = task(task_name)
    transaction.on_commit(lambda: found.apply_async(args=args, kwargs=kwargs))


def fail_stale(queryset: QuerySet[JobModel]) -> int:
    """Fail the jobs of ``queryset`` whose worker died (one query when none did). Returns how many."""
    limit = timezone.now() - stale_after()
    candidates = queryset.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING]).filter(
        Q(started_at__lt=limit) | Q(started_at__isnull=True, created_at__lt=limit)
    )
    return sum(1 for job in candidates if job.fail_if_stale())


def job_models() -> list[type[JobModel]]:
    return [model for model in apps.get_models() if issubclass(model, JobModel)]


def fail_all_stale() -> int:
    """The beat job's work: every job model."""
    return sum(fail_stale(model._default_manager.all()) for model in job_models())


def job_status(job: JobModel) -> dict[str, Any]:
    """What the poller shows: status, progress, message, whether it has finished."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": job.progress,
        "message": job.message,
        "finished": job.is_finished,
    }


class JobStatusView(View):
    """``GET`` -> the job's status as JSON, after the stale rule. Subclasses fetch the job in the
    user's scope (``get_job``) and may add keys (``status_extra``)."""

    def get_job(self, request: HttpRequest, pk: int) -> JobModel:
        raise NotImplementedError

    def status_extra(self, job: JobModel) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        job = self.get_job(request, pk)
        job.fail_if_stale()
        return JsonResponse({**job_status(job), **self.status_extra(job)})
