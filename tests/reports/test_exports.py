"""List exports as jobs: the POST records the job, which writes what the page shows (same filters,
scoped, same order) to a file its requester alone downloads; every step audited, no query per row."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditLog
from core.models import JobStatus
from reports.models import ListExportJob
from reports.tasks import report_files_cleanup
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(client, django_capture_on_commit_callbacks):
    """POST the list's export button (the list's query in the URL), run the job (eager Celery) and
    return the job and the downloaded workbook (None when the job has no file)."""

    def run(url, params=None):
        target = url + (f"?{urlencode(params, doseq=True)}" if params else "")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(target)
        assert response.status_code == 302, response
        job = ListExportJob.objects.order_by("-id").first()
        assert job is not None and response["Location"] == f"/reports/exports/{job.pk}/"
        job.refresh_from_db()
        if not job.is_downloadable:
            return job, None
        return job, workbook(client.get(f"/reports/exports/{job.pk}/download/"))

    return run


def workbook(response):
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def body(ws):
    return [list(r) for r in ws.iter_rows(min_row=4, values_only=True)]


def test_enterprise_list_has_an_export_button_with_the_same_filters(client, city_operator, city):
    client.force_login(city_operator)
    html = client.get("/enterprises/", {"county": "440781", "tier": "innovative", "page": "1"}).content.decode()
    assert 'method="post" action="/reports/export/enterprises/?county=440781&amp;tier=innovative"' in html


def test_enterprise_export_job_equals_filtered_page(client, city_operator, city, export):
    client.force_login(city_operator)
    params = {"county": "440781", "tier": "innovative"}
    page = client.get("/enterprises/", params)
    shown = [e.name for e in page.context["enterprises"]]
    job, wb = export("/reports/export/enterprises/", params)
    assert job.status == JobStatus.SUCCEEDED and job.kind == "enterprises" and job.row_count == 2
    assert job.params == [["county", "440781"], ["tier", "innovative"]] and job.county is None
    ws = wb.active
    assert [c.value for c in ws[3]][:5] == ["序号", "名称", "统一社会信用代码", "县（市、区）", "当前层级"]
    rows = body(ws)
    # Taishan's innovative enterprises by name: 台山二号新材料 and 台山四号五金 (ts1 is provincial now)
    assert [r[1] for r in rows] == shown == ["台山二号新材料有限公司", "台山四号五金有限公司"]
    assert rows[0][0] == 1 and rows[0][3] == "台山市" and rows[0][4] == "创新型中小企业"
    assert "县（市、区）：台山市" in ws["A2"].value  # the filters are written above the table
    events = list(
        AuditLog.objects.filter(category="security", action="export").order_by("id").values_list("actor", "message")
    )
    assert [actor for actor, _ in events] == [city_operator.pk] * 3  # requested, written, downloaded
    assert "2" in events[1][1] and "2" in events[2][1]  # the row count


def test_export_page_shows_progress_and_the_download_link(client, city_operator, city, export):
    client.force_login(city_operator)
    job, _wb = export("/reports/statistics/export/", {"year": "2026"})
    detail = client.get(f"/reports/exports/{job.pk}/")
    html = detail.content.decode()
    assert detail.status_code == 200 and "core/js/job-poller.js" in html
    assert f'data-status-url="/reports/exports/{job.pk}/status/"' in html
    assert "导出完成：3 行" in html and f"/reports/exports/{job.pk}/download/" in html
    assert "/reports/statistics/?year=2026" in html  # back to the list with the same filters
    status = client.get(f"/reports/exports/{job.pk}/status/").json()
    assert status["status"] == "succeeded" and status["progress"] == 100 and status["finished"] is True
    assert status["download_url"] == f"/reports/exports/{job.pk}/download/"
    index = client.get("/reports/").content.decode()
    assert "统计数据列表" in index and f"/reports/exports/{job.pk}/download/" in index


def test_progress_is_reported_while_rows_are_written(client, city_operator, city, export, monkeypatch):
    seen = []
    real = ListExportJob.set_progress

    def record(job, percent, message=""):
        seen.append((percent, message))
        real(job, percent, message)

    monkeypatch.setattr("reports.exports.CHUNK", 1)
    monkeypatch.setattr(ListExportJob, "set_progress", record)
    client.force_login(city_operator)
    export("/reports/statistics/export/", {"year": "2026"})
    # 3 rows: 2 % before the first, then 2 + 93·n/3 after each row
    assert seen == [
        (2, "共 3 行待写入"),
        (33, "已写入 1 / 3 行"),
        (64, "已写入 2 / 3 行"),
        (95, "已写入 3 / 3 行"),
    ]


def test_enterprise_export_masks_contacts_and_neutralises_formulas(client, city_operator, city, export):
    client.force_login(city_operator)
    _job, wb = export("/reports/export/enterprises/", {"q": "HYPERLINK"})
    ws = wb.active
    (row,) = body(ws)
    assert row[1] == city["ts1"].name
    name_cell = ws.cell(row=4, column=2)
    assert name_cell.data_type == "s" and name_cell.quotePrefix is True
    assert row[7] == "@*******"  # masked like the page; still text, never a formula
    assert ws.cell(row=4, column=8).data_type == "s"


def test_county_official_exports_only_her_county(client, taishan_official, city, export):
    client.force_login(taishan_official)
    # Taishan holds 4 enterprises (ts1–ts4), 5 titles (ts1 two, ts2–ts4 one each), 2 statistics (ts1)
    for url, expected in (
        ("/reports/export/enterprises/", 4),
        ("/reports/titles/export/", 5),
        ("/reports/statistics/export/", 2),
    ):
        job, wb = export(url)
        rows = body(wb.active)
        assert {r[3] for r in rows} == {"台山市"}, url
        assert len(rows) == expected == job.row_count, url
        assert job.county.code == "440781"
    # a filter naming another county is not a way around the scope: back to the list, nothing recorded
    before = ListExportJob.objects.count()
    response = client.post("/reports/export/enterprises/?county=440783", follow=True)
    assert response.redirect_chain[0][0] == "/enterprises/?county=440783"
    assert "未导出" in response.content.decode() and ListExportJob.objects.count() == before


def test_another_county_or_another_user_cannot_see_poll_or_download(
    client, taishan_official, kaiping_official, viewer, city, export
):
    client.force_login(taishan_official)
    job, _wb = export("/reports/statistics/export/")
    colleague = factories.make_user("county_official", username="taishan2", county_code="440781")
    for other in (kaiping_official, colleague, viewer):
        client.force_login(other)
        for url in (f"/reports/exports/{job.pk}/", f"/reports/exports/{job.pk}/status/"):
            assert client.get(url).status_code == 404, (other, url)
        assert client.get(f"/reports/exports/{job.pk}/download/").status_code == 404, other
        assert f"/reports/exports/{job.pk}/" not in client.get("/reports/").content.decode()
    assert AuditLog.objects.filter(action="export", actor__in=[kaiping_official, colleague, viewer]).count() == 0


def test_invalid_filter_redirects_with_message_and_records_nothing(client, city_operator, city):
    client.force_login(city_operator)
    response = client.post("/reports/titles/export/?recognised_from=not-a-date", follow=True)
    assert response.redirect_chain[0][0] == "/reports/titles/?recognised_from=not-a-date"
    assert "未导出" in response.content.decode()
    assert not ListExportJob.objects.exists()
    assert not AuditLog.objects.filter(action="export").exists()


def test_get_on_an_export_url_goes_back_to_the_list_and_records_nothing(client, city_operator, city):
    client.force_login(city_operator)
    response = client.get("/reports/statistics/export/", {"year": "2026", "page": "2"})
    assert response.status_code == 302 and response["Location"] == "/reports/statistics/?year=2026&page=2"
    assert not ListExportJob.objects.exists()


def test_admin_roles_cannot_export(client, system_admin, city):
    client.force_login(system_admin)
    for url in ("/reports/export/enterprises/", "/reports/titles/export/", "/reports/statistics/export/"):
        assert client.post(url).status_code == 403, url
    for url in ("/reports/titles/", "/reports/statistics/"):
        assert client.get(url).status_code == 403, url
    assert not ListExportJob.objects.exists()


def test_failed_export_shows_a_chinese_message_and_leaves_no_file(client, city_operator, city, export, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr("reports.xlsx.SheetWriter.row", boom)
    client.force_login(city_operator)
    job, wb = export("/reports/statistics/export/")
    assert wb is None and job.status == JobStatus.FAILED and not job.file
    assert job.message == "导出未能完成：磁盘已满" and "OSError" in job.error
    status = client.get(f"/reports/exports/{job.pk}/status/").json()
    assert status["finished"] and status["download_url"] is None and status["message"] == "导出未能完成：磁盘已满"
    assert "导出未能完成：磁盘已满" in client.get(f"/reports/exports/{job.pk}/").content.decode()
    assert client.get(f"/reports/exports/{job.pk}/download/").status_code == 404


def test_export_refused_when_the_requesters_county_changed(
    client, taishan_official, city, django_capture_on_commit_callbacks
):
    client.force_login(taishan_official)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post("/reports/statistics/export/")
    taishan_official.county = factories.county("440783")  # moved before the job ran
    taishan_official.save()
    for callback in queued:
        callback()
    job = ListExportJob.objects.get()
    assert job.status == JobStatus.FAILED and not job.file and not job.error
    assert job.message.startswith("导出被拒绝：") and "县" in job.message


def test_title_list_and_export_with_filters(client, city_operator, city, export):
    client.force_login(city_operator)
    params = {"tier": "innovative", "county": "440783"}
    page = client.get("/reports/titles/", params)
    assert page.status_code == 200
    html = page.content.decode()
    assert city["kp3"].name in html and city["ts2"].name not in html
    assert 'action="/reports/titles/export/?tier=innovative&amp;county=440783"' in html
    _job, wb = export("/reports/titles/export/", params)
    ws = wb.active
    rows = body(ws)
    assert [r[1] for r in rows] == [city["kp3"].name]
    assert rows[0][6] == dt.datetime(2024, 1, 16) and ws.cell(row=4, column=7).number_format == "yyyy-mm-dd"


def test_statistic_list_and_export_keep_numbers(client, city_operator, city, export):
    client.force_login(city_operator)
    params = {"year": "2026", "quarter": "3"}
    page = client.get("/reports/statistics/", params)
    assert page.status_code == 200 and city["kp1"].name in page.content.decode()
    _job, wb = export("/reports/statistics/export/", params)
    ws = wb.active
    header = [c.value for c in ws[3]]
    assert (
        header[:5] == ["序号", "企业名称", "统一社会信用代码", "县（市、区）", "报告期"]
        and len(header) == 5 + 8 + 6 + 2
    )
    assert header[5] == "工业总产值（万元）" and header[-1] == "是否填补技术空白或替代进口（是/否）"
    rows = {r[1]: r for r in body(ws)}
    assert set(rows) == {city["ts1"].name, city["kp1"].name}
    ts1 = rows[city["ts1"].name]
    assert ts1[4] == "2026Q3"
    assert ts1[5] == pytest.approx(12345.67) and ts1[8] == pytest.approx(-50.5)
    assert ts1[13] == 230  # employees
    assert ws.cell(row=4, column=6).number_format == "#,##0.00"


def test_statistic_export_rows_in_the_lists_order(client, city_operator, city, export):
    """2026Q3 before 2026Q2; within a quarter Taishan (sort order) before Kaiping."""
    client.force_login(city_operator)
    _job, wb = export("/reports/statistics/export/")
    rows = [(r[0], r[3], r[4], r[5]) for r in body(wb.active)]
    assert rows == [
        (1, "台山市", "2026Q3", pytest.approx(12345.67)),
        (2, "开平市", "2026Q3", pytest.approx(99999.99)),
        (3, "台山市", "2026Q2", pytest.approx(8000)),
    ]


def test_export_jobs_do_not_query_per_row(client, city_operator, city, django_assert_max_num_queries, export):
    for i in range(40):
        e = factories.make_enterprise("440784", name=f"鹤山批量{i}")
        factories.make_title(e, "innovative", dt.date(2025, 7, 1))
        factories.make_statistic(e, 2026, 3, revenue=Decimal(i))
    client.force_login(city_operator)
    for url in ("/reports/export/enterprises/", "/reports/titles/export/", "/reports/statistics/export/"):
        with django_assert_max_num_queries(45):
            job, wb = export(url)
        assert job.row_count >= 40 and len(body(wb.active)) == job.row_count


def test_cleanup_removes_expired_export_files(client, city_operator, city, export):
    client.force_login(city_operator)
    old, _ = export("/reports/statistics/export/")
    new, _ = export("/reports/titles/export/")
    assert new.expires_at - timezone.now() > dt.timedelta(hours=23)  # kept a day (LIST_EXPORT_RETENTION_HOURS)
    ListExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert report_files_cleanup.delay().get() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert not old.file and new.file
    assert client.get(f"/reports/exports/{old.pk}/download/").status_code == 404
    assert "已过期" in client.get(f"/reports/exports/{old.pk}/").content.decode()


def test_export_task_is_routed_to_the_reports_queue(settings):
    assert settings.CELERY_TASK_ROUTES["reports.build_list_export"] == {"queue": "reports"}
