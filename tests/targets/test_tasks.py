"""The recompute job: after data changes (coalesced, on commit), under a lock, on a real worker."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from core.models import JobStatus
from enterprises.models import Statistic
from enterprises.signals import statistics_changed
from targets import services, tasks
from targets.choices import RunTrigger
from targets.locks import ADVISORY_KEY, recompute_lock
from targets.models import RecomputeRun, Snapshot, SnapshotValue
from tests import factories

from .conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_change(settings):
    settings.TARGETS_RECOMPUTE_ON_CHANGE = True
    settings.TARGETS_RECOMPUTE_DELAY = 30


def test_a_burst_of_edits_gives_one_run(on_change, broker, django_capture_on_commit_callbacks, taishan_enterprise):
    with mock.patch.object(tasks.recompute_progress, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            for quarter in (1, 2, 3, 4):
                factories.make_statistic(taishan_enterprise, 2024, quarter, output_value=Decimal(quarter))
            factories.make_title(taishan_enterprise, "innovative", dt.date(2024, 1, 5))
        assert len(callbacks) == 5  # one on-commit request per change …
        assert apply_async.call_count == 1  # … one queued run
        assert apply_async.call_args.kwargs["countdown"] == 30
        # Once the queued run starts, the next change queues another one.
        with mock.patch.object(services, "run_execute"):
            tasks.recompute_progress(trigger=RunTrigger.DATA_CHANGE)
        with django_capture_on_commit_callbacks(execute=True):
            factories.make_statistic(taishan_enterprise, 2025, 1, output_value=Decimal(9))
        assert apply_async.call_count == 2


def test_runs_are_queued_only_on_commit(on_change, broker, django_capture_on_commit_callbacks, taishan_enterprise):
    with mock.patch.object(tasks.recompute_progress, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            factories.make_statistic(taishan_enterprise, 2024, 1, output_value=Decimal(1))
        # the callbacks run only on commit; a rollback drops them
        assert apply_async.call_count == 0
        assert len(callbacks) == 1


def test_import_signal_and_deletes_queue_a_run(
    on_change, broker, django_capture_on_commit_callbacks, taishan_enterprise
):
    statistic = factories.make_statistic(taishan_enterprise, 2024, 1, output_value=Decimal(1))
    with mock.patch.object(tasks.recompute_progress, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=True):
            statistics_changed.send(sender=Statistic, count=500)
        assert apply_async.call_count == 1
        tasks.cache.delete(services.PENDING_KEY)
        with django_capture_on_commit_callbacks(execute=True):
            statistic.delete()
        assert apply_async.call_count == 2


def test_data_change_recomputes_the_snapshot(on_change, eager, django_capture_on_commit_callbacks, dataset):
    from targets.services import recompute_runner as runner

    with django_capture_on_commit_callbacks(execute=True):
        factories.make_title(dataset["e8"], "provincial", dt.date(2024, 2, 1))
    assert runner.flush()  # embedded mode: the run is pending until the runner takes it
    run = RecomputeRun.objects.get()
    assert run.status == JobStatus.SUCCEEDED and run.trigger == RunTrigger.DATA_CHANGE
    assert not run.with_history  # today and the last quarter end only; the nightly run does the history
    latest = Snapshot.objects.order_by("-as_of").first()
    value = SnapshotValue.objects.get(snapshot=latest, indicator__code="provincial-srdi", county__isnull=True)
    assert value.value == 5  # e1, e2, e3, e4 and now e8


def test_off_switch(settings, django_capture_on_commit_callbacks, taishan_enterprise):
    settings.TARGETS_RECOMPUTE_ON_CHANGE = False
    with mock.patch.object(tasks.recompute_progress, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            factories.make_statistic(taishan_enterprise, 2024, 1, output_value=Decimal(1))
    assert apply_async.call_count == 0 and not callbacks


def _hold_lock_elsewhere():
    """Take the recompute lock as another process would; returns a release function."""
    if connection.vendor == "postgresql":
        other = connections.create_connection("default")
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_KEY])
        return other.close
    from django.core.cache import cache

    from targets.locks import CACHE_KEY

    cache.add(CACHE_KEY, "someone-else", timeout=60)
    return lambda: cache.delete(CACHE_KEY)


def test_a_second_run_does_not_run_while_one_is_running(settings, dataset):
    settings.TARGETS_RECOMPUTE_LOCK_WAIT = 0
    release = _hold_lock_elsewhere()
    try:
        run = services.run_execute(run_id=services.run_create(as_of=D, with_history=False).pk)
    finally:
        release()
    assert run.status == JobStatus.FAILED
    assert "Another recompute" in run.message or "另一" in run.message
    assert not Snapshot.objects.exists()
    run = services.run_execute(run_id=services.run_create(as_of=D, with_history=False).pk)
    assert run.status == JobStatus.SUCCEEDED
    assert Snapshot.objects.count() == 1


def test_lock_is_released_after_a_failure(dataset):
    with mock.patch.object(services, "progress_recompute", side_effect=RuntimeError("boom")):
        run = services.run_execute(run_id=services.run_create(as_of=D).pk)
    assert run.status == JobStatus.FAILED and "boom" in run.error
    with recompute_lock(wait=0) as acquired:
        assert acquired


def test_management_command(dataset, capsys):
    call_command("recompute_progress", "--as-of", "2025-06-30")
    assert Snapshot.objects.filter(as_of=D).exists()
    assert Snapshot.objects.count() == 7  # 2023Q4 … 2025Q2
    call_command("recompute_progress", "--as-of", "2025-06-30", "--no-history")
    assert Snapshot.objects.count() == 7
    run = RecomputeRun.objects.order_by("-pk").first()
    assert run.trigger == RunTrigger.COMMAND and run.status == JobStatus.SUCCEEDED
    with pytest.raises(CommandError):
        call_command("recompute_progress", "--as-of", "2999-01-01")
    assert RecomputeRun.objects.count() == 2


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_recompute_runs_on_a_real_celery_worker(dataset, celery_worker_thread):
    run = services.run_create(as_of=D, with_history=False)
    tasks.recompute_progress.delay(run.pk)  # the worker of tests/conftest.py takes it
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.2)
    assert run.status == JobStatus.SUCCEEDED, run.message
    assert (
        SnapshotValue.objects.get(snapshot__as_of=D, indicator__code="provincial-srdi", county__isnull=True).value == 4
    )
