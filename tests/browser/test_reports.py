"""The quarterly report page in a real browser: request, progress bar driven by the polling script,
download link; and the enterprise list's export button."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from reports.models import ListExportJob, ReportJob
from reports.services import report_job_run
from tests.factories import PASSWORD

from .checks import DESKTOP, PHONE, axe_violations, english_words, horizontal_overflow

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_report_and_download(page, login, city_operator, taishan_enterprise):
    login("city")
    page.click("nav >> text=季度报告")
    page.select_option("select[name=period]", "2026Q3")
    page.click("main button[type=submit]")
    page.wait_for_url("**/reports/*/")
    link = page.locator("[data-role=download-link]")
    link.wait_for(state="visible")
    with page.expect_download() as info:
        link.click()
    wb = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    assert wb.sheetnames[0] == "封面"
    names = [r[2] for r in wb["企业名录"].iter_rows(min_row=3, values_only=True)]
    assert taishan_enterprise.name in names


def test_progress_bar_polls_until_the_job_finishes(page, login, city_operator, taishan_enterprise):
    job = ReportJob.objects.create(requested_by=city_operator, year=2026, quarter=3)
    login("city")
    page.goto(f"/reports/{job.pk}/")
    assert page.locator("[data-role=download]").is_hidden()
    report_job_run(job_id=job.pk)  # the worker finishes while the page is open
    page.locator("[data-role=download-link]").wait_for(state="visible", timeout=20_000)
    assert page.locator("[data-role=bar]").inner_text() == "100%"
    assert "bg-success" in page.locator("[data-role=bar]").get_attribute("class")


def test_enterprise_list_export_button(page, login, taishan_official, taishan_enterprise, kaiping_enterprise):
    """The button records an export job; its page follows the progress and offers the file."""
    login("taishan")
    page.goto("/enterprises/")
    page.click("text=导出 Excel")
    page.wait_for_url("**/reports/exports/*/")
    link = page.locator("[data-role=download-link]")
    link.wait_for(state="visible")
    with page.expect_download() as info:
        link.click()
    ws = load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).active
    names = [r[1] for r in ws.iter_rows(min_row=4, values_only=True)]
    assert names == [taishan_enterprise.name]


@pytest.fixture
def audit_page(_browser, live_server):
    """A page whose context lets the test inject axe-core (see tests/browser/test_workbench.py)."""
    context = _browser.new_context(base_url=live_server.url, locale="zh-CN", bypass_csp=True, viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_statistics_export_page_is_accessible_chinese_and_fits_a_phone(audit_page, city_operator, taishan_enterprise):
    """The export's page (new in issue 20) as the navigation's pages are checked: HTTP 200, no
    serious axe violation, no English word, no overflow at 1440 or 390 px; then a failed export."""
    page = audit_page
    page.goto("/accounts/login/")
    page.fill("input[name=username]", city_operator.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto("/reports/statistics/")
    page.click("text=导出 Excel")
    page.wait_for_url("**/reports/exports/*/")
    page.locator("[data-role=download-link]").wait_for(state="visible")
    job = ListExportJob.objects.get()
    response = page.goto(f"/reports/exports/{job.pk}/", wait_until="load")
    assert response is not None and response.status == 200
    assert axe_violations(page) == []
    assert english_words(page, frozenset({city_operator.username})) == []
    assert horizontal_overflow(page) == 0
    page.set_viewport_size(PHONE)
    assert horizontal_overflow(page) == 0
    # a job that failed says so in Chinese, with no download
    failed = ListExportJob.objects.create(
        requested_by=city_operator, kind="titles", status="failed", message="导出未能完成：磁盘已满"
    )
    page.goto(f"/reports/exports/{failed.pk}/")
    expect(page.locator("[data-role=message]")).to_have_text("导出未能完成：磁盘已满")
    assert page.locator("[data-role=download]").is_hidden()
    assert english_words(page, frozenset({city_operator.username})) == []
