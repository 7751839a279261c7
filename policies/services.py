"""Writes of the policy library, all through ``core.services.scoped_save`` / ``scoped_delete``
(scope check by ``Policy.scope_check``, version check, audit entry)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction, Role
from accounts.models import User
from core.scoping import CHANGE, require, scope_for
from core.services import delete_with_tombstones, scoped_delete, scoped_save, touch_parents
from enterprises.models import Enterprise
from support.selectors import current_commissioners

from .choices import MatchStatus
from .matching import match_counts, match_rows
from .models import (
    Policy,
    PolicyAttachment,
    PolicyCondition,
    PolicyMatchSummary,
    PolicyPush,
    SupportGrant,
    is_commissioner_of,
    is_department_user,
)
from .selectors import candidates, conditions_of


def save_policy(*, actor, policy: Policy, tasks=None, expected_version: int | None = None) -> Policy:
    m2m = {"tasks": list(tasks)} if tasks is not None else None
    return scoped_save(actor=actor, instance=policy, expected_version=expected_version, m2m=m2m)


def save_condition(*, actor, condition: PolicyCondition) -> PolicyCondition:
    return scoped_save(actor=actor, instance=condition)


def delete_condition(*, actor, condition: PolicyCondition) -> None:
    scoped_delete(actor=actor, instance=condition)


# --------------------------------------------------------------------------------------------------
# Attachments (the policy document, the application guide, forms)
# --------------------------------------------------------------------------------------------------


def _attachment_snapshot(attachment: PolicyAttachment) -> dict:
    return {**audit.snapshot(attachment, exclude=["file"]), "file": attachment.file.name}


def add_attachment(*, actor, policy: Policy, upload) -> PolicyAttachment:
    """Attach a file to a policy: whoever may change the policy (``Policy.scope_check``). The same
    content checks as report and request attachments (``tasks.attachments.check_upload``: type by
    content, ``PORTAL_MAX_UPLOAD_BYTES``), at most ``PORTAL_REQUEST_MAX_ATTACHMENTS`` files per
    policy. Stored under MEDIA_ROOT with a random name; a refused or failed save leaves no file and
    no row. Audited."""
    from tasks.attachments import check_upload

    info = check_upload(upload)
    written: list[str] = []
    try:
        with transaction.atomic():
            stored = Policy.objects.select_for_update().get(pk=policy.pk)
            require(actor, CHANGE, stored)
            limit = settings.PORTAL_REQUEST_MAX_ATTACHMENTS
            if stored.attachments.count() >= limit:
                raise ValidationError(_("A policy can have at most %(n)d attachments.") % {"n": limit})
            attachment = PolicyAttachment(
                policy=stored,
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
            touch_parents(PolicyAttachment, [stored.pk])
            audit.record_many(
                actor, [audit.entry_for(AuditAction.CREATE, attachment, after=_attachment_snapshot(attachment))]
            )
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return attachment


def delete_attachment(*, actor, attachment: PolicyAttachment) -> None:
    """Remove a policy's file: whoever may change the policy. The row goes (with its tombstone and
    audit entry) in one transaction; the stored file once that transaction commits."""
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=attachment.policy_id)
        require(actor, CHANGE, policy)
        stored = PolicyAttachment.objects.filter(pk=attachment.pk, policy=policy).first()
        if stored is None:
            raise Http404
        entry = audit.entry_for(AuditAction.DELETE, stored, before=_attachment_snapshot(stored))
        name = stored.file.name
        delete_with_tombstones([stored])
        audit.record_many(actor, [entry])
        transaction.on_commit(lambda: default_storage.delete(name))


# --------------------------------------------------------------------------------------------------
# Precise push and the grant step
# --------------------------------------------------------------------------------------------------

STEP_FIELDS = {
    "notified": ("notified_on", "channel", "intention"),
    "applied": ("applied_on", "intention"),
    "granted": ("granted_on", "granted_amount"),
}


def responsible_people(enterprises) -> dict[int, User | None]:
    """Who gets each enterprise's to-do: its service commissioner (issue 14), else its county's
    county official (the first active one). Two queries."""
    commissioners = current_commissioners([e.pk for e in enterprises])
    county_ids = {e.county_id for e in enterprises}
    officials: dict[int, User] = {}
    for user in User.objects.filter(role=Role.COUNTY_OFFICIAL, is_active=True, county_id__in=county_ids).order_by("pk"):
        if user.county_id is not None:
            officials.setdefault(user.county_id, user)
    return {e.pk: commissioners.get(e.pk) or officials.get(e.county_id) for e in enterprises}


def push_policy(*, actor, policy: Policy, date: dt.date | None = None) -> int:
    """One to-do per enterprise that meets ``policy`` today and has none yet; one audit entry per
    to-do, written in one statement. Who may push: who may change the policy."""
    date = date or timezone.localdate()
    require(actor, CHANGE, policy)
    if policy.is_expired(date):
        raise ValidationError(_("An expired policy cannot be pushed."))
    rows = match_rows(conditions_of(policy), candidates(None), date)
    met_ids = [r[0] for r in rows if r[3] == MatchStatus.MET]
    with transaction.atomic():
        done = set(
            PolicyPush.objects.filter(policy=policy, enterprise_id__in=met_ids).values_list("enterprise_id", flat=True)
        )
        enterprises = list(Enterprise.objects.filter(pk__in=[i for i in met_ids if i not in done]))
        people = responsible_people(enterprises)
        pushes = PolicyPush.objects.bulk_create(
            [PolicyPush(policy=policy, enterprise=e, assignee=people[e.pk], pushed_on=date) for e in enterprises]
        )
        for push in pushes:
            push.policy = policy
        audit.record_many(actor, [audit.entry_for(AuditAction.CREATE, p, after=audit.snapshot(p)) for p in pushes])
    return len(pushes)


def record_step(*, actor, push: PolicyPush, step: str, values: dict, expected_version: int | None = None) -> PolicyPush:
    """Record a step of a to-do. Notification, intention and application: the enterprise's county
    (its commissioner or county official, the city operator). The grant: the policy's implementing
    unit or the city operator; it writes the support ledger in the same transaction."""
    scope = scope_for(actor)
    if step not in STEP_FIELDS:
        raise ValidationError(_("Unknown step."))
    if step == "granted":
        if not (
            scope.city_wide_write or (is_department_user(scope) and scope.department_id == push.policy.implementer.pk)
        ):
            raise PermissionDenied
    elif is_department_user(scope) and not is_commissioner_of(actor, push.enterprise_id):
        raise PermissionDenied
    for name in STEP_FIELDS[step]:
        if name in values:
            setattr(push, name, values[name])
    with transaction.atomic():
        push = scoped_save(actor=actor, instance=push, expected_version=expected_version)
        if step == "granted":
            grant = SupportGrant.objects.filter(push=push).first() or SupportGrant(push=push)
            grant.enterprise = push.enterprise
            grant.policy = push.policy
            grant.department = push.policy.implementer
            grant.support_type = push.policy.support_type
            grant.amount = push.granted_amount
            grant.granted_on = push.granted_on
            grant.document_no = grant.document_no or push.policy.document_no
            scoped_save(actor=actor, instance=grant)
    return push


def save_grant(*, actor, grant: SupportGrant, expected_version: int | None = None) -> SupportGrant:
    return scoped_save(actor=actor, instance=grant, expected_version=expected_version)


def record_grant(*, actor, grant: SupportGrant) -> tuple[SupportGrant, bool]:
    """Record a grant sent by a department's system: idempotent on (unit, ``external_id``). The
    grant already recorded under that id is returned (``created`` False) and nothing changes."""
    if grant.external_id:
        existing = SupportGrant.objects.filter(department_id=grant.department_id, external_id=grant.external_id)
        if (found := existing.first()) is not None:
            return found, False
        try:
            with transaction.atomic():
                return save_grant(actor=actor, grant=grant), True
        except IntegrityError:  # the same id sent twice at once: the other request recorded it
            if (found := existing.first()) is None:
                raise
            return found, False
    return save_grant(actor=actor, grant=grant), True


def match_all_policies(*, date: dt.date | None = None) -> dict[str, Any]:
    """The nightly job: every policy in force matched against every operating enterprise (one SQL
    statement each, ``matching.match_counts``), stored per county as ``PolicyMatchSummary``; the
    summaries of policies no longer in force are dropped. Returns the number of policies and seconds."""
    date = date or timezone.localdate()
    started = time.perf_counter()
    policies = list(Policy.objects.in_force(date).order_by("pk"))
    enterprises = candidates(None)
    now = timezone.now()
    for policy in policies:
        by_county: dict[str, dict[str, int]] = {}
        for (county_id, status), n in match_counts(conditions_of(policy), enterprises, date).items():
            by_county.setdefault(str(county_id), {})[status] = n
        PolicyMatchSummary.objects.update_or_create(
            policy=policy, defaults={"as_of": date, "computed_at": now, "counts": by_county}
        )
    PolicyMatchSummary.objects.exclude(policy__in=policies).delete()
    return {"policies": len(policies), "seconds": round(time.perf_counter() - started, 2)}
