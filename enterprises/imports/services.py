"""Statistics import services (HackSoft style: keyword-only ``<entity>_<action>``).

- ``statistic_import_create``: store an uploaded file as an import row and queue the check job.
- ``statistic_import_check`` (job body): read and validate, compare with the database, write
  nothing; the import becomes *checked* with its counts and every error, or *rejected*.
- ``statistic_import_confirm``: the user confirms a checked import (explicitly skipping the rows in
  error, if any); queues the commit job.
- ``statistic_import_commit`` (job body): check again and write everything in one transaction.
- ``statistic_import_undo_request`` / ``statistic_import_undo_job`` / ``statistic_import_undo``: a
  city user puts back every value an import changed (queued, then one transaction).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction
from core import jobs
from core.models import JobStatus
from core.scoping import CHANGE, VIEW, require, scope_for

from ..models import ImportState, StatisticImport
from ..signals import statistics_changed
from .engine import get_kind
from .reader import FileProblem, open_workbook

# The jobs' Celery tasks (``enterprises/tasks.py``), queued by name through ``core.jobs.enqueue``.
CHECK_TASK = "enterprises.tasks.check_statistic_import"
COMMIT_TASK = "enterprises.tasks.commit_statistic_import"
UNDO_TASK = "enterprises.tasks.undo_statistic_import"


PREVIEW_ROWS = 2000  # before → after values kept for the preview (the page shows 200 at a time)


class ImportRefused(Exception):
    """The commit job found a reason not to write (message in Chinese)."""


def _sha256(uploaded_file) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


def statistic_import_create(
    *,
    actor,
    uploaded_file,
    dry_run: bool = False,
    enqueue: bool = True,
    kind: str = "statistics",
    options: dict | None = None,
) -> StatisticImport:
    """Store the upload (a file of import ``kind``) and queue the check. Raises ValidationError for a
    file refused outright."""
    scope = require(actor, CHANGE)
    import_kind = get_kind(kind)
    if import_kind.city_only and not scope.city_wide_write:
        raise PermissionDenied
    problems = import_kind.validate_options(options or {}, timezone.localdate())
    if problems:
        raise ValidationError(problems)
    name = os.path.basename(getattr(uploaded_file, "name", "") or "upload.xlsx")[:255]
    if uploaded_file.size > settings.PORTAL_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size).1f MB; the limit is %(limit).1f MB.")
            % {"size": uploaded_file.size / 1024 / 1024, "limit": settings.PORTAL_MAX_UPLOAD_BYTES / 1024 / 1024}
        )
    if not name.lower().endswith(".xlsx"):
        raise ValidationError(_("Upload an Excel workbook (.xlsx) made from the template."))
    checksum = _sha256(uploaded_file)
    earlier = (
        StatisticImport.objects.for_user(actor, VIEW)
        .filter(
            checksum=checksum, kind=kind, state__in=[ImportState.CHECKED, ImportState.COMMITTED, ImportState.UNDONE]
        )
        .order_by("-created_at")
        .first()
    )
    with transaction.atomic():
        statistic_import = StatisticImport(
            requested_by=actor,
            county_id=scope.county_id,
            file_name=name,
            file_size=uploaded_file.size,
            checksum=checksum,
            duplicate_of=earlier,
            dry_run=dry_run,
            kind=kind,
            options=options or {},
        )
        statistic_import.file.save(f"{uuid.uuid4().hex}.xlsx", uploaded_file, save=False)
        statistic_import.save()
        if enqueue:
            jobs.enqueue(CHECK_TASK, statistic_import.pk)
    return statistic_import


def _progress(statistic_import: StatisticImport, start: int, span: int, total: int):
    message = _("Reading and checking rows…")

    def report(done: int) -> None:
        statistic_import.set_progress(start + int(span * min(done, total) / max(total, 1)), message)

    return report


def _run(statistic_import: StatisticImport, *, commit: bool) -> None:
    """Check (and, with ``commit``, write) one import, already marked running. File problems leave
    it *rejected*. Records the job's end itself (with the data)."""
    user = statistic_import.requested_by
    kind = get_kind(statistic_import.kind).bound(statistic_import.options)
    started = time.perf_counter()
    statistic_import.set_progress(2, _("Opening the workbook…"))
    path = statistic_import.file.path
    t_open = time.perf_counter()
    try:
        workbook = open_workbook(path, os.path.getsize(path), kind)
    except FileProblem as problem:
        statistic_import.state = ImportState.REJECTED
        statistic_import.errors = [{"row": 0, "column": "", "message": problem.message}]
        statistic_import.error_count = 1
        statistic_import.save(update_fields=["state", "errors", "error_count"])
        statistic_import.mark_succeeded(problem.message)
        return
    total = max(workbook._sheet.height - workbook.header_row, 1)
    t_check = time.perf_counter()
    result = kind.check_rows(
        workbook,
        user=user,
        today=timezone.localdate(),
        progress=_progress(statistic_import, 5, 60, total),
        options=statistic_import.options or {},
    )
    notes = workbook.notes + result.notes
    del workbook
    statistic_import.set_progress(70, _("Comparing with the stored statistics…"))
    opened = t_check - t_open  # calamine reads the whole sheet here
    timings = {"parse": round(opened + result.parse_seconds, 3), "validate": round(result.validate_seconds, 3)}
    t_write = time.perf_counter()
    fields: dict[str, Any] = {
        "row_count": result.row_count,
        "error_count": len(result.errors),
        "error_row_count": len(result.error_rows),
        "errors": result.errors,
        "periods": sorted(result.periods),
    }
    scope = scope_for(user)
    with transaction.atomic():
        if commit:
            if result.errors and not statistic_import.skip_error_rows:
                raise ImportRefused(
                    _("The file now has %(n)d errors, so nothing was written: check it again.")
                    % {"n": len(result.errors)}
                )
            require(user, CHANGE, county_id=scope.county_id)
            kind.lock()
        kind.create_staging()
        try:
            kind.load_staging(result.lines)
            del result
            if scope.county_id is not None and kind.staged_outside_county(scope.county_id):
                raise ImportRefused(
                    _(
                        "Some enterprises moved to another county while the file was checked; "
                        "nothing was written. Upload the file again."
                    )
                )
            counts = kind.classify()
            fields.update(
                new_count=counts["new"],
                changed_count=counts["changed"],
                unchanged_count=counts["unchanged"],
            )
            if not commit:
                fields["preview"] = kind.preview(PREVIEW_ROWS)
            if commit:
                statistic_import.set_progress(80, _("Writing…"))
                kind.write(statistic_import.pk)
                statistic_import.set_progress(90, _("Recording the audit trail…"))
                t_audit = time.perf_counter()
                fields.update(state=ImportState.COMMITTED, committed_at=timezone.now())
                for name, value in fields.items():
                    setattr(statistic_import, name, value)
                # who, when and from where; the change rows (before/after of every statistic) are sealed in
                audit.seal(
                    user,
                    AuditAction.IMPORT,
                    statistic_import,
                    kind=kind.change_set_kind,
                    set_id=statistic_import.pk,
                    after={
                        "file_name": statistic_import.file_name,
                        "checksum": statistic_import.checksum,
                        "new": fields["new_count"],
                        "changed": fields["changed_count"],
                        "unchanged": fields["unchanged_count"],
                        "errors": fields["error_count"],
                        "periods": fields["periods"],
                    },
                    message=kind.committed_message(statistic_import.pk),
                )
                timings["audit"] = round(time.perf_counter() - t_audit, 3)
                import_id = statistic_import.pk
                transaction.on_commit(lambda: statistics_changed.send(sender=StatisticImport, import_id=import_id))
            else:
                fields["state"] = ImportState.CHECKED
        finally:
            kind.drop_staging()
        counts = {
            "new": fields["new_count"],
            "changed": fields["changed_count"],
            "unchanged": fields["unchanged_count"],
            "errors": fields["error_count"],
        }
        if commit:
            done = _("Written: %(new)d new, %(changed)d changed, %(unchanged)d unchanged.") % counts
        else:
            done = _("Checked: %(new)d new, %(changed)d changed, %(unchanged)d unchanged, %(errors)d errors.") % counts
        timings["write"] = round(time.perf_counter() - t_write, 3)
        timings["total"] = round(time.perf_counter() - started, 3)
        # the job's end is recorded with the data: a worker lost after this commit leaves no doubt
        fields.update(
            timings=timings,
            status=JobStatus.SUCCEEDED,
            progress=100,
            finished_at=timezone.now(),
            message=" ".join([done, *notes]),
        )
        StatisticImport.objects.filter(pk=statistic_import.pk).update(**fields)
    for name, value in fields.items():
        setattr(statistic_import, name, value)


