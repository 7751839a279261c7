"""Writes of the support app, each through ``core.services.scoped_save`` (scope, version, audit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction, Role
from accounts.models import Department
from core.scoping import CHANGE, require, scope_for
from core.services import scoped_save

from .choices import NoticeKind, RequestAction, RequestSource, RequestStatus, Satisfaction, Urgency
from .models import (
    CommissionerAssignment,
    EnterpriseRequest,
    RequestAttachment,
    RequestCategory,
    RequestEvent,
    RequestNotice,
    Visit,
)
from .workdays import WorkCalendar

# Who may serve as a commissioner: county officials (of the enterprise's county) and department users.
COMMISSIONER_ROLES = (Role.COUNTY_OFFICIAL, Role.DEPARTMENT_USER)


def check_commissioner(user: Any, enterprise: Any) -> None:
    if user is None or not user.is_active or user.role not in COMMISSIONER_ROLES:
        raise ValidationError(
            {"commissioner": _("A service commissioner must be an active county official or department user.")}
        )
    if user.role == Role.COUNTY_OFFICIAL and user.county_id != enterprise.county_id:
        raise ValidationError({"commissioner": _("A county official can only serve enterprises of the own county.")})


@transaction.atomic
def assign_commissioner(
    *, actor: Any, enterprise: Any, commissioner: Any, starts_on: dt.date | None = None, note: str = ""
) -> CommissionerAssignment:
    """Make ``commissioner`` the enterprise's current commissioner from ``starts_on`` (today by
    default). The current assignment, if another person's, ends that day and stays as history; the
    same person again changes nothing."""
    require(actor, CHANGE, enterprise)
    check_commissioner(commissioner, enterprise)
    starts_on = starts_on or timezone.localdate()
    current = CommissionerAssignment.objects.select_for_update().filter(enterprise=enterprise, is_current=True).first()
    if current is not None:
        if current.commissioner_id == commissioner.pk:
            return current
        if starts_on < current.starts_on:
            raise ValidationError(
                {
                    "starts_on": _("The new assignment cannot start before the current one (%(date)s).")
                    % {"date": current.starts_on.isoformat()}
                }
            )
        current.is_current = False
        current.ends_on = starts_on
        scoped_save(actor=actor, instance=current, message=_("Commissioner replaced"))
    assignment = CommissionerAssignment(
        enterprise=enterprise, commissioner=commissioner, starts_on=starts_on, assigned_by=actor, note=note
    )
    return scoped_save(actor=actor, instance=assignment, message=_("Commissioner assigned"))


def assign_commissioner_bulk(
    *, actor: Any, enterprises: Iterable[Any], commissioner: Any, starts_on: dt.date | None = None
) -> int:
    """Assign one commissioner to many enterprises (the enterprise list's filtered rows), all or
    nothing: one refused row refuses the whole batch. Returns how many assignments changed."""
    changed = 0
    with transaction.atomic():
        for enterprise in enterprises:
            before = CommissionerAssignment.objects.filter(
                enterprise=enterprise, is_current=True, commissioner=commissioner
            ).exists()
            try:
                assign_commissioner(actor=actor, enterprise=enterprise, commissioner=commissioner, starts_on=starts_on)
            except ValidationError as error:
                raise ValidationError(
                    _("%(enterprise)s: %(error)s") % {"enterprise": enterprise.name, "error": "; ".join(error.messages)}
                ) from error
            changed += 0 if before else 1
    return changed


def end_commissioner(*, actor: Any, enterprise: Any, ends_on: dt.date | None = None) -> None:
    """End the current assignment (the enterprise has no commissioner afterwards)."""
    with transaction.atomic():
        current = (
            CommissionerAssignment.objects.select_for_update().filter(enterprise=enterprise, is_current=True).first()
        )
        if current is None:
            return
        current.is_current = False
        current.ends_on = ends_on or timezone.localdate()
        scoped_save(actor=actor, instance=current, message=_("Commissioner assignment ended"))


# --------------------------------------------------------------------------------------------------
# Visits
# --------------------------------------------------------------------------------------------------


def serves(user: Any, enterprise: Any) -> bool:
    return CommissionerAssignment.objects.filter(
        enterprise_id=enterprise.pk, commissioner_id=user.pk, is_current=True
    ).exists()


def _check_recorder_of(actor: Any, enterprise: Any) -> None:
    """Who may record visits and requests for an enterprise, and rate requests: the city operator,
    the county official in the county (``scoped_save`` checks the county), the enterprise's
    commissioner, a writing API client."""
    role = getattr(actor, "role", None)
    if role in (Role.CITY_OPERATOR, Role.COUNTY_OFFICIAL, Role.API_CLIENT):
        return
    if role == Role.DEPARTMENT_USER and serves(actor, enterprise):
        return
    raise PermissionDenied


@transaction.atomic
def record_visit(
    *, actor: Any, visit: Visit, requests: list[dict[str, Any]] | None = None, today: dt.date | None = None
) -> Visit:
    """Save a visit (``visited_by`` the actor) and the requests it raises (each a dict of
    ``category``, ``description``, ``urgency``), all or nothing."""
    _check_recorder_of(actor, visit.enterprise)
    if visit.pk is None:
        visit.visited_by = actor
    visit = scoped_save(actor=actor, instance=visit, message=_("Visit recorded"))
    for data in requests or []:
        create_request(
            actor=actor,
            enterprise=visit.enterprise,
            category=data["category"],
            description=data["description"],
            urgency=data.get("urgency") or Urgency.NORMAL,
            visit=visit,
            received_on=visit.visited_on,
            today=today,
        )
    return visit


# --------------------------------------------------------------------------------------------------
# Requests: creation and routing
# --------------------------------------------------------------------------------------------------


def _event(
    actor: Any, request: EnterpriseRequest, action: str, before: str, text: str = "", department: Any = None
) -> None:
    event = RequestEvent(
        request=request,
        action=action,
        from_status=before,
        to_status=request.status,
        actor=actor if getattr(actor, "pk", None) else None,
        text=text,
        department=department,
    )
    scoped_save(actor=actor, instance=event, message=str(RequestAction(action).label))


def create_request(
    *,
    actor: Any,
    enterprise: Any,
    category: RequestCategory,
    description: str,
    urgency: str = Urgency.NORMAL,
    source: str = RequestSource.PORTAL,
    external_id: str | None = None,
    visit: Visit | None = None,
    received_on: dt.date | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
) -> tuple[EnterpriseRequest, bool]:
    """Record a request routed to its category's lead department, with its deadlines counted in
    working days from the day it was received. The same ``external_id`` again returns the request
    already recorded (``created`` False) and changes nothing."""
    _check_recorder_of(actor, enterprise)
    if external_id:
        existing = EnterpriseRequest.objects.filter(external_id=external_id).first()
        if existing is not None:
            require(actor, "view", existing)
            return existing, False
    if not category.is_active:
        raise ValidationError({"category": _("This request category is no longer in use.")})
    calendar = calendar or WorkCalendar()
    received_on = received_on or today or timezone.localdate()
    request = EnterpriseRequest(
        enterprise=enterprise,
        county_id=enterprise.county_id,
        category=category,
        description=description,
        urgency=urgency,
        source=source,
        external_id=external_id or None,
        visit=visit,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        department_id=category.lead_department_id,
        received_on=received_on,
        accept_due=calendar.add_working_days(received_on, category.accept_days),
        reply_due=calendar.add_working_days(received_on, category.reply_days),
        close_due=calendar.add_working_days(received_on, category.close_days),
    )
    try:
        with transaction.atomic():
            scoped_save(actor=actor, instance=request, message=_("Request recorded"))
            _event(actor, request, RequestAction.CREATE, "", description, request.department)
    except IntegrityError:
        # The same external id arrived twice at the same moment: the other call created it.
        existing = EnterpriseRequest.objects.filter(external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return existing, False
    return request, True


# --------------------------------------------------------------------------------------------------
# Requests: the life cycle
# --------------------------------------------------------------------------------------------------


def _check_handler(actor: Any, request: EnterpriseRequest) -> None:
    """Handling steps (accept, reply, close, suspend, resume, return, transfer): the department the
    request is routed to, or the city operator."""
    role = getattr(actor, "role", None)
    if role == Role.CITY_OPERATOR:
        return
    if role == Role.DEPARTMENT_USER and scope_for(actor).department_id == request.department_id:
        return
    raise PermissionDenied


def _check_recorder(actor: Any, request: EnterpriseRequest) -> None:
    _check_recorder_of(actor, request.enterprise)


def _require_status(request: EnterpriseRequest, *allowed: str) -> None:
    if request.status not in allowed:
        raise ValidationError(
            _("This step is not possible while the request is “%(status)s”.")
            % {"status": RequestStatus(request.status).label}
        )


def _require_text(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Please give the %(what)s.") % {"what": what}})
    return text


def _locked(request: EnterpriseRequest) -> EnterpriseRequest:
    locked = EnterpriseRequest.objects.select_for_update().select_related("enterprise", "category").get(pk=request.pk)
    return locked


def _save_step(
    actor: Any,
    request: EnterpriseRequest,
    action: str,
    before: str,
    expected_version: int | None,
    text: str = "",
    department: Any = None,
) -> EnterpriseRequest:
    scoped_save(
        actor=actor, instance=request, expected_version=expected_version, message=str(RequestAction(action).label)
    )
    _event(actor, request, action, before, text, department)
    return request


@transaction.atomic
def accept_request(
    *, actor: Any, request: EnterpriseRequest, expected_version: int | None = None, today: dt.date | None = None
) -> EnterpriseRequest:
    request = _locked(request)
    _check_handler(actor, request)
    _require_status(request, RequestStatus.PENDING)
    before = request.status
    request.status = RequestStatus.IN_PROGRESS
    request.accepted_on = today or timezone.localdate()
    return _save_step(actor, request, RequestAction.ACCEPT, before, expected_version)


@transaction.atomic
def reply_request(
    *,
    actor: Any,
    request: EnterpriseRequest,
    text: str,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> EnterpriseRequest:
    request = _locked(request)
    _check_handler(actor, request)
    _require_status(request, RequestStatus.IN_PROGRESS)
    text = _require_text(text, _("reply"))
    before = request.status
    request.status = RequestStatus.REPLIED
    request.replied_on = request.replied_on or today or timezone.localdate()
    request.reply = text
    return _save_step(actor, request, RequestAction.REPLY, before, expected_version, text)


@transaction.atomic
def close_request(
    *,
    actor: Any,
    request: EnterpriseRequest,
    text: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> EnterpriseRequest:
    request = _locked(request)
    _check_handler(actor, request)
    _require_status(request, RequestStatus.REPLIED)
    before = request.status
    request.status = RequestStatus.CLOSED
    request.closed_on = today or timezone.localdate()
    request.days_to_close = (request.closed_on - request.received_on).days
    return _save_step(actor, request, RequestAction.CLOSE, before, expected_version, text)


@transaction.atomic
def suspend_request(
    *,
    actor: Any,
    request: EnterpriseRequest,
    text: str,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> EnterpriseRequest:
    """挂起: the clock stops until the request is resumed; a reason is required."""
    request = _locked(request)
    _check_handler(actor, request)
    _require_status(request, RequestStatus.PENDING, RequestStatus.IN_PROGRESS, RequestStatus.REPLIED)
    text = _require_text(text, _("reason"))
    before = request.status
    request.status_before_suspension = before
    request.status = RequestStatus.SUSPENDED
    request.suspended_on = today or timezone.localdate()
    return _save_step(actor, request, RequestAction.SUSPEND, before, expected_version, text)


@transaction.atomic
def resume_request(
    *,
    actor: Any,
    request: EnterpriseRequest,
    text: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
) -> EnterpriseRequest:
    """The clock runs again: every deadline not yet met moves by the working days suspended."""
    request = _locked(request)
    _check_handler(actor, request)
    _require_status(request, RequestStatus.SUSPENDED)
    calendar = calendar or WorkCalendar()
    today = today or timezone.localdate()
    assert request.suspended_on is not None  # set with the status
    paused = calendar.working_days_between(request.suspended_on, today)
    if request.accepted_on is None:
        request.accept_due = calendar.add_working_days(request.accept_due, paused)
    if request.replied_on is None:
        request.reply_due = calendar.add_working_days(request.reply_due, paused)
    request.close_due = calendar.add_working_days(request.close_due, paused)
    before = request.status
    request.status = request.status_before_suspension or RequestStatus.PENDING
    request.status_before_suspension = ""
    request.suspended_on = None
    return _save_step(actor, request, RequestAction.RESUME, before, expected_version, text)


@transaction.atomic
def return_request(
    *,
    actor: Any,
    request: EnterpriseRequest,
    text: str,
    expected_version: int | None = None,
) -> EnterpriseRequest:
    """退回: back to the recorder for more information (a reason is required)."""
    request = _locked(request)
    _check_handler(actor, request)
    _require_status(request, RequestStatus.PENDING, RequestStatus.IN_PROGRESS)
    text = _require_text(text, _("reason"))
    before = request.status
    request.status = RequestStatus.RETURNED
    return _save_step(actor, request, RequestAction.RETURN, before, expected_version, text)


@transaction.atomic
def resubmit_request(
    *,
    actor: Any,
    request: EnterpriseRequest,
    text: str,
    expected_version: int | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
) -> EnterpriseRequest:
    """The recorder adds the information asked for; the department has its acceptance time again."""
    request = _locked(request)
    _check_recorder(actor, request)
    _require_status(request, RequestStatus.RETURNED)
    text = _require_text(text, _("additional information"))
    calendar = calendar or WorkCalendar()
    today = today or timezone.localdate()
    before = request.status
    request.status = RequestStatus.PENDING
    request.accepted_on = None
    request.accept_due = calendar.add_working_days(today, request.category.accept_days)
    request.description = f"{request.description}\n\n{text}"
    return _save_step(actor, request, RequestAction.RESUBMIT, before, expected_version, text)


@transaction.atomic
def transfer_request(
    *,
    actor: Any,
    request: EnterpriseRequest,
    department: Department,
    text: str,
    expected_version: int | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
) -> EnterpriseRequest:
    """转办 (by the handling department) or reassignment (by the city operator), with a reason: the
    new department has its acceptance time from today; the other deadlines keep running."""
    request = _locked(request)
    _check_handler(actor, request)
    _require_status(request, RequestStatus.PENDING, RequestStatus.IN_PROGRESS)
    text = _require_text(text, _("reason"))
    if department.pk == request.department_id:
        raise ValidationError({"department": _("The request is already with this department.")})
    if not department.is_active:
        raise ValidationError({"department": _("This department is no longer active.")})
    calendar = calendar or WorkCalendar()
    today = today or timezone.localdate()
    action = RequestAction.REASSIGN if getattr(actor, "role", None) == Role.CITY_OPERATOR else RequestAction.TRANSFER
    before = request.status
    request.transferred_from_id = request.department_id
    request.department = department
    request.status = RequestStatus.PENDING
    request.accepted_on = None
    request.accept_due = calendar.add_working_days(today, request.category.accept_days)
    return _save_step(actor, request, action, before, expected_version, text, department)


@transaction.atomic
def rate_request(
    *,
    actor: Any,
    request: EnterpriseRequest,
    satisfaction: str,
    text: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
) -> EnterpriseRequest:
    """The enterprise's satisfaction, recorded by the commissioner (or county official) after the
    request is closed. 不满意 reopens it once: back to 办理中 with a new closing deadline."""
    request = _locked(request)
    _check_recorder(actor, request)
    _require_status(request, RequestStatus.CLOSED)
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("Choose the enterprise's satisfaction.")})
    before = request.status
    request.satisfaction = satisfaction
    _save_step(actor, request, RequestAction.RATE, before, expected_version, text)
    if satisfaction == Satisfaction.DISSATISFIED and request.reopen_count == 0:
        calendar = calendar or WorkCalendar()
        today = today or timezone.localdate()
        request.reopen_count = 1
        request.status = RequestStatus.IN_PROGRESS
        request.closed_on = None
        request.days_to_close = None
        request.close_due = calendar.add_working_days(today, request.category.close_days)
        _save_step(actor, request, RequestAction.REOPEN, RequestStatus.CLOSED, None, text)
    return request


# --------------------------------------------------------------------------------------------------
# The beat job: due and overdue notices
# --------------------------------------------------------------------------------------------------


def flag_deadlines(*, today: dt.date | None = None, calendar: WorkCalendar | None = None) -> dict[str, int]:
    """Notice the handling department of every request whose running deadline is today or the next
    working day (due), and escalate every one past its deadline to the department's lead and the
    city (overdue). One notice per request, stage and due date: running it again adds nothing."""
    calendar = calendar or WorkCalendar()
    today = today or timezone.localdate()
    soon = calendar.add_working_days(today, 1)
    running = EnterpriseRequest.objects.filter(
        status__in=(RequestStatus.PENDING, RequestStatus.IN_PROGRESS, RequestStatus.REPLIED)
    ).only("id", "status", "department_id", "accept_due", "reply_due", "close_due", "replied_on")
    notices = []
    for request in running.iterator(chunk_size=2000):
        stage_due = request.current_due()
        if stage_due is None:
            continue
        stage, due_on = stage_due
        if due_on < today:
            kind, city = NoticeKind.OVERDUE, True
        elif due_on <= soon:
            kind, city = NoticeKind.DUE, False
        else:
            continue
        notices.append(
            RequestNotice(
                request_id=request.pk,
                kind=kind,
                stage=stage,
                due_on=due_on,
                department_id=request.department_id,
                escalated_to_city=city,
            )
        )
    before = RequestNotice.objects.count()
    RequestNotice.objects.bulk_create(notices, ignore_conflicts=True, batch_size=1000)
    created = RequestNotice.objects.count() - before
    return {"checked": len(notices), "created": created}


# --------------------------------------------------------------------------------------------------
# Attachments
# --------------------------------------------------------------------------------------------------


def attachment_add(*, actor: Any, request: EnterpriseRequest, upload: Any) -> RequestAttachment:
    """Attach a file to a request: whoever may change the request (its handling department, its
    recorder side), while it is open; the same content checks as report attachments
    (``tasks.attachments.check_upload``: type by content, ``PORTAL_MAX_UPLOAD_BYTES``), at most
    ``PORTAL_REQUEST_MAX_ATTACHMENTS`` files. The file is stored under MEDIA_ROOT with a random name;
    a refused or failed save leaves no file and no row. Audited."""
    from tasks.attachments import check_upload

    info = check_upload(upload)
    written: list[str] = []
    try:
        with transaction.atomic():
            stored = _locked(request)
            if not EnterpriseRequest.objects.for_user(actor, CHANGE).filter(pk=stored.pk).exists():
                raise PermissionDenied
            if stored.status == RequestStatus.CLOSED:
                raise ValidationError(_("A closed request takes no more attachments."))
            limit = settings.PORTAL_REQUEST_MAX_ATTACHMENTS
            if stored.attachments.count() >= limit:
                raise ValidationError(_("A request can have at most %(n)d attachments.") % {"n": limit})
            attachment = RequestAttachment(
                request=stored,
                original_name=info.name,
                kind=info.kind,
                size=info.size,
                sha256=info.sha256,
                uploaded_by=actor if getattr(actor, "pk", None) else None,
            )
            upload.seek(0)
            attachment.file.save(info.name, upload, save=False)
            written.append(attachment.file.name)
            attachment.save()
            after = {**audit.snapshot(attachment, exclude=["file"]), "file": attachment.file.name}
            audit.record_many(actor, [audit.entry_for(AuditAction.CREATE, attachment, after=after)])
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return attachment
