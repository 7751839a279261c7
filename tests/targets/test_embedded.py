"""Embedded mode (no broker): a write answers without recomputing; the recompute runs after the
response, one at a time, and any number of writes meanwhile leave at most one run pending."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from core.models import JobStatus
from targets import services
from targets.choices import RunTrigger
from targets.embedded import CoalescingRunner
from targets.models import RecomputeRun, Snapshot, SnapshotValue
from tests import factories
from tests.api.conftest import keyed

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_change(settings):
    settings.TARGETS_RECOMPUTE_ON_CHANGE = True


@pytest.fixture
def clean_runner():
    services.recompute_runner.flush()
    yield services.recompute_runner
    services.recompute_runner.flush()


def test_a_write_answers_before_the_recompute_which_runs_afterwards(
    on_change, eager, clean_runner, dataset, django_capture_on_commit_callbacks
):
    api = keyed("县区系统", write=True)
    e8 = dataset["e8"]
    factories.make_title(e8, "innovative", dt.date(2023, 6, 1))  # the rung below, required on the day
    with django_capture_on_commit_callbacks(execute=True):
        response = api.client.post(
            "/api/v1/titles/",
            {"enterprise": e8.pk, "tier": "provincial", "recognised_on": "2024-02-01", "valid_until": "2027-01-31"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert RecomputeRun.objects.count() == 0  # nothing was computed inside the request …
    assert clean_runner.pending  # … one run is pending
    assert clean_runner.flush()
    run = RecomputeRun.objects.get()
    assert run.status == JobStatus.SUCCEEDED and run.trigger == RunTrigger.DATA_CHANGE
    latest = Snapshot.objects.order_by("-as_of").first()
    value = SnapshotValue.objects.get(snapshot=latest, indicator__code="provincial-srdi", county__isnull=True)
    assert value.value == 5  # e1, e2, e3, e4 and now e8 (tests/targets/conftest.py)


def test_many_writes_give_one_run(on_change, eager, clean_runner, dataset, django_capture_on_commit_callbacks):
    api = keyed("县区系统", write=True)
    for name in ("八号一", "八号二", "八号三"):
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                api.client.patch(
                    f"/api/v1/enterprises/{dataset['e8'].pk}/", {"name": f"{name}有限公司"}, format="json"
                ).status_code
                == 200
            )
    assert RecomputeRun.objects.count() == 0
    clean_runner.flush()
    assert RecomputeRun.objects.count() == 1


def _counting(block: threading.Event | None = None):
    calls = []

    def target():
        calls.append(threading.current_thread().name)
        if block is not None:
            assert block.wait(10)

    return calls, target


def test_the_thread_starts_only_when_the_request_has_finished(settings):
    settings.TARGETS_RECOMPUTE_BACKGROUND = True
    calls, target = _counting()
    runner = CoalescingRunner(target, name="test-runner")
    runner.request_started()
    runner.request()
    time.sleep(0.2)
    assert calls == []  # the response is not sent yet: nothing runs
    runner.request_finished()
    assert runner.flush(10)
    assert calls == ["test-runner"]  # once, on the runner's own thread


def test_concurrent_requests_while_a_run_computes_leave_one_more_run(settings):
    settings.TARGETS_RECOMPUTE_BACKGROUND = True
    release = threading.Event()
    calls, target = _counting(release)
    runner = CoalescingRunner(target, name="test-runner")
    runner.request()  # outside a request: starts now
    for _ in range(50):
        if calls:
            break
        time.sleep(0.05)
    assert calls == ["test-runner"]  # the first run is computing (blocked)
    threads = [threading.Thread(target=runner.request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert runner.pending
    release.set()
    assert runner.flush(10)
    assert len(calls) == 2  # 21 requests: the running one and one more
    assert not runner.pending


def test_without_the_thread_flush_runs_what_is_pending_once():
    calls, target = _counting()
    runner = CoalescingRunner(target, name="test-runner")  # test settings: background off
    for _ in range(5):
        runner.request()
    assert calls == []
    assert runner.flush()
    assert calls == ["MainThread"] or len(calls) == 1
    runner.flush()
    assert len(calls) == 1


def test_a_failing_run_does_not_stop_the_runner(settings):
    settings.TARGETS_RECOMPUTE_BACKGROUND = True
    calls = []

    def target():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")

    runner = CoalescingRunner(target, name="test-runner")
    runner.request()
    assert runner.flush(10)
    runner.request()
    assert runner.flush(10)
    assert len(calls) == 2
