"""Reads on a replica, writes on the primary, read-your-writes (core/db_router.py).

The routing rules are tested on any database (the replica alias points at the test database); the
last class runs against a real PostgreSQL streaming replica when ``TEST_DATABASE_REPLICA_URL`` is set
(.ci/run starts one from ``pg_basebackup`` on port 5433) and pauses its replay to prove that a
client that has just written reads from the primary, and everybody else from the replica.
"""

from __future__ import annotations

import os
import time

import environ
import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from core.db_router import PrimaryReplicaRouter, ReplicaReadsMiddleware, replica_reads
from enterprises.models import Enterprise
from tests import factories

ROUTER = ["core.db_router.PrimaryReplicaRouter"]


@pytest.fixture
def replica_alias(settings):
    """A ``replica`` alias (here: the test database itself, unless the test settings declare one)
    and the router installed."""
    added = "replica" not in connections.settings
    if added:
        connections.settings["replica"] = {**connections.settings["default"]}
    settings.DATABASE_ROUTERS = ROUTER
    cache.clear()
    yield
    settings.DATABASE_ROUTERS = []
    if added:
        connections["replica"].close()
        del connections["replica"]
        del connections.settings["replica"]


def _read_alias():
    return Enterprise.objects.all().db


class TestRouting:  # no database access: the router's choice is read from ``QuerySet.db``
    def test_without_a_replica_everything_uses_the_primary(self, settings, monkeypatch):
        monkeypatch.delitem(connections.settings, "replica", raising=False)
        settings.DATABASE_ROUTERS = ROUTER
        with replica_reads():
            assert _read_alias() == "default"

    def test_reads_go_to_the_replica_only_when_asked(self, replica_alias):
        assert _read_alias() == "default"
        with replica_reads():
            assert _read_alias() == "replica"
        assert _read_alias() == "default"

    @pytest.mark.django_db(transaction=True)
    def test_writes_and_reads_inside_a_transaction_use_the_primary(self, replica_alias):
        router = PrimaryReplicaRouter()
        with replica_reads():
            with transaction.atomic():
                assert _read_alias() == "default"
            assert router.db_for_write(Enterprise) == "default"
            # after a write the rest of the request reads its own write
            assert _read_alias() == "default"

    def test_a_job_that_reads_keeps_reading_the_replica_while_it_writes_its_progress(self, replica_alias):
        router = PrimaryReplicaRouter()
        with replica_reads(pin_on_write=False):
            assert router.db_for_write(Enterprise) == "default"  # its progress, its file: the primary
            assert _read_alias() == "replica"  # the business data: still the replica
        assert _read_alias() == "default"

    def test_report_and_list_export_jobs_read_the_replica_and_imports_do_not(self):
        from enterprises.imports.services import _ImportRunner
        from reports.list_exports import _ListExportRunner
        from reports.services import _ReportRunner
        from targets.services import _RecomputeRunner

        assert _ReportRunner.reads_replica and _ListExportRunner.reads_replica
        assert not _ImportRunner.reads_replica and not _RecomputeRunner.reads_replica  # they write

    def test_migrations_only_on_the_primary(self):
        router = PrimaryReplicaRouter()
        assert router.allow_migrate("default", "enterprises") is True
        assert router.allow_migrate("replica", "enterprises") is False


class TestReadYourWrites:
    def _middleware(self, seen):
        def view(request):
            seen.append(_read_alias())
            return HttpResponse("ok")

        return ReplicaReadsMiddleware(view)

    def test_a_client_that_wrote_reads_the_primary_for_the_pin_time(self, replica_alias, settings):
        settings.REPLICA_PIN_SECONDS = 5
        seen: list[str] = []
        middleware = self._middleware(seen)
        rf = RequestFactory()
        mine = {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}=abc"}
        other = {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}=xyz"}
        middleware(rf.get("/", **mine))
        middleware(rf.post("/", **mine))
        middleware(rf.get("/", **mine))
        middleware(rf.get("/", **other))
        assert seen == ["replica", "default", "default", "replica"]

    def test_an_api_key_is_pinned_like_a_session(self, replica_alias):
        seen: list[str] = []
        middleware = self._middleware(seen)
        rf = RequestFactory()
        key = {"HTTP_AUTHORIZATION": "Api-Key abc.def"}
        middleware(rf.patch("/api/v1/enterprises/1/", **key))
        middleware(rf.get("/api/v1/enterprises/1/", **key))
        middleware(rf.get("/api/v1/enterprises/1/", HTTP_AUTHORIZATION="Api-Key other.key"))
        assert seen == ["default", "default", "replica"]

    def test_the_pin_expires(self, replica_alias, settings):
        settings.REPLICA_PIN_SECONDS = 1
        seen: list[str] = []
        middleware = self._middleware(seen)
        rf = RequestFactory()
        mine = {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}=abc"}
        middleware(rf.post("/", **mine))
        time.sleep(1.2)
        middleware(rf.get("/", **mine))
        assert seen == ["default", "replica"]