class _ImportRunner(jobs.JobRunner[StatisticImport]):
    """Check or commit one import (``core.jobs.JobRunner``): a refusal or a failure leaves it
    *failed* with nothing written; an unexpected failure is re-raised for Celery."""

    model = StatisticImport
    name = "statistics import"
    select_related = ("requested_by",)
    refusals = (ImportRefused,)
    reraise = True
    commit: bool

    def claim_filter(self) -> dict[str, Any]:
        return {"state": ImportState.CHECKED if self.commit else ImportState.RECEIVED}

    def ready(self) -> bool:
        expected = ImportState.CHECKED if self.commit else ImportState.RECEIVED
        job = self.job
        if job.status != JobStatus.PENDING or job.state != expected:
            self.logger.warning(
                "statistics import %s: job delivered again or out of turn (%s/%s); ignored",
                job.pk,
                job.state,
                job.status,
            )
            return False
        return True

    def work(self) -> None:
        _run(self.job, commit=self.commit)

    def on_failure(self, error: Exception) -> None:
        self.job.state = ImportState.FAILED
        self.job.save(update_fields=["state"])

    def refused_message(self, error: Exception) -> str:
        return str(error)

    def failure_message(self, error: Exception) -> str:
        return _("The import failed and nothing was written: %(reason)s") % {"reason": error.__class__.__name__}


