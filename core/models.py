"""Abstract model mixins shared by every domain app, and the one concrete model of the write path:
``DeletedRecord`` (the tombstones of deleted rows, for incremental synchronisation)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scoping import ScopedQuerySet


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class VersionedModel(TimestampedModel):
    """Optimistic locking: every save through a service bumps ``version``; an edit based on an
    older version is refused (see ``core.services.check_version``)."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


def stale_after() -> dt.timedelta:
    """A job pending or running longer than a task may live has lost its worker."""
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


class JobModel(models.Model):
    """A background job as a row: status, progress, message and traceback (NetBox/Saleor style).

    Concrete job models (imports, report exports, recompute runs) inherit this; the Celery task
    takes only the row's id and runs ``core.jobs.JobRunner``. ``requested_by`` is the user who
    asked for the job (the job acts in her scope); a model whose jobs may start without one (a
    beat job) redeclares it nullable. Life cycle: pending -> running -> (progress) -> succeeded | failed.
    A job whose worker died is failed by ``fail_if_stale`` on every read of its status (status
    view, API, list pages; ``core.jobs``) and by the beat job ``core.tasks.fail_stale_jobs``.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.TextField(_("message"), blank=True)
    error = models.TextField(_("error details"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    def is_stale(self, now: dt.datetime | None = None) -> bool:
        """Running (or queued) longer than a task may live: its worker is gone."""
        if self.is_finished:
            return False
        since = self.started_at or self.created_at
        return (now or timezone.now()) - since > stale_after()

    def stale_failure(self) -> str:
        """Called (row locked) when the job is found stale: set the row's own fields that say so
        and return the message of the failure. Subclasses name what was (not) done."""
        return str(_("The job stopped without finishing (its worker was stopped or timed out). Try again."))

    def fail_if_stale(self, now: dt.datetime | None = None) -> bool:
        """Mark the job failed if its worker died (see ``is_stale``); True when it did. The row is
        locked and checked again, so a job that finished meanwhile is left alone."""
        if not self.is_stale(now):
            return False
        with transaction.atomic():
            locked = type(self)._default_manager.select_for_update().filter(pk=self.pk).first()
            failed = locked is not None and locked.is_stale(now)
            if failed and locked is not None:  # (``failed`` implies it; narrows the type)
                locked.mark_failed(locked.stale_failure())
        self.refresh_from_db()
        return failed

    def set_progress(self, percent: int, message: str = "") -> None:
        """Record progress in its own short write (outside any open transaction's view)."""
        percent = max(0, min(100, int(percent)))
        fields: dict[str, int | str] = {"progress": percent}
        if message:
            fields["message"] = message
        type(self)._default_manager.filter(pk=self.pk).update(**fields)
        for key, value in fields.items():
            setattr(self, key, value)

    def mark_running(self) -> None:
        self.status = JobStatus.RUNNING
        self.started_at = timezone.now()
        self.save(update_fields=["status", "started_at"])

    def mark_succeeded(self, message: str = "") -> None:
        self.status = JobStatus.SUCCEEDED
        self.progress = 100
        self.finished_at = timezone.now()
        if message:
            self.message = message
        self.save(update_fields=["status", "progress", "finished_at", "message"])

    def mark_failed(self, message: str, error: str = "") -> None:
        self.status = JobStatus.FAILED
        self.finished_at = timezone.now()
        self.message = message
        self.error = error
        self.save(update_fields=["status", "finished_at", "message", "error"])


class DeletedRecord(models.Model):
    """A tombstone: ``scoped_delete`` writes one per deleted row, so a system synchronising with
    ``updated_since`` also learns which records are gone (``/api/v1/deletions/?since=``). County
    scoped like the row was (``county`` empty for city-wide rows such as key tasks)."""

    scope_county_field = "county"

    model = models.CharField(
        _("record type"),
        max_length=100,
        db_index=True,
        help_text=_("App label and model name, e.g. enterprises.title."),
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    county = models.ForeignKey(
        "accounts.Place", verbose_name=_("county"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deleted_at = models.DateTimeField(_("deleted at"), default=timezone.now, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("deleted record")
        verbose_name_plural = _("deleted records")
        ordering = ["deleted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.model} #{self.object_id}"


class DataChange(models.Model):
    """The data generation (``core.counting``): a transaction inserts one row at its first change
    of business data (a trigger does, in the transaction), so the committed rows change exactly
    when committed data does. Pruned by ``core.counting.prune_data_changes``."""

    id = models.BigAutoField(primary_key=True)
    token = models.UUIDField(_("token"), default=uuid.uuid4)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("data change")
        verbose_name_plural = _("data changes")

    def __str__(self) -> str:
        return f"{self.pk} {self.changed_at:%Y-%m-%d %H:%M:%S}"