REAL_REPLICA = os.environ.get("TEST_DATABASE_REPLICA_URL", "")


@pytest.fixture
def real_replica(settings, transactional_db):
    """The ``replica`` alias on the real streaming replica, reading the test database there (the
    test settings declare the alias as a mirror of the test database; here it gets its own server)."""
    if not REAL_REPLICA:
        pytest.skip("needs TEST_DATABASE_REPLICA_URL (a PostgreSQL streaming replica; .ci/run starts one)")
    if connections["default"].vendor != "postgresql":
        pytest.skip("the replica is a PostgreSQL streaming replica")
    found = environ.Env.db_url_config(REAL_REPLICA)
    replica = connections["replica"]
    mirrored = replica.settings_dict
    replica.close()
    replica.settings_dict = {
        **connections["default"].settings_dict,
        "HOST": found["HOST"],
        "PORT": found["PORT"],
        "USER": found["USER"],
        "PASSWORD": found.get("PASSWORD", ""),
    }
    settings.DATABASE_ROUTERS = ROUTER
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "core.db_router.ReplicaReadsMiddleware"]
    cache.clear()
    try:
        yield replica
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
        settings.DATABASE_ROUTERS = []
        replica.close()
        replica.settings_dict = mirrored


def _caught_up(replica, timeout=15.0):
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    with replica.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the replica did not catch up")


@pytest.mark.skipif(not REAL_REPLICA, reason="needs TEST_DATABASE_REPLICA_URL (.ci/run starts a replica)")
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
class TestRealReplica:
    def test_it_is_a_standby_of_the_primary(self, real_replica):
        with real_replica.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), current_database()")
            in_recovery, name = cursor.fetchone()
        assert in_recovery is True
        assert name == connections["default"].settings_dict["NAME"]

    def test_pages_read_the_replica_and_a_writer_reads_its_own_write(self, real_replica, client):
        from django.test import Client

        writer = factories.make_user(factories.Role.COUNTY_OFFICIAL, county_code="440781", username="ts_writer")
        reader = factories.make_user(factories.Role.COUNTY_OFFICIAL, county_code="440781", username="ts_reader")
        enterprise = factories.make_enterprise("440781", name="台山副本原名企业有限公司")
        client.force_login(writer)
        other = Client()
        other.force_login(reader)
        _caught_up(real_replica)  # users, sessions and the enterprise are on the replica

        with real_replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_pause()")
        edited = client.post(
            f"/enterprises/{enterprise.pk}/edit/",
            {
                "credit_code": enterprise.credit_code,
                "name": "台山主库改名企业有限公司",
                "county": enterprise.county_id,
                "status": "operating",
                "version": enterprise.version,
            },
        )
        assert edited.status_code == 302
        enterprise.refresh_from_db()
        assert enterprise.name == "台山主库改名企业有限公司"  # committed on the primary only

        # the writer reads its own write: the primary, not one query on the replica
        with CaptureQueriesContext(real_replica) as on_replica:
            page = client.get("/enterprises/")
        assert page.status_code == 200
        assert len(on_replica) == 0
        assert "台山主库改名企业有限公司" in page.content.decode()

        # another user reads the (paused) replica: the old name
        with CaptureQueriesContext(real_replica) as on_replica:
            page = other.get("/enterprises/")
        assert page.status_code == 200
        assert len(on_replica) > 0
        body = page.content.decode()
        assert "台山副本原名企业有限公司" in body and "台山主库改名企业有限公司" not in body

    def test_the_quarterly_report_job_reads_the_replica(self, real_replica):
        """Built while the replica's replay is paused, the workbook holds what the replica holds (not
        the enterprise added on the primary meanwhile), and the job's progress and outcome are on
        the primary."""
        from openpyxl import load_workbook

        from reports.models import ReportJob
        from reports.services import report_job_run

        operator = factories.make_user(factories.Role.CITY_OPERATOR, username="replica_reporter")
        factories.make_enterprise("440781", name="台山副本已有企业有限公司")
        _caught_up(real_replica)
        with real_replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_pause()")
        factories.make_enterprise("440781", name="台山主库新增企业有限公司")
        job = ReportJob.objects.create(requested_by=operator, year=2026, quarter=3)
        with CaptureQueriesContext(real_replica) as on_replica:
            report_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == "succeeded", job.error
        assert len(on_replica) > 0
        names = {
            row[2]  # 序号, 当前层级, 企业名称
            for row in load_workbook(job.file.path, read_only=True)["企业名录"].iter_rows(min_row=3, values_only=True)
        }
        assert "台山副本已有企业有限公司" in names and "台山主库新增企业有限公司" not in names
