"""The one write path for county-scoped business rows.

``scoped_save`` and ``scoped_delete`` check who may write (``core.scoping.require``, on the row
as stored and as it will be), refuse an edit based on an outdated version (``check_version``, the
one optimistic-lock check), validate the row (``full_clean`` plus the caller's domain rules), save
it and record the change with before/after values, all in one transaction. A deletion leaves a
tombstone (``core.models.DeletedRecord``); a write of a row that feeds its parent's fields
(``sync_parent``) gives the parent a new ``updated_at``, so incremental synchronisation misses nothing. Web forms, the REST
API, imports and management commands go through here; bulk writes of a job use ``bulk_update``
(same version bump) and the audit trail's batch recording.

The audit trail is the ``accounts`` app's (its models and hash chain); ``accounts.apps.ready``
registers it with ``register_audit_trail`` so that this module imports no app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar, cast

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models, router, transaction
from django.db.models import F
from django.db.models.deletion import Collector
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DeletedRecord
from .scoping import CHANGE, require

_M = TypeVar("_M", bound=models.Model)


class StaleEditError(ValidationError):
    """The row changed since the user loaded it."""


class AuditTrail(Protocol):
    """What the write path needs of the audit trail (``accounts.audit.TRAIL``)."""

    def snapshot(self, instance: models.Model) -> dict[str, Any]: ...

    def saved(
        self,
        actor: Any,
        instance: models.Model,
        *,
        created: bool,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        message: str,
    ) -> None: ...

    def deletion(self, instance: models.Model, *, before: dict[str, Any], message: str) -> object: ...

    def record_deletion(self, actor: Any, deletion: object) -> None: ...

    def last_change(self, instance: models.Model) -> tuple[str, dt.datetime] | None: ...


_trail: AuditTrail | None = None


def register_audit_trail(trail: AuditTrail) -> None:
    global _trail
    _trail = trail


def audit_trail() -> AuditTrail:
    if _trail is None:  # pragma: no cover - accounts is always installed
        raise ImproperlyConfigured("No audit trail registered: is 'accounts' in INSTALLED_APPS?")
    return _trail


def _stale_message(instance: models.Model) -> str:
    last = audit_trail().last_change(instance)  # imports too
    if last:
        username, timestamp = last
        when = timezone.localtime(timestamp).strftime("%Y-%m-%d %H:%M")
        return _(
            "This record was changed by %(user)s at %(when)s after you opened it. Your changes were not "
            "saved: reload the page, check the new values and edit again."
        ) % {"user": username or _("another user"), "when": when}
    return _(
        "This record was changed by someone else after you opened it. Your changes were not saved: "
        "reload the page and edit again."
    )


def check_version(stored: models.Model, expected_version: int | str | None) -> None:
    """The one optimistic-lock check: refuse (``StaleEditError``) a write based on a version other
    than the stored row's. ``None`` (the caller knows no version, e.g. a job) passes."""
    if expected_version in (None, "") or not hasattr(stored, "version"):
        return
    if int(cast("int | str", expected_version)) != stored.version:  # None and "" returned above
        raise StaleEditError(_stale_message(stored), code="stale")


def bulk_update(queryset: models.QuerySet[Any], **values: Any) -> int:
    """A bulk ``UPDATE`` that keeps optimistic locking true: every row it changes gets
    ``version + 1`` (and a new ``updated_at``), so an edit opened before the bulk write is refused
    as stale instead of overwriting it. Rows that already hold ``values`` are left alone."""
    model = queryset.model
    fields = {f.name for f in model._meta.concrete_fields}
    changes = dict(values)
    if "version" in fields:
        changes["version"] = F("version") + 1
    if "updated_at" in fields and "updated_at" not in changes:
        changes["updated_at"] = timezone.now()
    unchanged = models.Q(**{name: value for name, value in values.items()})
    changing = queryset.exclude(unchanged)
    parent = getattr(model, "sync_parent", None)
    parent_ids = list(changing.values_list(f"{parent}_id", flat=True).distinct()) if parent else []
    with transaction.atomic():
        count = changing.update(**changes)
        touch_parents(model, parent_ids)
    return count


def touch_parents(model: type[models.Model], parent_ids: Iterable[Any]) -> None:
    """A model whose rows feed a field of another row (a title: its enterprise's current tier)
    names that row's foreign key in ``sync_parent``; every write of such rows gives the parent a new
    ``updated_at`` (not a new version: nobody edited it), so ``updated_since`` finds it."""
    parent = getattr(model, "sync_parent", None)
    ids = {pk for pk in parent_ids if pk is not None}
    if parent and ids:
        related = cast(type[models.Model], model._meta.get_field(parent).related_model)
        related._default_manager.filter(pk__in=ids).update(updated_at=timezone.now())


class RecordGone(Http404):
    """The row was deleted by a concurrent request between the read and the write (a 404 whose
    message says so, on the web and the API)."""


