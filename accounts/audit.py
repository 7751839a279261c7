"""Recording who did what: the only writer of ``AuditLog``.

Services call ``record`` (one object), ``record_many`` (a batch of objects) or ``seal`` (a bulk
write such as a statistics import) inside their transaction, so a rolled-back write leaves no audit
row and a committed one always has one. Who and from where come from ``core.context``
(set by middleware or by the job runner).

A bulk write keeps its before/after values in an append-only *change set* of its own (typed
columns, written by the same SQL that does the write; see ``register_change_set``). Its audit entry,
the *seal*, names the set and carries its row count and SHA-256, so the chain covers every row of
it: ``verify_chain`` recomputes the digest, and ``entries_about`` finds a seal by any object the set
touched.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from core import context

from .choices import AuditAction, AuditCategory
from .models import AuditLog

_LOCK_KEY = 7_440_700  # PostgreSQL advisory lock id serialising the hash chain


def _jsonable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, exclude: Iterable[str] = ()) -> dict:
    """Concrete field values (foreign keys as ids, many-to-many as sorted id lists)."""
    data: dict[str, Any] = {}
    skip = set(exclude) | {"created_at", "updated_at"}
    for field in instance._meta.concrete_fields:
        if field.name in skip:
            continue
        data[field.attname] = _jsonable(getattr(instance, field.attname))
    if instance.pk is not None:
        for field in instance._meta.many_to_many:
            if field.name not in skip:
                prefetched = getattr(instance, "_prefetched_objects_cache", {})
                data[field.name] = sorted(
                    prefetched[field.name].values_list("pk", flat=True)
                    if field.name in prefetched
                    else getattr(instance, field.name).values_list("pk", flat=True)
                )
    return data


def diff(before: dict | None, after: dict | None) -> list[str]:
    before, after = before or {}, after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


@dataclass
class Entry:
    """One audit row to write (used by ``record_many``)."""

    action: str
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""
    county_code: str = ""
    before: dict | None = None
    after: dict | None = None
    message: str = ""
    category: str = AuditCategory.DATA


def object_type_of(instance: models.Model) -> str:
    return instance._meta.label_lower


_place_codes: dict[int, str] = {}


def place_code(place_id: int) -> str:
    """The GB/T 2260 code of a place, from a per-process map (places are a few dozen rows), reloaded
    when an id is missing and cleared when a place is saved: no query per audited row."""
    if place_id not in _place_codes:
        from .models import Place

        _place_codes.clear()
        _place_codes.update(Place.objects.values_list("pk", "code"))
    return _place_codes.get(place_id, "")


def forget_place_codes(**kwargs) -> None:
    _place_codes.clear()


def county_code_of(instance: models.Model) -> str:
    from core.scoping import county_id_of

    if not getattr(instance, "scope_county_field", None):
        return ""
    county_id = county_id_of(instance)
    return place_code(county_id) if county_id is not None else ""


def entry_for(
    action: str, instance: models.Model, before: dict | None = None, after: dict | None = None, message: str = ""
) -> Entry:
    return Entry(
        action=action,
        object_type=object_type_of(instance),
        object_id=str(instance.pk or ""),
        object_repr=str(instance)[:200],
        county_code=county_code_of(instance),
        before=before,
        after=after,
        message=message,
    )


def _digest(prev_hash: str, row: dict) -> str:
    payload = json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _hashed_fields(log: AuditLog) -> dict:
    return {
        "timestamp": log.timestamp.isoformat(),
        "actor_username": log.actor_username,
        "ip": log.ip,
        "request_id": log.request_id,
        "category": log.category,
        "action": log.action,
        "object_type": log.object_type,
        "object_id": log.object_id,
        "county_code": log.county_code,
        "before": log.before,
        "after": log.after,
        "message": log.message,
    }


def record_many(actor, entries: list[Entry]) -> list[AuditLog]:
    """Append ``entries`` to the chain in one statement. Call inside the write's transaction."""
    if not entries:
        return []
    ctx = context.current()
    now = timezone.now()
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        prev = AuditLog.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        rows = []
        for e in entries:
            log = AuditLog(
                timestamp=now,
                actor=actor_obj,
                actor_username=getattr(actor, "username", "") or "",
                ip=ctx.ip,
                request_id=ctx.request_id,
                source=ctx.source,
                category=e.category,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                object_repr=e.object_repr[:200],
                county_code=e.county_code,
                before=_jsonable(e.before),
                after=_jsonable(e.after),
                changed_fields=diff(e.before, e.after) if e.category == AuditCategory.DATA else [],
                message=e.message,
                prev_hash=prev,
            )
            log.hash = _digest(prev, _hashed_fields(log))
            prev = log.hash
            rows.append(log)
        if connection.vendor == "postgresql" and len(rows) >= COPY_THRESHOLD:
            _copy_rows(rows)  # large batches (imports): COPY is several times faster than INSERT
            return rows
        return AuditLog.objects.bulk_create(rows, batch_size=2000)


