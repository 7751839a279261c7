"""A county official uploads a small statistics file in a real browser and sees the preview."""

import pytest
from playwright.sync_api import expect

from enterprises.models import Statistic
from tests.factories import make_enterprise, make_statistics_workbook, statistics_row

pytestmark = pytest.mark.django_db(transaction=True)


def test_upload_shows_preview_with_counts_and_errors(
    page, login, taishan_official, taishan_enterprise, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    other = make_enterprise("440781")
    path = tmp_path / "统计2024Q1.xlsx"
    make_statistics_workbook(
        [
            statistics_row(taishan_enterprise, "2024Q1", revenue="1,200", employees=30),
            statistics_row(other, "2024Q1", digital_level=7),
        ],
        path=path,
    )
    login("taishan")
    page.click("nav .dropdown-toggle:has-text('企业数据')")
    page.click("nav >> text=统计数据导入")
    page.click("text=上传统计数据")
    page.set_input_files("input[name=file]", str(path))
    page.click("main button[type=submit]")
    page.wait_for_selector("#import-counts")
    assert page.inner_text("[data-count=new]") == "1"
    assert page.inner_text("[data-count=errors]") == "1"
    errors = page.inner_text("#import-errors")
    assert "数字化水平等级" in errors and "3" in errors
    assert page.is_visible("#id_skip_error_rows")
    assert not Statistic.objects.exists()

    # import_confirm.js disables the button once it has run; expect() waits for it.
    expect(page.locator("#import-confirm-form button[type=submit]")).to_be_disabled()
    page.check("#id_skip_error_rows")
    page.click("#import-confirm-form button[type=submit]")
    page.wait_for_selector("text=已写入")
    assert Statistic.objects.filter(enterprise=taishan_enterprise).count() == 1
    assert not Statistic.objects.filter(enterprise=other).exists()


def test_progress_bar_polls_and_shows_the_preview_when_the_job_ends(
    page, login, taishan_official, taishan_enterprise, tmp_path, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from enterprises.imports import services

    settings.MEDIA_ROOT = tmp_path / "media"
    data = make_statistics_workbook([statistics_row(taishan_enterprise, "2024Q2", revenue=5)])
    imp = services.statistic_import_create(
        actor=taishan_official, enqueue=False, uploaded_file=SimpleUploadedFile("q2.xlsx", data)
    )
    imp.set_progress(40, "正在读取并校验各行数据……")
    login("taishan")
    page.goto(imp.get_absolute_url())
    assert page.is_visible("#import-progress progress")
    assert page.get_attribute("#import-progress progress", "value") == "40"
    services.statistic_import_check(import_id=imp.pk)  # the job finishes while the page polls
    page.wait_for_selector("#import-counts", timeout=20_000)
    assert page.inner_text("[data-count=new]") == "1"


def test_city_operator_imports_a_recognition_list_with_a_merged_title_row(
    page, login, city_operator, tmp_path, settings
):
    import io
    import re

    from openpyxl import Workbook

    from enterprises.models import Title

    settings.MEDIA_ROOT = tmp_path / "media"
    by_code = make_enterprise("440781", name="浏览器甲科技有限公司")
    by_name = make_enterprise("440783", name="浏览器乙（开平）有限公司")
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年江门市创新型中小企业名单（第一批）"])
    ws.merge_cells("A1:D1")
    ws.append(["序号", "企业名称", "统一社会信用代码", "所在地区"])
    ws.append([1, by_code.name, by_code.credit_code, "江门市台山市"])
    ws.append([2, "浏览器乙(开平)有限公司", "", "开平市"])
    path = tmp_path / "创新型名单.xlsx"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())

    login("city")
    page.goto("/enterprises/imports/")
    page.click("text=导入认定名单")
    page.select_option("select[name=tier]", "innovative")
    page.fill("input[name=batch]", "2024年第一批")
    page.fill("input[name=recognised_on]", "2024-03-01")
    page.set_input_files("input[name=file]", str(path))
    page.click("main button[type=submit]")
    page.wait_for_selector("#import-preview")
    assert page.inner_text("[data-count=new]") == "2"
    preview = page.inner_text("#import-preview")
    assert "浏览器甲科技有限公司" in preview and "统一社会信用代码" in preview
    assert "浏览器乙（开平）有限公司" in preview and "企业名称" in preview  # matched by name
    for part in ("h1", "#import-preview thead", "#import-counts", "#import-confirm-form"):  # no English left
        assert not re.search(r"[A-Za-z]{4,}", page.inner_text(part)), part
    page.click("#import-confirm-form button[type=submit]")
    page.wait_for_selector("text=已写入")
    assert Title.objects.filter(enterprise__in=[by_code, by_name], tier__code="innovative").count() == 2
