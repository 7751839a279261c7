"""The report job through the pages: request, progress JSON, download, scoping, audit, cleanup."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditLog
from core.models import JobStatus
from reports import services
from reports.models import ReportJob
from reports.tasks import report_files_cleanup
from tests import factories

pytestmark = pytest.mark.django_db


def request_report(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/reports/", {"period": "2026Q3", **data})


def test_city_operator_requests_report_follows_progress_and_downloads(
    client, city_operator, city, django_capture_on_commit_callbacks
):
    client.force_login(city_operator)
    page = client.get("/reports/")
    assert page.status_code == 200 and "生成报告" in page.content.decode()
    response = request_report(client, django_capture_on_commit_callbacks)
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.progress == 100 and job.file
    assert job.expires_at > timezone.now()
    detail = client.get(f"/reports/{job.pk}/").content.decode()
    assert "core/js/job-poller.js" in detail and f"/reports/{job.pk}/status/" in detail
    status = client.get(f"/reports/{job.pk}/status/").json()
    assert status["status"] == "succeeded" and status["finished"] is True
    assert status["download_url"] == f"/reports/{job.pk}/download/"
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb.sheetnames[0] == "封面" and len(wb.sheetnames) == 12
    events = list(AuditLog.objects.filter(category="security", action="export").values_list("message", flat=True))
    assert len(events) == 2  # requested, downloaded
    assert any("2026Q3" in m for m in events)


def test_county_official_report_is_her_county_and_other_counties_are_404(
    client, taishan_official, kaiping_official, city, django_capture_on_commit_callbacks
):
    client.force_login(taishan_official)
    kaiping = factories.county("440783")
    # asking for another county's report: the form does not offer it, the service would answer 404
    response = request_report(client, django_capture_on_commit_callbacks, county=kaiping.code)
    assert response.status_code == 200 and ReportJob.objects.count() == 0
    response = request_report(client, django_capture_on_commit_callbacks, county="440781")
    job = ReportJob.objects.get()
    assert job.county.code == "440781" and job.status == JobStatus.SUCCEEDED
    wb = load_workbook(job.file.path)
    counties = {r[4] for r in wb["企业名录"].iter_rows(min_row=3, values_only=True)}
    assert counties == {"台山市"}
    # the Kaiping official cannot see, poll or download it
    client.force_login(kaiping_official)
    for url in (f"/reports/{job.pk}/", f"/reports/{job.pk}/status/", f"/reports/{job.pk}/download/"):
        assert client.get(url).status_code == 404, url
    with pytest.raises(Exception) as error:
        services.report_job_create(actor=taishan_official, year=2026, quarter=3, county=kaiping)
    assert error.typename == "Http404"


def test_another_users_report_is_not_found(client, city_operator, viewer, city, django_capture_on_commit_callbacks):
    client.force_login(city_operator)
    request_report(client, django_capture_on_commit_callbacks)
    job = ReportJob.objects.get()
    client.force_login(viewer)
    assert client.get(f"/reports/{job.pk}/download/").status_code == 404


def test_admin_roles_get_403(client, system_admin):
    client.force_login(system_admin)
    assert client.get("/reports/").status_code == 403
    assert client.post("/reports/", {"period": "2026Q3"}).status_code == 403
    assert ReportJob.objects.count() == 0


def test_anonymous_is_sent_to_login(client):
    response = client.get("/reports/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("period", ["2026Q5", "abc", "", "2099Q1"])
def test_bad_period_is_refused_and_nothing_is_created(
    client, city_operator, period, django_capture_on_commit_callbacks
):
    client.force_login(city_operator)
    response = request_report(client, django_capture_on_commit_callbacks, period=period)
    assert response.status_code == 200
    assert ReportJob.objects.count() == 0
    assert not AuditLog.objects.filter(action="export").exists()


def test_future_quarter_refused_by_service(city_operator):
    year = timezone.localdate().year + 1
    with pytest.raises(Exception) as error:
        services.report_job_create(actor=city_operator, year=year, quarter=1)
    assert "尚未开始" in str(error.value) or "has not started" in str(error.value)
    assert ReportJob.objects.count() == 0


def test_failed_build_is_recorded_on_the_job(
    client, city_operator, city, monkeypatch, django_capture_on_commit_callbacks
):
    def boom(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr("reports.builders.build_roster", boom)
    client.force_login(city_operator)
    request_report(client, django_capture_on_commit_callbacks)
    job = ReportJob.objects.get()
    assert job.status == JobStatus.FAILED
    assert "磁盘已满" in job.message and "RuntimeError" in job.error
    assert not job.file
    status = client.get(f"/reports/{job.pk}/status/").json()
    assert status["finished"] and status["download_url"] is None
    assert client.get(f"/reports/{job.pk}/download/").status_code == 404


def test_cleanup_removes_expired_files_only(client, city_operator, city, django_capture_on_commit_callbacks):
    client.force_login(city_operator)
    request_report(client, django_capture_on_commit_callbacks)
    request_report(client, django_capture_on_commit_callbacks)
    old, new = ReportJob.objects.order_by("id")
    old_path = old.file.path
    ReportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert report_files_cleanup.delay().get() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert not old.file and new.file
    import os

    assert not os.path.exists(old_path) and os.path.exists(new.file.path)
    assert client.get(f"/reports/{old.pk}/download/").status_code == 404
    assert services.report_files_cleanup() == 0


def test_beat_schedule_has_cleanup(settings):
    assert settings.CELERY_BEAT_SCHEDULE["reports-files-cleanup"]["task"] == "reports.report_files_cleanup"


def test_nav_links_to_reports(client, viewer):
    client.force_login(viewer)
    assert 'href="/reports/"' in client.get("/enterprises/").content.decode()
