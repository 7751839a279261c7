"""Workers on many machines: two real Celery worker processes on the same broker and database.

- Two recomputes queued at once, taken one by each worker, never run at the same time (the
  PostgreSQL advisory lock of ``targets/locks.py``): their running intervals do not overlap.
- An import commit delivered twice (a duplicated message) is written once.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import AuditLog
from core.models import JobStatus
from enterprises.imports import services as imports
from enterprises.models import ImportState, Statistic, StatisticImportChange
from targets import services as targets
from targets.locks import ADVISORY_KEY
from targets.models import RecomputeRun
from tests import factories
from tests.enterprises.imports.conftest import uploaded

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def two_workers(tmp_path):
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker:
        pytest.skip("needs CELERY_BROKER_URL (a Redis broker) for real workers")
    if connection.vendor != "postgresql":
        pytest.skip("workers in other processes share the database: PostgreSQL")
    from jiangmen_portal.celery import app

    app.conf.update(task_always_eager=False, broker_url=broker)
    app.control.purge()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "DJANGO_SETTINGS_MODULE": "jiangmen_portal.test_settings",
        "TARGETS_RECOMPUTE_LOCK_WAIT": "120",
    }
    logs, processes = [], []
    for name in ("one", "two"):
        log = tmp_path / f"worker-{name}.log"
        logs.append(log)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "jiangmen_portal", "worker", "-P", "solo", "-c", "1",
                 "-Q", ",".join(settings.CELERY_WORKER_QUEUES), "--hostname", f"{name}@%h",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
                cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not all("ready." in log.read_text() for log in logs):
            assert time.monotonic() < deadline, [log.read_text()[-2000:] for log in logs]
            assert all(p.poll() is None for p in processes), [log.read_text()[-2000:] for log in logs]
            time.sleep(0.3)
        yield app, logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        app.control.purge()
        app.conf.update(task_always_eager=True)


def _wait_for(predicate, seconds=90.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError("timed out")


def test_two_recomputes_on_two_workers_never_overlap(two_workers):
    app, logs = two_workers
    for county in ("440781", "440783"):
        for _ in range(3):
            factories.make_title(factories.make_enterprise(county), "provincial", dt.date(2024, 11, 1))
    runs = [targets.run_create(with_history=False), targets.run_create(with_history=False)]
    # hold the lock as a long recompute would, so that both workers take their run and wait
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_KEY])
    try:
        for run in runs:
            app.send_task(targets.RECOMPUTE_TASK, kwargs={"run_id": run.pk})
        _wait_for(lambda: all("recompute_progress" in log.read_text() for log in logs), 60)  # one each
        time.sleep(1.0)
        assert not RecomputeRun.objects.filter(pk__in=[r.pk for r in runs], started_at__isnull=False).exists()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
    _wait_for(lambda: RecomputeRun.objects.filter(pk__in=[r.pk for r in runs], finished_at__isnull=False).count() == 2)
    first, second = sorted(RecomputeRun.objects.filter(pk__in=[r.pk for r in runs]), key=lambda r: r.started_at)
    assert first.status == second.status == JobStatus.SUCCEEDED
    assert first.finished_at <= second.started_at  # one after the other, never interleaved


def test_an_import_delivered_twice_is_written_once(two_workers):
    app, logs = two_workers
    official = factories.make_user(factories.Role.COUNTY_OFFICIAL, county_code="440781", username="ts_two")
    enterprise = factories.make_enterprise("440781")
    factories.make_statistic(enterprise, 2025, 1, revenue=Decimal("100.00"))
    imp = imports.statistic_import_create(
        actor=official,
        uploaded_file=uploaded(
            factories.make_statistics_workbook([factories.statistics_row(enterprise, "2025Q1", revenue=250)])
        ),
        enqueue=False,
    )
    imp = imports.statistic_import_check(import_id=imp.pk)
    imports.statistic_import_confirm(actor=official, statistic_import=imp, skip_error_rows=False, enqueue=False)
    for _ in range(2):  # the same commit message twice: one per worker
        app.send_task(imports.COMMIT_TASK, args=[imp.pk])
    _wait_for(lambda: all("commit_statistic_import" in log.read_text() for log in logs), 60)
    _wait_for(lambda: sum(log.read_text().count("succeeded in") for log in logs) >= 2, 60)
    imp.refresh_from_db()
    assert imp.state == ImportState.COMMITTED
    statistic = Statistic.objects.get(enterprise=enterprise)
    assert statistic.revenue == Decimal("250.00") and statistic.version == 2  # written once: 1 → 2
    assert StatisticImportChange.objects.filter(statistic_import=imp).count() == 1
    assert AuditLog.objects.filter(action="import", object_id=str(imp.pk)).count() == 1