# From this many rows on, PostgreSQL receives a batch through COPY (the rows get no primary key back).
COPY_THRESHOLD = 1000
_COPY_COLUMNS = (
    "timestamp",
    "actor_id",
    "actor_username",
    "ip",
    "request_id",
    "source",
    "category",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "county_code",
    "before",
    "after",
    "changed_fields",
    "message",
    "prev_hash",
    "hash",
)
_JSON_COLUMNS = frozenset({"before", "after", "changed_fields"})


def _copy_text(value, is_json: bool) -> str:
    """One value in PostgreSQL's COPY text format (NULL as \\N; backslash, tab and newlines escaped)."""
    if value is None:
        return "\\N"
    if is_json:
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dt.datetime):
        value = value.isoformat()
    else:
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_rows(rows: list[AuditLog]) -> None:
    import io

    buffer = io.StringIO()
    for log in rows:
        buffer.write("\t".join(_copy_text(getattr(log, column), column in _JSON_COLUMNS) for column in _COPY_COLUMNS))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {AuditLog._meta.db_table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN WITH (FORMAT text)", buffer
        )


def record(
    actor,
    action: str,
    instance: models.Model | None = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    message: str = "",
    category: str = AuditCategory.DATA,
) -> AuditLog:
    if instance is not None:
        entry = entry_for(action, instance, before, after, message)
        entry.category = category
    else:
        entry = Entry(action=action, message=message, category=category, before=before, after=after)
    return record_many(actor, [entry])[0]


CHANGE_SET = "change_set"  # the key of a seal's ``after`` that describes its change set


@dataclass(frozen=True)
class ChangeSetKind:
    """A kind of bulk write whose before/after values live in an append-only table of its own.

    ``digest(set_id)`` returns the set's row count and the SHA-256 of its rows (computed by the
    database where it can); ``touching(object_type, object_id)`` the ids of the sets that wrote that
    object; ``seal_object_type`` is the ``object_type`` of the audit entries that seal a set (the
    set's id is their ``object_id``). For the audit pages, ``rows(set_id)`` is the set's rows as an
    ordered queryset and ``describe(rows, undo=…)`` turns a page of them into dicts with
    ``row_no``, ``object_type``, ``object_id``, ``object_repr``, ``action`` and ``changes``
    (``[(field label, before, after), …]``); ``undo`` reads the set backwards.
    """

    name: str
    seal_object_type: str
    digest: Callable[[int], tuple[int, str]]
    touching: Callable[[str, str], Iterable[int]]
    rows: Callable[[int], models.QuerySet]
    describe: Callable[..., list[dict]]


_change_set_kinds: dict[str, ChangeSetKind] = {}


def register_change_set(kind: ChangeSetKind) -> None:
    """Called by an app's ``ready()``."""
    _change_set_kinds[kind.name] = kind


def seal(
    actor, action: str, instance: models.Model, *, kind: str, set_id: int, after: dict | None = None, message: str = ""
) -> AuditLog:
    """Record a bulk write whose rows are in change set ``set_id`` of ``kind``: one chained entry
    (who, when, from where) whose ``after`` carries the set's row count and digest. Call it in the
    write's transaction, after the set's rows are written."""
    rows, digest = _change_set_kinds[kind].digest(set_id)
    payload = {**(after or {}), CHANGE_SET: {"kind": kind, "id": set_id, "rows": rows, "sha256": digest}}
    return record(actor, action, instance, after=payload, message=message)


def change_set_of(log: AuditLog) -> dict | None:
    """The change set a seal describes (``kind``, ``id``, ``rows``, ``sha256``), else None."""
    described = (log.after or {}).get(CHANGE_SET) if isinstance(log.after, dict) else None
    return described if isinstance(described, dict) else None


def change_set_kind(name: str) -> ChangeSetKind | None:
    return _change_set_kinds.get(name)


def entries_about(object_type: str, object_id: str = "") -> Q:
    """Audit entries about an object, including the seals of the bulk writes that changed it.
    Without ``object_id``: every entry about objects of that type (seals are not looked up)."""
    if not object_id:
        return Q(object_type=object_type)
    found = Q(object_type=object_type, object_id=object_id)
    for kind in _change_set_kinds.values():
        ids = [str(i) for i in kind.touching(object_type, object_id)]
        if ids:
            found |= Q(
                object_type=kind.seal_object_type, object_id__in=ids, **{f"after__{CHANGE_SET}__kind": kind.name}
            )
    return found


def security_event(actor, action: str, message: str = "", *, username: str = "", instance=None) -> AuditLog:
    """A security event (login, lockout, denial, export, reveal, key use)."""
    if actor is None and username:

        class _Named:  # noqa: D401 - tiny adapter for events without a user row (failed logins)
            is_authenticated = False

        actor = _Named()
        actor.username = username
    return record(actor, action, instance, message=message, category=AuditCategory.SECURITY)


