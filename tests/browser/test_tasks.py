"""A unit writes and submits its quarterly progress report with an attachment in a real browser; the
lead unit accepts it; another unit cannot open it."""

import pytest
from playwright.sync_api import expect

from accounts.choices import Role
from tasks.models import ProgressReport
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_department_submits_report_and_lead_accepts_it(page, login, tmp_path, settings, department_user):
    settings.MEDIA_ROOT = tmp_path / "media"
    factories.make_user(Role.DEPARTMENT_USER, department_code="czj", username="czj")
    factories.make_user(Role.DEPARTMENT_USER, department_code="swj", username="swj")
    attachment = tmp_path / "一季度进展.pdf"
    attachment.write_bytes(PDF)

    login("czj")
    page.goto("/tasks/mine/")
    page.click("tr[data-task='2-2-1'] a.btn-primary")
    page.fill("input[name=progress_percent]", "40")
    page.fill("textarea[name=summary]", "完成专精特新企业贷款贴息审核，拨付资金320万元")
    page.fill("textarea[name=figures]", "贴息企业：18家")
    page.set_input_files("input[name=uploads]", str(attachment))
    page.click("#submit-report")
    page.wait_for_url("**/tasks/reports/*/")
    assert "已报送" in page.inner_text("#report-status")
    assert "一季度进展.pdf" in page.content()
    report = ProgressReport.objects.get(department__code="czj", task__code="2-2-1")
    assert (report.status, report.progress_percent, report.attachments.count()) == ("submitted", 40, 1)

    page.goto("/tasks/")
    cell = page.locator(f"tr[data-task='2-2-1'] td[data-unit='d{report.department_id}']")
    assert cell.get_attribute("data-status") == "submitted"

    page.context.clear_cookies()
    login("swj")  # 市商务局 neither shares nor leads 二（二）1
    response = page.goto(f"/tasks/reports/{report.pk}/")
    assert response.status == 404
    assert "拨付资金320万元" not in page.content()

    page.context.clear_cookies()
    login("kjj")  # 市科技局 leads 二（二）1
    page.goto("/tasks/mine/")
    page.click(f"#review-queue a[href='/tasks/reports/{report.pk}/']")
    page.wait_for_url(f"**/tasks/reports/{report.pk}/")
    expect(page.locator("main")).to_contain_text("拨付资金320万元")
    page.select_option("select[name=decision]", "accept")
    page.click("#review-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已采纳" in page.inner_text("#report-status")
    assert ProgressReport.objects.get(pk=report.pk).status == "accepted"
