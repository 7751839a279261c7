"""The quarterly report page in a real browser: request, progress bar driven by the polling script,
download link; and the enterprise list's export button."""

import io

import pytest
from openpyxl import load_workbook

from reports.models import ReportJob
from reports.services import report_job_run

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
    login("taishan")
    page.goto("/enterprises/")
    with page.expect_download() as info:
        page.click("text=导出 Excel")
    ws = load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).active
    names = [r[1] for r in ws.iter_rows(min_row=4, values_only=True)]
    assert names == [taishan_enterprise.name]
