"""The report workflow: draft → submitted → returned → submitted → accepted, with history and audit."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditLog
from core.services import StaleEditError
from tasks import services
from tasks.models import KeyTask, ProgressReport, ReportAttachment, ReportingPeriod, ReportTransition
from tests import factories

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db


def _state():
    return (
        ProgressReport.objects.count(),
        ReportTransition.objects.count(),
        ReportAttachment.objects.count(),
        AuditLog.objects.count(),
        list(ProgressReport.objects.values_list("status", "version", "summary")),
    )


def test_full_cycle_through_the_pages(client, czj_user, department_user, city_operator):
    """市财政局 writes and submits its report on 二（二）1; 市科技局 (lead) returns it, then accepts it."""
    client.force_login(czj_user)
    url = "/tasks/2-2-1/2025Q1/report/"
    response = client.post(
        url, {"progress_percent": 30, "summary": "完成资金审核", "figures": "=SUM(A1)", "action": "save"}
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(department__code="czj", task__code="2-2-1")
    assert (report.status, report.kind, report.progress_percent) == ("draft", "unit", 30)
    response = client.post(
        url,
        {
            "progress_percent": 45,
            "summary": "完成资金审核，拨付贴息",
            "version": report.version,
            "action": "submit",
            "uploads": SimpleUploadedFile("进展.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == czj_user and report.attachments.count() == 1
    # submitted: the unit can no longer change it
    response = client.post(url, {"progress_percent": 99, "summary": "改", "version": report.version, "action": "save"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.progress_percent == 45

    client.force_login(department_user)  # 市科技局 leads 二（二）1
    page = client.get("/tasks/mine/").content.decode()
    assert "完成资金审核" not in page and f"/tasks/reports/{report.pk}/" in page  # in the review queue
    response = client.post(f"/tasks/reports/{report.pk}/review/", {"decision": "return", "comment": ""})
    report.refresh_from_db()
    assert report.status == "submitted"  # returning needs a comment
    client.post(
        f"/tasks/reports/{report.pk}/review/",
        {"decision": "return", "comment": "请补充贴息金额", "version": report.version},
    )
    report.refresh_from_db()
    assert report.status == "returned" and report.review_comment == "请补充贴息金额"

    client.force_login(czj_user)
    assert "请补充贴息金额" in client.get(url).content.decode()
    client.post(
        url, {"progress_percent": 50, "summary": "拨付贴息320万元", "version": report.version, "action": "submit"}
    )
    report.refresh_from_db()
    assert report.status == "submitted"

    client.force_login(department_user)
    client.post(f"/tasks/reports/{report.pk}/review/", {"decision": "accept", "comment": "", "version": report.version})
    report.refresh_from_db()
    assert report.status == "accepted" and report.reviewed_by == department_user

    steps = list(report.transitions.values_list("from_status", "to_status"))
    assert steps == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "returned"),
        ("returned", "submitted"),
        ("submitted", "accepted"),
    ]
    audited = AuditLog.objects.filter(object_type="tasks.progressreport", object_id=str(report.pk))
    assert audited.count() >= 5
    assert AuditLog.objects.filter(object_type="tasks.reporttransition").count() == 5
    detail = client.get(f"/tasks/reports/{report.pk}/").content.decode()
    assert "拨付贴息320万元" in detail and "请补充贴息金额" in detail


def test_lead_writes_the_consolidated_report_and_the_city_reviews_it(client, department_user, city_operator, czj_user):
    factories.make_report("2-2-1", "2025Q1", department_code="czj", status="submitted", summary="财政局进展")
    client.force_login(department_user)
    page = client.get("/tasks/2-2-1/2025Q1/report/").content.decode()
    assert "财政局进展" in page  # the lead sees its co-units' reports while consolidating
    client.post(
        "/tasks/2-2-1/2025Q1/report/", {"progress_percent": 60, "summary": "汇总：各单位进展顺利", "action": "submit"}
    )
    report = ProgressReport.objects.get(department__code="kjj", task__code="2-2-1")
    assert report.kind == "consolidated" and report.status == "submitted"
    client.force_login(czj_user)
    assert client.post(f"/tasks/reports/{report.pk}/review/", {"decision": "accept"}).status_code == 404
    client.force_login(city_operator)
    client.post(f"/tasks/reports/{report.pk}/review/", {"decision": "accept", "version": report.version})
    assert ProgressReport.objects.get(pk=report.pk).status == "accepted"


def test_submitting_after_the_due_date_marks_the_report_late(czj_user, frozen_today):
    task, period = KeyTask.objects.get(code="2-2-1"), ReportingPeriod.objects.get(code="2025Q1")  # due 2025-04-10
    report = services.report_for_unit(task=task, period=period, department=czj_user.department)
    report.summary = "迟交"
    services.report_submit(actor=czj_user, report=report)
    assert ProgressReport.objects.get(pk=report.pk).is_late
    on_time = services.report_for_unit(
        task=task, period=ReportingPeriod.objects.get(code="2025Q2"), department=czj_user.department
    )
    on_time.summary = "按时"
    services.report_submit(actor=czj_user, report=on_time)
    assert not ProgressReport.objects.get(pk=on_time.pk).is_late


def test_bad_input_changes_nothing(client, czj_user):
    url = "/tasks/2-2-1/2025Q1/report/"
    client.force_login(czj_user)
    before = _state()
    for data in (
        {"progress_percent": 120, "summary": "x", "action": "save"},
        {"progress_percent": -1, "summary": "x", "action": "save"},
        {"progress_percent": "abc", "summary": "x", "action": "save"},
        {"progress_percent": 10, "summary": "", "action": "submit"},  # submitting needs the work done
        {"progress_percent": 10, "summary": "x" * 20_001, "action": "save"},
    ):
        response = client.post(url, data)
        assert response.status_code == 200, data
        assert "invalid-feedback" in response.content.decode() or "alert-danger" in response.content.decode()
        assert _state() == before, data


def test_a_stale_edit_is_refused(czj_user):
    task, period = KeyTask.objects.get(code="2-2-1"), ReportingPeriod.objects.get(code="2025Q1")
    report = services.report_for_unit(task=task, period=period, department=czj_user.department)
    report.summary = "第一版"
    services.report_save(actor=czj_user, report=report)
    first = ProgressReport.objects.get(pk=report.pk)
    second = ProgressReport.objects.get(pk=report.pk)
    first.summary = "甲"
    services.report_save(actor=czj_user, report=first, expected_version=1)
    second.summary = "乙"
    with pytest.raises(StaleEditError):
        services.report_save(actor=czj_user, report=second, expected_version=1)
    assert ProgressReport.objects.get(pk=report.pk).summary == "甲"


def test_services_refuse_reports_for_units_not_responsible(czj_user, taishan_official):
    task = KeyTask.objects.get(code="2-2-3")  # 市市场监管局, 市工业和信息化局
    period = ReportingPeriod.objects.get(code="2025Q1")
    report = services.report_for_unit(task=task, period=period, department=czj_user.department)
    report.summary = "x"
    with pytest.raises(ValidationError):
        services.report_save(actor=czj_user, report=report)
    assert not ProgressReport.objects.exists()


def test_only_submitted_reports_are_reviewed(department_user):
    report = factories.make_report("2-2-1", "2025Q1", department_code="czj", status="draft")
    with pytest.raises(ValidationError):
        services.report_review(actor=department_user, report=report, accept=True)
    assert ProgressReport.objects.get(pk=report.pk).status == "draft"
