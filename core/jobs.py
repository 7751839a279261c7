"""The job runner, in the manner of NetBox's ``JobRunner``: one way to queue a job, to read its
status and to notice that its worker died.

- A job is a row of a model that inherits ``core.models.JobModel`` (pending -> running ->
  progress -> succeeded | failed, timestamps, message, error details); its Celery task takes
  the row's id and calls the app's service (tasks import services, never the other way round).
- ``enqueue(task_name, *args)`` queues a task by its registered name once the current
  transaction commits (a rolled-back request queues nothing). The request's IP address and id
  travel with it in the message headers (``core.context``).
- ``JobRunner``: the one body of every job (start, progress, success, failure with a Chinese
  message and the traceback, logging); an app subclasses it with its ``work`` and the service the
  task calls is ``Runner.run_id(job_id)``.
- Every read of a job's status applies the stale rule (``JobModel.fail_if_stale``): the JSON
  status view (``JobStatusView``, polled by ``static/core/js/job-poller.js``), the API
  (``core.api.JobReadMixin``) and list pages (``fail_stale``); the beat job
  ``core.tasks.fail_stale_jobs`` does the same for every job model.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, ClassVar, Generic, TypeVar, cast

from django.apps import apps
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views import View

from .db_router import replica_reads
from .models import JobModel, JobStatus, stale_after

J = TypeVar("J", bound=JobModel)


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


class JobRunner(Generic[J]):
    """The body of a job, written once (in the manner of NetBox's ``netbox/jobs.py``).

    ``run()`` is what the task (through its service) calls: it checks the job may start
    (``ready``), marks it running, calls ``work`` and records the outcome:

    - ``work`` returns the success message (the job succeeds with it), or ``None`` when it recorded
      the job's end itself, together with its data (one transaction, so a worker lost after the
      commit leaves no doubt);
    - an exception of ``refusals`` (an expected refusal: a permission or a rule) fails the job with
      ``refused_message`` and no traceback;
    - any other exception is logged, fails the job with ``failure_message`` and the traceback in
      the error details, and is re-raised when ``reraise`` (Celery then records it too).

    ``on_failure`` runs before the job is marked failed (undo a half-made file, set a state).
    Subclasses set ``model``, ``name`` (for the log) and ``work``; ``run_id`` loads the row.
    """

    model: ClassVar[type[JobModel]]
    name: ClassVar[str] = "job"
    select_related: ClassVar[tuple[str, ...]] = ()
    refusals: ClassVar[tuple[type[Exception], ...]] = ()
    reraise: ClassVar[bool] = False
    # ``work`` only reads business data: with a replica configured it reads there (its own progress
    # and outcome are written to the primary; ``core.db_router.replica_reads(pin_on_write=False)``)
    reads_replica: ClassVar[bool] = False

    def __init__(self, job: J) -> None:
        self.job = job
        self.logger = logging.getLogger(type(self).__module__)

    @classmethod
    def load(cls, job_id: int) -> J | None:
        return cast(
            "J | None", cls.model._default_manager.select_related(*cls.select_related).filter(pk=job_id).first()
        )

    @classmethod
    def run_id(cls, job_id: int) -> J | None:
        """Load the job and run it; ``None`` when the row is gone."""
        job = cls.load(job_id)
        return None if job is None else cls(job).run()

    def ready(self) -> bool:
        """May the job start? A finished job (a message delivered twice) is left alone."""
        return not self.job.is_finished

    def claim_filter(self) -> dict[str, Any]:
        """What else the row must still show for this run to take it (besides being pending)."""
        return {}

    def start(self) -> bool:
        """Take the job: one conditional UPDATE from pending to running, so that a message
        delivered twice, or to two workers at once, runs the job once. False: another run has it."""
        now = timezone.now()
        taken = (
            type(self.job)
            ._default_manager.filter(pk=self.job.pk, status=JobStatus.PENDING, **self.claim_filter())
            .update(status=JobStatus.RUNNING, started_at=now)
        )
        if not taken:
            self.logger.warning("%s %s: taken by another worker or delivered again; ignored", self.name, self.job.pk)
            return False
        self.job.status, self.job.started_at = JobStatus.RUNNING, now
        return True

    def progress(self, percent: int, message: str = "") -> None:
        self.job.set_progress(percent, message)

    def work(self) -> str | None:
        raise NotImplementedError

    def on_failure(self, error: Exception) -> None:
        """Called before the job is marked failed (refused or broken)."""

    def refused_message(self, error: Exception) -> str:
        return " ".join(getattr(error, "messages", [])) or str(error)

    def failure_message(self, error: Exception) -> str:
        return str(error)

    def run(self) -> J:
        job = self.job
        if not self.ready() or not self.start():
            return job
        try:
            with replica_reads(self.reads_replica, pin_on_write=False):
                done = self.work()
        except self.refusals as refused:
            self.logger.info("%s %s refused: %s", self.name, job.pk, refused)
            self.on_failure(refused)
            job.mark_failed(self.refused_message(refused))
            return job
        except Exception as error:
            self.logger.exception("%s %s failed", self.name, job.pk)
            details = traceback.format_exc()
            self.on_failure(error)
            job.mark_failed(self.failure_message(error), details)
            if self.reraise:
                raise
            return job
        if done is not None:
            job.mark_succeeded(done)
        return job
