"""Backup and restore as part of the product (``manage.py backup`` / ``manage.py restore``).

A backup is a folder: the database (``pg_dump`` custom format on PostgreSQL, the SQLite backup API
on the embedded default), the uploaded files (``media.tar.gz``) and ``manifest.json``, which states
what a whole restore must show: the row count of every table, the audit chain's length and last
hash, and every uploaded file a row refers to with its SHA-256. On PostgreSQL the counts are read in
the very snapshot ``pg_dump`` dumps (``pg_export_snapshot``), so a backup of a live portal is
consistent with its manifest.

``verify`` checks a restored database against a manifest: the counts, ``verify_chain`` on the audit
log (which also re-digests every sealed change set: statistics imports and their undos), and the
files present with the same content.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone

from accounts.audit import verify_chain
from accounts.models import AuditLog

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_ARCHIVE = "media.tar.gz"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _models() -> list[type[models.Model]]:
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def table_counts(using: str = "default") -> dict[str, int]:
    return {m._meta.db_table: m._default_manager.using(using).count() for m in _models()}


def file_references(using: str = "default") -> list[str]:
    """Every uploaded file a row refers to (FileFields of every model)."""
    found: set[str] = set()
    for model in _models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                names = (
                    model._default_manager.using(using).exclude(**{field.name: ""}).values_list(field.name, flat=True)
                )
                found.update(name for name in names if name)
    return sorted(found)


def audit_state(using: str = "default") -> dict[str, Any]:
    last = AuditLog.objects.using(using).order_by("-id").values_list("id", "hash").first()
    return {
        "rows": AuditLog.objects.using(using).count(),
        "last_id": last[0] if last else None,
        "last_hash": last[1] if last else "",
    }


def _state(media_root: Path, using: str = "default") -> dict[str, Any]:
    files = {}
    for name in file_references(using):
        path = media_root / name
        files[name] = _sha256(path) if path.is_file() else None
    return {"tables": table_counts(using), "audit": audit_state(using), "files": files}


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    return env


def backup(output: Path, using: str = "default") -> dict[str, Any]:
    """Write a backup into the empty (or new) folder ``output``; returns the manifest."""
    output.mkdir(parents=True, exist_ok=True)
    if any(output.iterdir()):
        raise ValueError(f"{output} is not empty")
    connection = connections[using]
    media_root = Path(settings.MEDIA_ROOT)
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={output / PG_DUMP}",
                    connection.settings_dict["NAME"],
                ],
                check=True,
                env=_pg_env(connection.settings_dict),
                capture_output=True,
            )
            state = _state(media_root, using)  # the same snapshot as the dump
        database_file = PG_DUMP
    elif connection.vendor == "sqlite":
        with transaction.atomic(using=using):
            state = _state(media_root, using)
            connection.ensure_connection()
            target = sqlite3.connect(output / SQLITE_COPY)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        database_file = SQLITE_COPY
    else:
        raise ValueError(f"no backup for the {connection.vendor} database")
    with tarfile.open(output / MEDIA_ARCHIVE, "w:gz") as archive:
        for name, digest in state["files"].items():
            if digest is not None:
                archive.add(media_root / name, arcname=name)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "database_file": database_file,
        "artifacts": {name: _sha256(output / name) for name in (database_file, MEDIA_ARCHIVE)},
        **state,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    manifest = json.loads((folder / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"unknown backup format {manifest.get('format')!r}")
    for name, digest in manifest["artifacts"].items():
        if _sha256(folder / name) != digest:
            raise ValueError(f"{name} does not match the manifest (damaged or altered backup)")
    return manifest


def restore(folder: Path, using: str = "default", media_root: Path | None = None) -> dict[str, Any]:
    """Restore the backup in ``folder`` into the (empty) database ``using`` and the media folder.
    Returns the manifest. The caller verifies with ``verify``."""
    manifest = read_manifest(folder)
    connection = connections[using]
    if connection.vendor != manifest["vendor"]:
        raise ValueError(f"a {manifest['vendor']} backup cannot be restored into {connection.vendor}")
    if connection.introspection.table_names():
        raise ValueError("the target database is not empty: restore into a new database")
    if connection.vendor == "postgresql":
        subprocess.run(
            [
                "pg_restore",
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
                f"--dbname={connection.settings_dict['NAME']}",
                str(folder / PG_DUMP),
            ],
            check=True,
            env=_pg_env(connection.settings_dict),
            capture_output=True,
        )
    else:
        connection.close()
        shutil.copyfile(folder / SQLITE_COPY, connection.settings_dict["NAME"])
    root = Path(media_root or settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA_ARCHIVE, "r:gz") as archive:
        archive.extractall(root, filter="data")
    return manifest


def verify(manifest: dict[str, Any], using: str = "default", media_root: Path | None = None) -> dict[str, Any]:
    """Compare the database ``using`` and the media folder with ``manifest``."""
    now = _state(Path(media_root or settings.MEDIA_ROOT), using)
    tables = {
        table: {"expected": count, "found": now["tables"].get(table)}
        for table, count in manifest["tables"].items()
        if now["tables"].get(table) != count
    }
    broken_at = verify_chain(AuditLog.objects.using(using).order_by("id"))
    files = {
        name: ("missing" if now["files"].get(name) is None else "altered")
        for name, digest in manifest["files"].items()
        if digest is not None and now["files"].get(name) != digest
    }
    report = {
        "tables_checked": len(manifest["tables"]),
        "rows_checked": sum(manifest["tables"].values()),
        "tables_differing": tables,
        "audit_rows": now["audit"]["rows"],
        "audit_last_hash_matches": now["audit"]["last_hash"] == manifest["audit"]["last_hash"],
        "audit_chain_broken_at": broken_at,
        "files_checked": sum(1 for digest in manifest["files"].values() if digest is not None),
        "files_bad": files,
    }
    report["whole"] = not tables and broken_at is None and report["audit_last_hash_matches"] and not files
    return report
