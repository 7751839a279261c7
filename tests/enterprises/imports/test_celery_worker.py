"""The import jobs on a real Celery worker (Redis broker). Skipped without CELERY_BROKER_URL, e.g.

CELERY_BROKER_URL=redis://127.0.0.1:6379/4 .venv/bin/pytest -m celery_worker tests/enterprises/imports
"""

import os
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import AuditAction
from accounts.models import AuditLog
from enterprises.models import ImportState, Statistic, StatisticImport
from tests.enterprises.imports.conftest import uploaded
from tests.factories import make_statistics_workbook, statistics_row

BROKER = os.environ.get("CELERY_BROKER_URL", "")

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not BROKER, reason="needs CELERY_BROKER_URL (a Redis broker) for a real worker"),
]


@pytest.fixture
def worker(celery_worker_thread):
    """The real worker of ``tests/conftest.py`` (consuming every queue the tasks are routed to)."""
    return celery_worker_thread


def wait_until_finished(client, imp: StatisticImport, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(reverse("enterprises:import_status", args=[imp.pk])).json()
        if status["finished"]:
            return status
        time.sleep(0.2)
    raise AssertionError(f"import #{imp.pk} did not finish in {timeout} s: {status}")


def test_check_and_commit_run_on_a_real_worker(worker, client, taishan_official, taishan_enterprise):
    client.force_login(taishan_official)
    client.defaults["REMOTE_ADDR"] = "10.7.7.7"
    data = make_statistics_workbook([statistics_row(taishan_enterprise, "2024Q3", revenue="2,500", employees=40)])
    client.post(reverse("enterprises:import_upload"), {"file": uploaded(data)})
    imp = StatisticImport.objects.get()
    status = wait_until_finished(client, imp)
    assert status["state"] == ImportState.CHECKED and status["status"] == "succeeded", status
    assert not Statistic.objects.exists()

    client.post(reverse("enterprises:import_confirm", args=[imp.pk]))
    status = wait_until_finished(client, imp)
    assert status["state"] == ImportState.COMMITTED, status
    stat = Statistic.objects.get(enterprise=taishan_enterprise, year=2024, quarter=3)
    assert stat.revenue == Decimal("2500.00") and stat.employees == 40
    # the worker's audit entry names the address of the request that queued the job
    seal = AuditLog.objects.get(action=AuditAction.IMPORT, object_id=str(imp.pk))
    assert (seal.ip, seal.source, seal.actor_username) == ("10.7.7.7", "job", "taishan")
    assert seal.after["change_set"]["rows"] == 1
