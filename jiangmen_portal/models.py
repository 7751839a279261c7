"""Abstract model mixins shared by every domain app (no concrete models live here)."""
from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class VersionedModel(TimestampedModel):
    """Optimistic locking: every save through a service bumps ``version``; an edit based on an
    older version is refused (see ``jiangmen_portal.services.check_version``)."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class JobModel(models.Model):
    """A background job as a row: status, progress, message and traceback (NetBox/Saleor style).

    Concrete job models (imports, report exports, recompute runs) inherit this; the Celery task
    takes only the row's id.
    """

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
