"""The job runner's stale rule applied on every read (issue 21 point 11): a job whose worker died
(started long ago, never finished) shows as failed with a Chinese reason on the status view, the
API and the list pages, before the beat job runs; a job still within its time limit is left alone."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Place
from core.jobs import JobRunner
from core.tasks import fail_stale_jobs
from enterprises.models import ImportState, StatisticImport
from reports.models import ReportJob
from targets.models import RecomputeRun
from tests import factories
from tests.api.conftest import keyed

pytestmark = pytest.mark.django_db

LONG_AGO = dt.timedelta(hours=2)  # CELERY_TASK_TIME_LIMIT is 1800 s: a worker alive would have ended


def _died(job, *, started=True):
    """The row as a worker that died leaves it: running (or still pending), never finished."""
    then = timezone.now() - LONG_AGO
    type(job).objects.filter(pk=job.pk).update(
        status="running" if started else "pending",
        progress=40,
        started_at=then if started else None,
        created_at=then,
        finished_at=None,
        message="",
    )


def _import_that_died(county_code="440781"):
    job = factories.make_statistic_import(county_code)
    _died(job)
    return job


def test_web_status_view_shows_a_dead_import_failed_with_a_chinese_reason(client, taishan_official):
    job = _import_that_died()
    client.force_login(taishan_official)
    data = client.get(f"/enterprises/imports/{job.pk}/status/").json()
    assert data["status"] == "failed" and data["finished"] is True
    assert data["state"] == ImportState.FAILED
    assert data["message"] == "导入任务未能完成（后台进程已停止或超时），未写入任何数据。请重新上传文件。"
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None  # stored, not only shown


def test_api_detail_and_list_show_a_dead_import_failed(db):
    read_api = keyed("数据平台（只读）")
    detail = _import_that_died()
    row = read_api.client.get(f"/api/v1/statistics-imports/{detail.pk}/").json()
    assert row["status"] == "failed" and row["state"] == "failed" and "未写入任何数据" in row["message"]
    listed = _import_that_died()
    rows = read_api.client.get("/api/v1/statistics-imports/").json()["results"]
    assert {r["id"]: r["status"] for r in rows}[listed.pk] == "failed"


def test_list_page_shows_a_dead_import_failed(client, taishan_official):
    job = _import_that_died()
    client.force_login(taishan_official)
    assert client.get("/enterprises/imports/").status_code == 200
    job.refresh_from_db()
    assert job.status == "failed"


def test_a_job_within_its_time_limit_is_left_running(client, taishan_official):
    job = factories.make_statistic_import("440781")
    StatisticImport.objects.filter(pk=job.pk).update(
        status="running", finished_at=None, started_at=timezone.now() - dt.timedelta(minutes=10)
    )
    client.force_login(taishan_official)
    data = client.get(f"/enterprises/imports/{job.pk}/status/").json()
    assert data["status"] == "running" and data["finished"] is False
    assert fail_stale_jobs.delay().get() == 0


def test_a_dead_report_job_and_recompute_run_fail_on_their_status_reads(client, city_operator):
    report = ReportJob.objects.create(
        requested_by=city_operator, year=2026, quarter=1, county=Place.objects.get(code="440781")
    )
    _died(report, started=False)  # queued, never picked up
    run = RecomputeRun.objects.create()
    _died(run)
    client.force_login(city_operator)
    data = client.get(f"/reports/{report.pk}/status/").json()
    assert data["status"] == "failed" and data["download_url"] is None
    assert data["message"] == "任务未能完成（后台进程已停止或超时）。请重试。"
    data = client.get(f"/targets/runs/{run.pk}/status/").json()
    assert data["status"] == "failed" and data["status_label"] == "未通过" and "locked" in data


def test_beat_job_fails_dead_jobs_of_every_kind(city_operator):
    _import_that_died()
    _died(RecomputeRun.objects.create())
    _died(ReportJob.objects.create(requested_by=factories.make_user(Role.CITY_OPERATOR), year=2026, quarter=1))
    assert fail_stale_jobs.delay().get() == 3
    assert fail_stale_jobs.delay().get() == 0  # idempotent


# -- core.jobs.JobRunner: one body for every job -------------------------------------------------


class _Runner(JobRunner[ReportJob]):
    """A job whose work is given by the test: a message, None (the body records its end) or an error."""

    model = ReportJob
    refusals = (PermissionDenied,)
    outcome: object = None
    worked = 0

    def work(self):
        type(self).worked += 1
        self.progress(40, "半程")
        assert ReportJob.objects.get(pk=self.job.pk).status == "running"  # started before the work
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def _report_job(user):
    return ReportJob.objects.create(requested_by=user, year=2026, quarter=1)


def test_runner_success_records_the_message_and_the_end(city_operator):
    _Runner.outcome = "报表已生成"
    job = _Runner.run_id(_report_job(city_operator).pk)
    job.refresh_from_db()
    assert (job.status, job.progress, job.message, job.error) == ("succeeded", 100, "报表已生成", "")
    assert job.started_at is not None and job.finished_at >= job.started_at


def test_runner_refusal_fails_without_traceback(city_operator):
    _Runner.outcome = PermissionDenied("无权操作")
    job = _Runner(_report_job(city_operator)).run()
    job.refresh_from_db()
    assert (job.status, job.message, job.error, job.progress) == ("failed", "无权操作", "", 40)


def test_runner_failure_keeps_the_traceback_and_reraises_when_asked(city_operator):
    _Runner.outcome = RuntimeError("磁盘已满")
    job = _Runner(_report_job(city_operator)).run()  # reraise is off: recorded, not raised
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "磁盘已满")
    assert "Traceback" in job.error and "RuntimeError: 磁盘已满" in job.error

    class Reraising(_Runner):
        reraise = True

    with pytest.raises(RuntimeError):
        Reraising(_report_job(city_operator)).run()
    assert ReportJob.objects.order_by("-pk").first().status == "failed"


def test_runner_leaves_a_finished_job_alone(city_operator):
    _Runner.outcome, _Runner.worked = "第二次", 0
    job = _report_job(city_operator)
    job.mark_succeeded("第一次")
    _Runner(job).run()  # a message delivered twice
    job.refresh_from_db()
    assert (_Runner.worked, job.message) == (0, "第一次")
    assert _Runner.run_id(10**9) is None  # the row is gone
