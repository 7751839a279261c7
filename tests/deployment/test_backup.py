"""The restore drill: a backup of a (small) demo city, with an uploaded attachment and a sealed
statistics import, restored into a new database by ``manage.py restore`` in its own process and
proved whole; a file removed afterwards is named by ``restore --verify-only``."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from accounts.models import AuditLog
from enterprises.imports import services as imports
from enterprises.models import Enterprise, StatisticImportChange
from tasks import services as task_services
from tasks.models import ReportAttachment
from tests import factories
from tests.db_role import as_owner
from tests.enterprises.imports.conftest import uploaded
from tests.tasks.conftest import czj_user  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(settings.BASE_DIR)


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _manage(*args: str, database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "TESTING": "1",
        "DJANGO_SETTINGS_MODULE": "jiangmen_portal.settings",
    }
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def fresh_database(tmp_path):
    """A new, empty database for the restore (PostgreSQL: on the same server; SQLite: a file)."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"restore_{uuid.uuid4().hex[:12]}"
    s = connection.settings_dict
    with as_owner(), connection.cursor() as cursor:  # the app role may not create databases
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    try:
        yield f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    finally:
        with as_owner(), connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_whole_into_a_new_database(settings, tmp_path, fresh_database, czj_user):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    # a small city: enterprises in three counties with titles, statistics and an R&D institution
    for county in ("440781", "440783", "440703"):
        for n in range(4):
            ent = factories.make_enterprise(county)
            factories.make_title(ent, "innovative", dt.date(2023, 6, 1))
            if n % 2:
                factories.make_title(ent, "provincial", dt.date(2024, 11, 1))
            factories.make_statistic(ent, 2024, 4, revenue=Decimal("1000.5") + n, employees=50 + n)
        factories.make_rd_institution(ent)
    # an uploaded file
    report = factories.make_report("2-2-2", "2025Q1", department_code="czj", summary="附件")
    task_services.attachment_add(actor=czj_user, report=report, upload=SimpleUploadedFile("进展.pdf", _pdf()))
    # a statistics import committed: a sealed change set in the audit chain
    official = factories.make_user(factories.Role.COUNTY_OFFICIAL, county_code="440781", username="ts_backup")
    enterprise = Enterprise.objects.filter(county__code="440781").first()
    imp = imports.statistic_import_create(
        actor=official,
        uploaded_file=uploaded(
            factories.make_statistics_workbook([factories.statistics_row(enterprise, "2025Q1", revenue=123)])
        ),
        enqueue=False,
    )
    imp = imports.statistic_import_check(import_id=imp.pk)
    imports.statistic_import_confirm(actor=official, statistic_import=imp, skip_error_rows=False, enqueue=False)
    imports.statistic_import_commit(import_id=imp.pk)
    assert StatisticImportChange.objects.filter(statistic_import=imp).count() == 1
    enterprises, audit_rows = Enterprise.objects.count(), AuditLog.objects.count()
    assert enterprises == 12 and ReportAttachment.objects.count() == 1

    folder = tmp_path / "backup"
    call_command("backup", str(folder), stdout=open(os.devnull, "w"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"]["enterprises_enterprise"] == enterprises
    assert manifest["audit"]["rows"] == audit_rows
    attachment = ReportAttachment.objects.get()
    imp.refresh_from_db()
    assert sorted(name for name, digest in manifest["files"].items() if digest) == sorted(
        [attachment.file.name, imp.file.name]
    )  # the progress report's attachment and the uploaded statistics workbook

    restored_media = tmp_path / "restored-media"
    done = _manage("restore", str(folder), database_url=fresh_database, media_root=restored_media)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["whole"] is True
    assert report["tables_differing"] == {} and report["audit_chain_broken_at"] is None
    assert report["audit_rows"] == audit_rows and report["files_checked"] == 2 and report["files_bad"] == {}
    assert report["rows_checked"] == sum(manifest["tables"].values())

    # a damaged restore is caught: the uploaded file is gone
    (restored_media / attachment.file.name).unlink()
    checked = _manage("restore", str(folder), "--verify-only", database_url=fresh_database, media_root=restored_media)
    assert checked.returncode != 0
    report = json.loads(checked.stdout.strip().splitlines()[-1])
    assert report["whole"] is False and report["files_bad"] == {attachment.file.name: "missing"}


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "backup"
    call_command("backup", str(folder), stdout=open(os.devnull, "w"))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(folder))