class _CheckRunner(_ImportRunner):
    commit = False


class _CommitRunner(_ImportRunner):
    commit = True


def statistic_import_check(*, import_id: int) -> StatisticImport | None:
    return _CheckRunner.run_id(import_id)


def statistic_import_commit(*, import_id: int) -> StatisticImport | None:
    return _CommitRunner.run_id(import_id)


def statistic_import_confirm(
    *, actor, statistic_import: StatisticImport, skip_error_rows: bool, enqueue: bool = True
) -> StatisticImport:
    """Queue the commit of a checked import. A file with errors is written only when the user
    explicitly chose to skip the rows in error."""
    require(actor, CHANGE, statistic_import)
    with transaction.atomic():
        locked = StatisticImport.objects.select_for_update().get(pk=statistic_import.pk)
        if not locked.can_confirm:
            raise ValidationError(
                _("This import cannot be confirmed in its current state (%(state)s).")
                % {"state": locked.get_state_display()}
            )
        if locked.error_count and not skip_error_rows:
            raise ValidationError(
                _("The file has %(n)d errors. Fix the file and upload it again, or choose to skip the rows in error.")
                % {"n": locked.error_count}
            )
        if locked.writable_count == 0:
            raise ValidationError(_("Nothing to write: every valid row is already in the portal unchanged."))
        locked.skip_error_rows = bool(locked.error_count) and skip_error_rows
        locked.status = JobStatus.PENDING
        locked.progress = 0
        locked.started_at = timezone.now()  # the stale-job clock restarts
        locked.finished_at = None
        locked.message = _("Waiting to be written…")
        locked.save(update_fields=["skip_error_rows", "status", "progress", "started_at", "finished_at", "message"])
        if enqueue:
            jobs.enqueue(COMMIT_TASK, locked.pk)
    return locked


def may_undo(actor, statistic_import: StatisticImport) -> bool:
    """City users may undo any committed import; a county official her own county's import for
    ``PORTAL_IMPORT_UNDO_DAYS`` days (7) after its commit."""
    scope = scope_for(actor)
    if scope.city_wide_write:
        return True
    if not scope.may(CHANGE) or scope.county_id is None or statistic_import.county_id != scope.county_id:
        return False
    if statistic_import.committed_at is None:
        return False
    days = getattr(settings, "PORTAL_IMPORT_UNDO_DAYS", 7)
    return timezone.now() - statistic_import.committed_at <= dt.timedelta(days=days)


