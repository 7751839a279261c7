"""Writes of the responsibility matrix (keyword-only ``<entity>_<action>``).

Report contents and tasks go through ``core.services.scoped_save``; workflow steps,
attachments, reminders and the lateness job check ``core.scoping.require`` (or run as the
system) and call ``accounts.audit.record``/``record_many`` in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction, PlaceLevel
from accounts.models import Department
from core.scoping import CHANGE, require
from core.services import bulk_update, check_version, delete_with_tombstones, scoped_save

from .attachments import MAX_ATTACHMENTS_PER_REPORT, CheckedFile, check_upload
from .choices import REVIEW, CellStatus, ReminderKind, ReportKind, ReportStatus
from .models import (
    KeyTask,
    ProgressReport,
    Reminder,
    ReportAttachment,
    ReportingPeriod,
    ReportTransition,
    TaskUnit,
)

# -- reports --------------------------------------------------------------------------------------


def report_for_unit(*, task: KeyTask, period: ReportingPeriod, department=None, county=None) -> ProgressReport:
    """The unit's report for ``task`` and ``period``, or a new unsaved draft."""
    lookup = {"department": department} if department is not None else {"county": county}
    report = ProgressReport.objects.filter(task=task, period=period, **lookup).first()
    if report is None:
        report = ProgressReport(task=task, period=period, department=department, county=county)
    return report


def _check_slot(report: ProgressReport) -> None:
    """The unit must be responsible for the task, and the period must have begun."""
    task = report.task
    if report.department_id is not None:
        if not task.units.filter(department_id=report.department_id).exists():
            raise ValidationError(
                _("%(unit)s is not a responsible unit of task %(task)s.")
                % {"unit": report.department, "task": task.number}
            )
    elif not (task.counties_responsible and report.county is not None and report.county.level == PlaceLevel.COUNTY):
        raise ValidationError(_("Counties do not report on task %(task)s.") % {"task": task.number})
    if report.period.starts_on > timezone.localdate():
        raise ValidationError(
            _("The period %(period)s has not begun yet; its report cannot be written.") % {"period": report.period}
        )


def _require_editable(stored_status: str) -> None:
    if stored_status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise ValidationError(
            _("This report has been %(status)s and can no longer be changed.")
            % {"status": ReportStatus(stored_status).label},
            code="locked",
        )


def _transition_entry(*, actor, report: ProgressReport, from_status: str, to_status: str, comment: str = ""):
    transition = ReportTransition.objects.create(
        report=report,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor else None,
        actor_name=str(actor) if actor else "",
        progress_percent=report.progress_percent,
        comment=comment,
    )
    return audit.entry_for(AuditAction.CREATE, transition, after=audit.snapshot(transition))


def report_save(
    *, actor, report: ProgressReport, expected_version=None, uploads=(), submit: bool = False
) -> ProgressReport:
    """Create or update the actor's report (a draft, or one returned for changes), add attachments,
    and optionally submit it, all or nothing."""
    checked = [(upload, check_upload(upload)) for upload in uploads]  # refuse bad files before any write
    written: list[str] = []
    try:
        with transaction.atomic():
            creating = report.pk is None
            stored_status = (
                ""
                if creating
                else (
                    ProgressReport.objects.select_for_update()
                    .filter(pk=report.pk)
                    .values_list("status", flat=True)
                    .first()
                    or ""
                )
            )
            report.kind = (
                ReportKind.CONSOLIDATED
                if report.department_id and report.department_id == report.task.lead_department_id
                else ReportKind.UNIT
            )
            entries = []
            to_status = ""
            if submit:
                if not (report.summary or "").strip():
                    raise ValidationError({"summary": _("Describe the work done before submitting.")})
                now = timezone.now()
                to_status = ReportStatus.SUBMITTED
                if stored_status in ("", ReportStatus.DRAFT) and timezone.localdate(now) > report.period.due_on:
                    report.is_late = True
                report.status = ReportStatus.SUBMITTED
                report.submitted_at = now
                report.submitted_by = actor

            def validate(instance):
                _check_slot(instance)
                if not creating:
                    _require_editable(stored_status)

            scoped_save(
                actor=actor,
                instance=report,
                expected_version=expected_version,
                validate=validate,
                message=_("report submitted") if submit else "",
            )
            if creating:
                entries.append(
                    _transition_entry(actor=actor, report=report, from_status="", to_status=ReportStatus.DRAFT)
                )
            if submit:
                entries.append(
                    _transition_entry(
                        actor=actor, report=report, from_status=stored_status or ReportStatus.DRAFT, to_status=to_status
                    )
                )
            for upload, info in checked:
                entries.append(_attachment_entry(actor=actor, report=report, upload=upload, info=info, written=written))
            audit.record_many(actor, entries)
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return report