# Personal data kept in before/after values: masked in every audit view; shown in full only through the
# reveal permission (``accounts.reveal_personal_data``), and that reveal is itself recorded. Enterprise
# contacts, and the names and e-mail addresses of the accounts (masked on the account list too).
PERSONAL_FIELDS = ("contact_person", "contact_phone", "full_name", "email")


def mask_personal(field: str, value):
    """``value`` of ``field`` as the audit views show it: personal fields masked like on every page."""
    if field not in PERSONAL_FIELDS or not isinstance(value, str) or not value:
        return value
    from core.masking import mask_email, mask_name, mask_phone

    if field == "contact_phone":
        return mask_phone(value)
    if field == "email":
        return mask_email(value)
    return mask_name(value)


def shown_object_repr(log: AuditLog) -> str:
    """The record's object as the audit views show it: an account's name (its ``str``) masked, with the
    user name from its snapshot when there is one."""
    if log.object_type != "accounts.user" or not log.object_repr:
        return log.object_repr
    username = {**(log.before or {}), **(log.after or {})}.get("username")
    if username == log.object_repr:
        return username
    return mask_personal("full_name", log.object_repr) + (f" ({username})" if username else "")


def reveal_event(user, instance: models.Model, fields: Iterable[str]) -> AuditLog:
    """Record that ``user`` saw the unmasked value of ``fields`` of ``instance``."""
    return security_event(user, AuditAction.REVEAL, ", ".join(fields), instance=instance)


def permission_denied_event(request, reason: str = "") -> AuditLog | None:
    """Record a refused request (403), with ``reason`` when there is one (e.g. a failed CSRF check).
    Never fails the response it is logging."""
    user = getattr(request, "user", None)
    actor = user if getattr(user, "is_authenticated", False) else None
    message = f"{request.method} {request.get_full_path()}" + (f" ({reason})" if reason else "")
    try:
        return security_event(actor, AuditAction.PERMISSION_DENIED, message[:2000])
    except Exception:  # noqa: BLE001 - the denial itself must still be answered
        import logging

        logging.getLogger(__name__).exception("could not record a permission denial")
        return None


def change_set_holds(described: dict) -> bool:
    """Whether a seal's change set still has the row count and digest it was sealed with."""
    kind = _change_set_kinds.get(described.get("kind", ""))
    if kind is None:
        return False  # a seal nobody can check is not a proof
    rows, digest = kind.digest(int(described.get("id") or 0))
    return rows == described.get("rows") and digest == described.get("sha256")


def _seal_holds(log: AuditLog) -> bool:
    described = change_set_of(log)
    return described is None or log.category != AuditCategory.DATA or change_set_holds(described)


def verify_chain(queryset=None) -> int | None:
    """Return the id of the first row whose hash does not match (or whose change set no longer has
    the digest it was sealed with), or None when the chain holds."""
    prev = ""
    for log in (queryset or AuditLog.objects.order_by("id")).iterator(chunk_size=2000):
        if log.prev_hash != prev or _digest(prev, _hashed_fields(log)) != log.hash or not _seal_holds(log):
            return log.id
        prev = log.hash
    return None


__all__ = [
    "CHANGE_SET",
    "AuditAction",
    "AuditCategory",
    "ChangeSetKind",
    "Entry",
    "change_set_holds",
    "change_set_kind",
    "change_set_of",
    "diff",
    "entries_about",
    "entry_for",
    "mask_personal",
    "permission_denied_event",
    "record",
    "record_many",
    "register_change_set",
    "shown_object_repr",
    "reveal_event",
    "seal",
    "security_event",
    "snapshot",
    "verify_chain",
]


class _WritePathTrail:
    """This audit trail as the one write path sees it (``core.services.register_audit_trail``,
    called in ``accounts.apps.AccountsConfig.ready``)."""

    snapshot = staticmethod(snapshot)

    @staticmethod
    def saved(actor, instance, *, created, before, after, message):
        record(
            actor,
            AuditAction.CREATE if created else AuditAction.UPDATE,
            instance,
            before=before,
            after=after,
            message=message,
        )

    @staticmethod
    def deletion(instance, *, before, message):
        return entry_for(AuditAction.DELETE, instance, before=before, after=None, message=message)

    @staticmethod
    def record_deletion(actor, deletion):
        record_many(actor, [deletion])

    @staticmethod
    def last_change(instance):
        last = (
            AuditLog.objects.filter(entries_about(instance._meta.label_lower, str(instance.pk)))
            .order_by("-id")
            .values_list("actor_username", "timestamp")
            .first()
        )
        return tuple(last) if last else None


TRAIL = _WritePathTrail()