def statistic_import_undo(*, actor, statistic_import: StatisticImport) -> StatisticImport:
    """Put back every value the import changed and delete the rows it created (``may_undo``)."""
    if not may_undo(actor, statistic_import):
        raise PermissionDenied
    kind = get_kind(statistic_import.kind)
    with transaction.atomic():
        locked = StatisticImport.objects.select_for_update().get(pk=statistic_import.pk)
        if locked.state != ImportState.COMMITTED:
            raise ValidationError(_("Only a committed import can be undone."))
        kind.lock()
        conflicts = kind.undo_conflicts(locked.pk)
        if conflicts:
            raise ValidationError(kind.conflict_message(conflicts))
        kind.undo(locked.pk)
        locked.state = ImportState.UNDONE
        locked.status = JobStatus.SUCCEEDED
        locked.undone_at = timezone.now()
        locked.undone_by = actor
        locked.save(update_fields=["state", "status", "undone_at", "undone_by"])
        # the undo wrote the import's change rows backwards (after -> before): the same sealed set
        audit.seal(
            actor,
            AuditAction.UNDO,
            locked,
            kind=kind.change_set_kind,
            set_id=locked.pk,
            message=kind.undone_message(locked.pk),
        )
        import_id = locked.pk
        transaction.on_commit(lambda: statistics_changed.send(sender=StatisticImport, import_id=import_id))
    return locked


def statistic_import_undo_request(*, actor, statistic_import: StatisticImport, enqueue: bool = True) -> StatisticImport:
    """Queue the undo of a committed import (a large one takes longer than a web request may)."""
    if not may_undo(actor, statistic_import):
        raise PermissionDenied
    with transaction.atomic():
        locked = StatisticImport.objects.select_for_update().get(pk=statistic_import.pk)
        if locked.state != ImportState.COMMITTED or not locked.is_finished:
            raise ValidationError(_("Only a committed import can be undone."))
        kind = get_kind(locked.kind)
        conflicts = kind.undo_conflicts(locked.pk)
        if conflicts:
            raise ValidationError(kind.conflict_message(conflicts))
        locked.status = JobStatus.PENDING
        locked.progress = 0
        locked.started_at = timezone.now()
        locked.finished_at = None
        locked.undone_by = actor
        locked.message = _("Waiting to be undone…")
        locked.save(update_fields=["status", "progress", "started_at", "finished_at", "undone_by", "message"])
        if enqueue:
            jobs.enqueue(UNDO_TASK, locked.pk)
    return locked


class _UndoRunner(jobs.JobRunner[StatisticImport]):
    """Undo a committed import on behalf of the city user who asked for it; a refusal or a failure
    changes nothing and forgets who asked."""

    model = StatisticImport
    name = "undo of statistics import"
    select_related = ("undone_by",)
    refusals = (ValidationError, PermissionDenied)
    reraise = True

    def ready(self) -> bool:
        job = self.job
        return job.state == ImportState.COMMITTED and job.status == JobStatus.PENDING and job.undone_by is not None

    def claim_filter(self) -> dict[str, Any]:
        return {"state": ImportState.COMMITTED, "undone_by__isnull": False}

    def work(self) -> str:
        self.progress(10, _("Undoing…"))
        statistic_import_undo(actor=self.job.undone_by, statistic_import=self.job)
        self.job.refresh_from_db()
        return _("Undone: every value the import changed is back as it was.")

    def on_failure(self, error: Exception) -> None:
        self.job.undone_by = None
        self.job.save(update_fields=["undone_by"])

    def refused_message(self, error: Exception) -> str:
        return " ".join(getattr(error, "messages", [])) or _("Not allowed.")

    def failure_message(self, error: Exception) -> str:
        return _("The undo failed and nothing was changed.")


def statistic_import_undo_job(*, import_id: int) -> StatisticImport | None:
    """Job body: undo on behalf of the city user who asked for it."""
    return _UndoRunner.run_id(import_id)


def _conflict_message(conflicts: list[int]) -> str:
    shown = "、".join(str(r) for r in conflicts[:20]) + ("…" if len(conflicts) > 20 else "")
    return _(
        "%(n)d statistics written by this import were changed or deleted afterwards (rows %(rows)s); "
        "undo the later changes first. Nothing was undone."
    ) % {"n": len(conflicts), "rows": shown}
