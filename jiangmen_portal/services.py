"""The one write path for county-scoped business rows.

``scoped_save`` and ``scoped_delete`` check who may write (``accounts.scoping.require``, on the row
as stored and as it will be), refuse an edit based on an outdated version, validate the row
(``full_clean`` plus the caller's domain rules), save it and record the change with before/after
values, all in one transaction. Web forms, the REST API, imports and management commands go
through here (or, for bulk writes, through ``accounts.audit.record_many`` under the same checks).
"""
from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction
from accounts.models import AuditLog
from accounts.scoping import CHANGE, require


class StaleEditError(ValidationError):
    """The row changed since the user loaded it."""


def _stale_message(instance: models.Model) -> str:
    last = (
        AuditLog.objects.filter(audit.entries_about(instance._meta.label_lower, str(instance.pk)))  # imports too
        .order_by("-id")
        .values("actor_username", "timestamp")
        .first()
    )
    if last:
        when = timezone.localtime(last["timestamp"]).strftime("%Y-%m-%d %H:%M")
        return _(
            "This record was changed by %(user)s at %(when)s after you opened it. Your changes were not "
            "saved: reload the page, check the new values and edit again."
        ) % {"user": last["actor_username"] or _("another user"), "when": when}
    return _("This record was changed by someone else after you opened it. Your changes were not saved: "
             "reload the page and edit again.")


def _stored_or_404(model, pk):
    """The stored row, locked for the write; a row deleted by a concurrent request answers 404."""
    stored = model._default_manager.select_for_update().filter(pk=pk).first()
    if stored is None:
        raise Http404(_("This record was deleted by someone else."))
    return stored


def scoped_save(
    *,
    actor,
    instance: models.Model,
    expected_version: int | None = None,
    m2m: dict[str, list] | None = None,
    validate: Callable[[models.Model], None] | None = None,
    message: str = "",
) -> models.Model:
    """Create or update ``instance`` (attributes already set by the caller) on behalf of ``actor``."""
    model = type(instance)
    with transaction.atomic():
        # A row read from the database (not ``adding``) that is gone now was deleted meanwhile: 404,
        # never an INSERT that would bring it back.
        creating = instance.pk is None or (
            instance._state.adding and not model._default_manager.filter(pk=instance.pk).exists())
        before = None
        if not creating:
            stored = _stored_or_404(model, instance.pk)
            require(actor, CHANGE, stored)  # may the actor touch the row as it is now?
            versioned = hasattr(stored, "version")
            if versioned and expected_version is not None and int(expected_version) != stored.version:
                raise StaleEditError(_stale_message(stored), code="stale")
            before = audit.snapshot(stored)
            if versioned:
                instance.version = stored.version + 1
        require(actor, CHANGE, instance)  # … and the row as it will be (e.g. its county)
        instance.full_clean()
        if validate is not None:
            validate(instance)
        instance.save()
        for name, values in (m2m or {}).items():
            getattr(instance, name).set(values)
        if hasattr(instance, "_prefetched_objects_cache"):
            instance._prefetched_objects_cache.clear()
        after = audit.snapshot(instance)
        audit.record(
            actor, AuditAction.CREATE if creating else AuditAction.UPDATE, instance,
            before=before, after=after, message=message,
        )
    return instance


def scoped_delete(*, actor, instance: models.Model, expected_version: int | None = None, message: str = "") -> None:
    model = type(instance)
    with transaction.atomic():
        stored = _stored_or_404(model, instance.pk)
        require(actor, CHANGE, stored)
        if hasattr(stored, "version") and expected_version is not None and int(expected_version) != stored.version:
            raise StaleEditError(_stale_message(stored), code="stale")
        before = audit.snapshot(stored)
        entry = audit.entry_for(AuditAction.DELETE, stored, before=before, after=None, message=message)
        stored.delete()
        audit.record_many(actor, [entry])