def _stored_or_404(model: type[_M], pk: Any) -> _M:
    """The stored row, locked for the write; a row deleted by a concurrent request answers 404."""
    stored = model._default_manager.select_for_update().filter(pk=pk).first()
    if stored is None:
        raise RecordGone(_("This record was deleted by someone else."))
    return stored


def scoped_save(
    *,
    actor: Any,
    instance: _M,
    expected_version: int | None = None,
    m2m: dict[str, list[Any]] | None = None,
    validate: Callable[[_M], None] | None = None,
    message: str = "",
) -> _M:
    """Create or update ``instance`` (attributes already set by the caller) on behalf of ``actor``."""
    model = type(instance)
    trail = audit_trail()
    with transaction.atomic():
        # A row read from the database (not ``adding``) that is gone now was deleted meanwhile: 404,
        # never an INSERT that would bring it back.
        creating = instance.pk is None or (
            instance._state.adding and not model._default_manager.filter(pk=instance.pk).exists()
        )
        before = None
        if not creating:
            stored = _stored_or_404(model, instance.pk)
            require(actor, CHANGE, stored)  # may the actor touch the row as it is now?
            check_version(stored, expected_version)
            before = trail.snapshot(stored)
            if hasattr(stored, "version"):
                cast(Any, instance).version = stored.version + 1  # same model as ``stored``: has ``version``
        require(actor, CHANGE, instance)  # … and the row as it will be (e.g. its county)
        instance.full_clean()
        if validate is not None:
            validate(instance)
        instance.save()
        for name, values in (m2m or {}).items():
            getattr(instance, name).set(values)
        if hasattr(instance, "_prefetched_objects_cache"):
            instance._prefetched_objects_cache.clear()
        trail.saved(actor, instance, created=creating, before=before, after=trail.snapshot(instance), message=message)
        parent = getattr(model, "sync_parent", None)
        if parent:
            touch_parents(model, [getattr(instance, f"{parent}_id"), (before or {}).get(f"{parent}_id")])
    return instance


def scoped_delete(
    *, actor: Any, instance: models.Model, expected_version: int | None = None, message: str = ""
) -> None:
    model = type(instance)
    trail = audit_trail()
    with transaction.atomic():
        stored = _stored_or_404(model, instance.pk)
        require(actor, CHANGE, stored)
        check_version(stored, expected_version)
        deletion = trail.deletion(stored, before=trail.snapshot(stored), message=message)
        delete_with_tombstones([stored])
        trail.record_deletion(actor, deletion)


def delete_with_tombstones(rows: models.QuerySet[Any] | Iterable[models.Model]) -> int:
    """Delete ``rows`` (a queryset or instances of one model) and every row the deletion cascades to,
    leaving a ``DeletedRecord`` per deleted row, with its county, and touching the parents of rows that
    feed one (``sync_parent``): what ``scoped_delete`` does, for deletions that are no user's edit (a
    recompute replacing its figures, a job, the demo data). The caller checks permissions and audits.
    One query per model for the counties, never one per row. Returns the number of rows deleted."""
    items = rows if isinstance(rows, models.QuerySet) else list(rows)
    if not isinstance(items, models.QuerySet) and not items:
        return 0
    model = items.model if isinstance(items, models.QuerySet) else type(items[0])
    with transaction.atomic():
        collector = Collector(using=router.db_for_write(model))
        collector.collect(cast(Any, items))  # a queryset or a list of instances, as QuerySet.delete passes
        doomed: dict[type[models.Model], list[Any]] = {}
        for related_model, instances in collector.data.items():
            doomed.setdefault(related_model, []).extend(obj.pk for obj in instances)
        for queryset in collector.fast_deletes:  # deleted by one statement, without loading the rows
            if not queryset.model._meta.auto_created:
                doomed.setdefault(queryset.model, []).extend(queryset.values_list("pk", flat=True))
        tombstones: list[DeletedRecord] = []
        for doomed_model, pks in doomed.items():
            if not doomed_model._meta.auto_created:  # a many-to-many link is part of its row (enterprise.tags)
                tombstones.extend(_tombstones(doomed_model, pks))
        count, _per_model = collector.delete()
        DeletedRecord.objects.bulk_create(tombstones, batch_size=1000)
    return count


def _tombstones(model: type[models.Model], pks: list[Any]) -> list[DeletedRecord]:
    label = model._meta.label_lower
    county_field = getattr(model, "scope_county_field", None)
    parent = getattr(model, "sync_parent", None)
    out: list[DeletedRecord] = []
    for start in range(0, len(pks), 5000):
        chunk = pks[start : start + 5000]
        lookups = ["pk", *([county_field] if county_field else []), *([parent] if parent else [])]
        rows = list(model._default_manager.filter(pk__in=chunk).values_list(*lookups))
        for row in rows:
            if not isinstance(row[0], int):  # tombstones hold whole-number ids (every business row has one)
                continue
            county = row[1] if county_field else None
            out.append(DeletedRecord(model=label, object_id=row[0], county_id=county))
        if parent:
            touch_parents(model, [row[-1] for row in rows])
    return out