def report_submit(*, actor, report: ProgressReport, expected_version=None) -> ProgressReport:
    return report_save(actor=actor, report=report, expected_version=expected_version, submit=True)


def report_review(
    *, actor, report: ProgressReport, accept: bool, comment: str = "", expected_version=None
) -> ProgressReport:
    """The lead unit (or, for a consolidated report, the city) accepts or returns a submitted report."""
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("Say what should be changed when returning a report.")})
    with transaction.atomic():
        stored = ProgressReport.objects.select_for_update().select_related("task", "period").get(pk=report.pk)
        require(actor, REVIEW, stored)
        check_version(stored, expected_version)
        if stored.status != ReportStatus.SUBMITTED:
            raise ValidationError(
                _("Only a submitted report can be accepted or returned; this one is %(status)s.")
                % {"status": stored.get_status_display()},
                code="state",
            )
        before = audit.snapshot(stored)
        from_status = stored.status
        stored.status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
        stored.reviewed_at = timezone.now()
        stored.reviewed_by = actor
        stored.review_comment = comment
        stored.version += 1
        stored.save()
        entries = [
            audit.entry_for(
                AuditAction.UPDATE,
                stored,
                before=before,
                after=audit.snapshot(stored),
                message=_("report accepted") if accept else _("report returned"),
            ),
            _transition_entry(
                actor=actor, report=stored, from_status=from_status, to_status=stored.status, comment=comment
            ),
        ]
        audit.record_many(actor, entries)
    return stored


# -- attachments ----------------------------------------------------------------------------------


def _attachment_snapshot(attachment: ReportAttachment) -> dict:
    return {**audit.snapshot(attachment, exclude=["file"]), "file": attachment.file.name}


def _attachment_entry(*, actor, report: ProgressReport, upload, info: CheckedFile, written: list[str]):
    if report.attachments.count() >= MAX_ATTACHMENTS_PER_REPORT:
        raise ValidationError(_("A report can have at most %(n)d attachments.") % {"n": MAX_ATTACHMENTS_PER_REPORT})
    attachment = ReportAttachment(
        report=report, original_name=info.name, kind=info.kind, size=info.size, sha256=info.sha256, uploaded_by=actor
    )
    upload.seek(0)
    attachment.file.save(info.name, upload, save=False)
    written.append(attachment.file.name)
    attachment.save()
    return audit.entry_for(AuditAction.CREATE, attachment, after=_attachment_snapshot(attachment))


def attachment_add(*, actor, report: ProgressReport, upload) -> ReportAttachment:
    info = check_upload(upload)
    written: list[str] = []
    try:
        with transaction.atomic():
            stored = ProgressReport.objects.select_for_update().select_related("task").get(pk=report.pk)
            require(actor, CHANGE, stored)
            _require_editable(stored.status)
            entry = _attachment_entry(actor=actor, report=stored, upload=upload, info=info, written=written)
            audit.record_many(actor, [entry])
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return ReportAttachment.objects.get(pk=entry.object_id)


def attachment_delete(*, actor, attachment: ReportAttachment) -> None:
    with transaction.atomic():
        stored = ProgressReport.objects.select_for_update().select_related("task").get(pk=attachment.report_id)
        require(actor, CHANGE, stored)
        _require_editable(stored.status)
        entry = audit.entry_for(AuditAction.DELETE, attachment, before=_attachment_snapshot(attachment))
        name = attachment.file.name
        delete_with_tombstones([attachment])
        audit.record_many(actor, [entry])
        transaction.on_commit(lambda: default_storage.delete(name))


# -- tasks (reference data, city operators) -------------------------------------------------------


def task_save(*, actor, task: KeyTask, departments=None) -> KeyTask:
    """Create or edit a task (city operators). ``departments``: its responsible units in order, the first
    leading; None leaves them as they are. Reports already written stay where they are."""
    with transaction.atomic():
        scoped_save(actor=actor, instance=task)
        if departments is not None:
            current = list(task.units.order_by("position").values_list("department_id", flat=True))
            wanted = [d.pk for d in departments]
            if current != wanted:
                codes = dict(Department.objects.values_list("pk", "code"))
                delete_with_tombstones(TaskUnit.objects.filter(task=task))
                TaskUnit.objects.bulk_create(
                    [TaskUnit(task=task, department_id=pk, position=i) for i, pk in enumerate(wanted, 1)]
                )
                audit.record(
                    actor,
                    AuditAction.UPDATE,
                    task,
                    before={"units": [codes[pk] for pk in current]},
                    after={"units": [codes[pk] for pk in wanted]},
                    message="responsible units",
                )
        task.__dict__.pop("lead_department_id", None)
    return task


# -- reminders and lateness -----------------------------------------------------------------------


def default_reminder_message(period: ReportingPeriod, task: KeyTask | None) -> str:
    if task is None:
        return _("Please submit your progress reports for %(period)s (due %(due)s).") % {
            "period": period,
            "due": period.due_on.isoformat(),
        }
    return _("Please submit your progress report on %(task)s for %(period)s (due %(due)s).") % {
        "task": task,
        "period": period,
        "due": period.due_on.isoformat(),
    }


def reminder_send(*, actor, period: ReportingPeriod, targets: list[tuple], message: str = "") -> list[Reminder]:
    """Send reminders to units: ``targets`` are (task or None, department or None, county or None)."""
    if not targets:
        return []
    reminders = [
        Reminder(
            period=period,
            task=task,
            department=department,
            county=county,
            kind=ReminderKind.MANUAL,
            message=(message or "").strip() or default_reminder_message(period, task),
            sent_by=actor,
        )
        for task, department, county in targets
    ]
    with transaction.atomic():
        for reminder in reminders:
            require(actor, CHANGE, reminder)
            reminder.full_clean()
        created = Reminder.objects.bulk_create(reminders)
        audit.record_many(actor, [audit.entry_for(AuditAction.CREATE, r, after=audit.snapshot(r)) for r in created])
    return created


def lateness_mark(*, today: dt.date | None = None) -> dict:
    """The beat job's work: flag drafts of overdue periods as late, and remind, once, every unit whose
    report for the latest overdue period is missing. Runs as the system (no user); idempotent."""
    from . import selectors

    today = today or timezone.localdate()
    with transaction.atomic():
        overdue = ProgressReport.objects.select_for_update(of=("self",)).filter(
            period__due_on__lt=today, status=ReportStatus.DRAFT, is_late=False
        )
        flagged = list(overdue.select_related("task", "period", "department", "county"))
        entries = [
            audit.entry_for(
                AuditAction.UPDATE, r, before={"is_late": False}, after={"is_late": True}, message="lateness job"
            )
            for r in flagged
        ]
        bulk_update(ProgressReport.objects.filter(pk__in=[r.pk for r in flagged]), is_late=True)

        reminders = []
        period = ReportingPeriod.objects.filter(due_on__lt=today).order_by("-due_on").first()
        if period is not None:
            already = {
                (r["task_id"], r["department_id"], r["county_id"])
                for r in Reminder.objects.filter(period=period, kind=ReminderKind.AUTOMATIC).values(
                    "task_id", "department_id", "county_id"
                )
            }
            for slot in selectors.slots(
                user=selectors.SYSTEM_READER, period=period, today=today, statuses={CellStatus.MISSING}
            ):
                key = (
                    slot.task.pk,
                    getattr(slot.column.department, "pk", None),
                    getattr(slot.column.county, "pk", None),
                )
                if key in already:
                    continue
                reminders.append(
                    Reminder(
                        period=period,
                        task=slot.task,
                        department=slot.column.department,
                        county=slot.column.county,
                        kind=ReminderKind.AUTOMATIC,
                        message=_(
                            "Your progress report on %(task)s for %(period)s was due on %(due)s and has not been "
                            "submitted."
                        )
                        % {"task": slot.task, "period": period, "due": period.due_on.isoformat()},
                    )
                )
            reminders = Reminder.objects.bulk_create(reminders)
            entries += [
                audit.entry_for(AuditAction.CREATE, r, after=audit.snapshot(r), message="lateness job")
                for r in reminders
            ]
        audit.record_many(None, entries)
    return {"flagged": len(flagged), "reminders": len(reminders)}


# -- export ---------------------------------------------------------------------------------------


def matrix_export(*, actor, period: ReportingPeriod) -> bytes:
    """The matrix and all reports of ``period`` as .xlsx (city operators); the export is audited."""
    from .exports import matrix_workbook
    from .selectors import may_coordinate

    if not may_coordinate(actor):
        raise PermissionDenied
    data = matrix_workbook(user=actor, period=period)
    audit.security_event(actor, AuditAction.EXPORT, message=f"responsibility matrix {period.code}")
    return data
