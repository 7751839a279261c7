"""The enterprise roster kind of the import engine: create, update, idempotent re-run, scoping both
ways, county moves, every error class, hostile files, template round trip, CLI and undo."""

import datetime as dt
import io
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.models import AuditLog, Place
from enterprises import services as enterprise_services
from enterprises.identifiers import make_credit_code
from enterprises.imports import services
from enterprises.imports.engine import get_kind
from enterprises.models import Enterprise, EnterpriseCountyChange, EnterpriseImportChange, ImportState
from tests.enterprises.imports.conftest import uploaded
from tests.factories import make_enterprise

pytestmark = pytest.mark.django_db

HEADERS = ["统一社会信用代码", "企业名称", "所属县（市、区）", "行业代码", "注册地址", "成立日期", "联系人", "联系电话"]


def roster_state():
    return (
        list(Enterprise.objects.order_by("pk").values()),
        EnterpriseImportChange.objects.count(),
        AuditLog.objects.filter(Q(action__in=["import", "undo"])).count(),
    )


def book(rows, *, headers=HEADERS, title: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "企业名录"
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def check(user, data: bytes):
    imp = services.statistic_import_create(
        actor=user, uploaded_file=uploaded(data, "名录.xlsx"), enqueue=False, kind="roster"
    )
    return services.statistic_import_check(import_id=imp.pk)


def commit(user, imp, *, skip=False):
    services.statistic_import_confirm(actor=user, statistic_import=imp, skip_error_rows=skip, enqueue=False)
    return services.statistic_import_commit(import_id=imp.pk)


def test_city_operator_creates_updates_and_a_rerun_changes_nothing(city_operator):
    known = make_enterprise("440781", name="台山旧名有限公司")
    new_code = make_credit_code("440783", 777)
    lower_code = make_credit_code("440781", 778)
    data = book(
        [
            [known.credit_code, "台山新名有限公司", "台山市", "", "", "", "", ""],
            # full-width, lower case, spaces: stored canonical (half-width, upper case)
            [
                " " + lower_code.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}),
                "台山甲有限公司",
                "440781",
                "3484",
                "台山市台城示例路1号",
                "2015年3月1日",
                "张三",
                "0750-5123456",
            ],
            [new_code, "开平乙有限公司", "江门市开平市", "", "", "2018-06-30", "", "13800138000"],
        ]
    )
    imp = check(city_operator, data)
    assert imp.state == ImportState.CHECKED and imp.errors == []
    # 1 known code with a new name = changed; 2 new codes = new
    assert (imp.new_count, imp.changed_count, imp.unchanged_count) == (2, 1, 0)
    assert imp.preview[0]["row"] == 2 and ["名称", "台山旧名有限公司", "台山新名有限公司"] in imp.preview[0]["changes"]
    imp = commit(city_operator, imp)
    assert imp.state == ImportState.COMMITTED
    known.refresh_from_db()
    assert known.name == "台山新名有限公司" and known.version == 2
    created = Enterprise.objects.get(credit_code=lower_code)
    assert created.county.code == "440781" and created.industry.code == "34"  # class 3484 → division 34
    assert str(created.established_on) == "2015-03-01" and created.contact_phone == "0750-5123456"
    assert Enterprise.objects.get(credit_code=new_code).county.code == "440783"
    seal = AuditLog.objects.get(action="import", object_id=str(imp.pk))
    assert seal.after["change_set"]["kind"] == "enterprise_import" and seal.after["change_set"]["rows"] == 3

    before = roster_state()
    again = check(city_operator, data)
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 3)
    with pytest.raises(ValidationError, match="没有需要写入"):
        commit(city_operator, again)
    assert roster_state()[0] == before[0]  # versions and update times untouched


def test_county_official_imports_her_county_only(taishan_official):
    kaiping = make_enterprise("440783")
    taishan_code = make_credit_code("440781", 901)
    data = book(
        [
            [taishan_code, "台山丙有限公司", "", "", "", "", "", ""],  # county defaults to hers
            [make_credit_code("440783", 902), "开平丁有限公司", "开平市", "", "", "", "", ""],
            [kaiping.credit_code, "改名", "台山市", "", "", "", "", ""],
        ]
    )
    before = roster_state()
    imp = check(taishan_official, data)
    assert [(e["row"], e["column"]) for e in imp.errors] == [(3, "所属县（市、区）"), (4, "统一社会信用代码")]
    assert "不是本县" in imp.errors[0]["message"] or "开平市" in imp.errors[0]["message"]
    assert "开平市" in imp.errors[1]["message"]
    with pytest.raises(ValidationError):
        commit(taishan_official, imp)
    assert roster_state() == before
    imp = commit(taishan_official, imp, skip=True)
    assert Enterprise.objects.get(credit_code=taishan_code).county.code == "440781"
    kaiping.refresh_from_db()
    assert kaiping.name != "改名" and kaiping.version == 1


def test_city_move_is_reported_and_undone(city_operator):
    moved = make_enterprise("440781")
    imp = check(city_operator, book([[moved.credit_code, moved.name, "开平市", "", "", "", "", ""]]))
    assert imp.changed_count == 1 and "开平市" in imp.message and "台山市" in imp.message
    imp = commit(city_operator, imp)
    moved.refresh_from_db()
    assert moved.county.code == "440783" and moved.version == 2
    services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    moved.refresh_from_db()
    assert moved.county.code == "440781" and moved.version == 3


MOVE_HEADERS = [*HEADERS, "迁移生效日期"]


def test_city_move_without_a_date_takes_effect_the_day_it_is_written(city_operator):
    moved = make_enterprise("440781")
    imp = check(city_operator, book([[moved.credit_code, moved.name, "开平市", "", "", "", "", ""]]))
    assert f"第2行：{moved.credit_code} 由台山市迁至开平市，生效日期 导入写入之日" in imp.message
    assert ["县（市、区）", "台山市", "开平市（导入写入之日起）"] in imp.preview[0]["changes"]
    imp = commit(city_operator, imp)
    change = EnterpriseCountyChange.objects.get(enterprise=moved)
    assert (change.from_county.code, change.to_county.code) == ("440781", "440783")
    assert change.effective_on == timezone.localdate()
    assert (change.statistic_import_id, change.recorded_by) == (imp.pk, city_operator)


def test_city_move_with_its_date_is_recorded_and_undone(city_operator):
    moved = make_enterprise("440781")
    stays = make_enterprise("440781")
    rows = [
        [moved.credit_code, moved.name, "开平市", "", "", "", "", "", "2025年7月1日"],
        [stays.credit_code, "台山改名有限公司", "台山市", "", "", "", "", "", ""],  # no move: no change row
    ]
    imp = check(city_operator, book(rows, headers=MOVE_HEADERS))
    assert imp.errors == [] and imp.changed_count == 2
    assert f"第2行：{moved.credit_code} 由台山市迁至开平市，生效日期 2025-07-01" in imp.message
    assert ["县（市、区）", "台山市", "开平市（2025-07-01起）"] in imp.preview[0]["changes"]
    imp = commit(city_operator, imp)
    change = EnterpriseCountyChange.objects.get()
    assert (change.enterprise_id, change.effective_on, change.statistic_import_id) == (
        moved.pk,
        dt.date(2025, 7, 1),
        imp.pk,
    )
    assert change.note == f"企业名录导入 #{imp.pk}"
    moved.refresh_from_db()
    assert moved.county.code == "440783"
    services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    moved.refresh_from_db()
    assert moved.county.code == "440781" and not EnterpriseCountyChange.objects.exists()


def test_a_move_dated_before_the_latest_move_or_in_the_future_is_an_error(city_operator):
    moved = make_enterprise("440781")
    enterprise_services.enterprise_move(
        actor=city_operator,
        enterprise=Enterprise.objects.get(pk=moved.pk),
        to_county=Place.objects.get(code="440783"),
        effective_on=dt.date(2025, 7, 1),
    )
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    rows = [
        [moved.credit_code, moved.name, "恩平市", "", "", "", "", "", "2025-03-01"],
        [make_enterprise("440781").credit_code, "台山甲有限公司", "开平市", "", "", "", "", "", future],
        [make_enterprise("440781").credit_code, "台山乙有限公司", "开平市", "", "", "", "", "", "下月"],
    ]
    before = roster_state(), EnterpriseCountyChange.objects.count()
    imp = check(city_operator, book(rows, headers=MOVE_HEADERS))
    assert [(e["row"], e["column"]) for e in imp.errors] == [
        (2, "迁移生效日期"),
        (3, "迁移生效日期"),
        (4, "迁移生效日期"),
    ]
    assert imp.errors[0]["message"] == "迁移生效日期不能早于该企业最近一次迁移（2025-07-01）：请按发生先后记录迁移。"
    assert imp.errors[1]["message"] == "迁移生效日期不能晚于今天。"
    assert "不是日期" in imp.errors[2]["message"] or "下月" in imp.errors[2]["message"]
    with pytest.raises(ValidationError):
        commit(city_operator, imp)
    assert (roster_state(), EnterpriseCountyChange.objects.count()) == before


def test_a_move_is_still_an_error_for_a_county_official_with_a_date(taishan_official):
    mine = make_enterprise("440781")
    before = roster_state(), EnterpriseCountyChange.objects.count()
    imp = check(
        taishan_official,
        book([[mine.credit_code, mine.name, "开平市", "", "", "", "", "", "2025-07-01"]], headers=MOVE_HEADERS),
    )
    assert [(e["row"], e["column"]) for e in imp.errors] == [(2, "所属县（市、区）")]
    with pytest.raises(ValidationError):
        commit(taishan_official, imp)
    assert (roster_state(), EnterpriseCountyChange.objects.count()) == before


def test_undo_refused_after_a_later_edit_naming_the_rows(city_operator):
    a = make_enterprise("440781")
    imp = commit(city_operator, check(city_operator, book([[a.credit_code, "新名有限公司", "", "", "", "", "", ""]])))
    Enterprise.objects.filter(pk=a.pk).update(version=5)  # a later edit
    with pytest.raises(ValidationError, match="第 2 行"):
        services.statistic_import_undo(actor=city_operator, statistic_import=imp)


def test_every_error_names_the_excel_row_and_column(city_operator):
    good = make_credit_code("440781", 950)
    data = book(
        [
            ["", "无代码有限公司", "台山市", "", "", "", "", ""],
            ["91440781MA4UJ0000Y", "校验位错误", "台山市", "", "", "", "", ""],
            [good, "", "台山市", "", "", "", "", ""],
            [make_credit_code("440781", 951), "甲", "北京市", "9999", "", "2099-01-01", "", "12345"],
            [make_credit_code("440781", 952), "乙", "", "", "", "", "", ""],
            [make_credit_code("440781", 953), "丙", "台山市", "", "", "", "", ""],
            [make_credit_code("440781", 953), "丙", "台山市", "", "", "", "", ""],
        ]
    )
    before = roster_state()
    imp = check(city_operator, data)
    got = {(e["row"], e["column"]) for e in imp.errors}
    assert got == {
        (2, "统一社会信用代码"),
        (3, "统一社会信用代码"),
        (4, "企业名称"),
        (5, "所属县（市、区）"),
        (5, "行业代码"),
        (5, "成立日期"),
        (5, "联系电话"),
        (6, "所属县（市、区）"),
        (8, "统一社会信用代码"),
    }
    assert all(e["message"] and "Error" not in e["message"] for e in imp.errors)
    assert roster_state() == before


def test_merged_title_row_serial_column_total_and_footer(city_operator):
    code = make_credit_code("440781", 960)
    data = book(
        [[1, code, "台山戊有限公司", "台山市"], ["合计", "", "", ""], ["填表人：张三", "", "审核人：李四", ""]],
        headers=["序号", "统一社会信用代码", "企业名称", "所属县（市、区）"],
        title="2024年江门市专精特新企业名录",
    )
    imp = check(city_operator, data)
    assert imp.state == ImportState.CHECKED and imp.errors == [] and imp.new_count == 1
    assert "合计" in imp.message and "签字栏" in imp.message


def test_template_round_trip(city_operator):
    template = get_kind("roster").build_template()
    wb = load_workbook(io.BytesIO(template))
    assert wb.sheetnames == ["企业名录", "填表说明"]
    ws = wb["企业名录"]
    code = make_credit_code("440781", 970)
    for c, value in enumerate([code, "模板企业有限公司", "台山市"], start=1):
        ws.cell(row=2, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    imp = commit(city_operator, check(city_operator, out.getvalue()))
    assert imp.state == ImportState.COMMITTED and Enterprise.objects.filter(credit_code=code).exists()


def test_command_dry_run_errors_and_commit(tmp_path, city_operator):
    path = tmp_path / "名录.xlsx"
    code = make_credit_code("440781", 980)
    path.write_bytes(book([[code, "命令行企业有限公司", "台山市", "", "", "", "", ""]]))
    before = roster_state()
    out = StringIO()
    call_command("import_enterprises", str(path), "--dry-run", stdout=out)
    assert "新增：1" in out.getvalue() and roster_state() == before
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(book([[code, "", "台山市", "", "", "", "", ""]]))
    with pytest.raises(CommandError):
        call_command("import_enterprises", str(bad), stdout=StringIO())
    assert roster_state() == before
    call_command("import_enterprises", str(path), stdout=StringIO())
    assert Enterprise.objects.filter(credit_code=code).count() == 1
    out = StringIO()
    call_command("import_enterprises", str(path), stdout=out)  # the same file again: exit 0, nothing written
    assert "未变：1" in out.getvalue()


def test_hostile_roster_file_is_refused(city_operator):
    data = book([[make_credit_code("440781", 990), "甲", "台山市", "", "", "", "", ""]])
    src = __import__("zipfile").ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with __import__("zipfile").ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = b'<!DOCTYPE x [<!ENTITY e "hi">]>' + content.replace(b"<t>", b"<t>&e;", 1)
            dst.writestr(info, content)
    imp = check(city_operator, out.getvalue())
    assert imp.state == ImportState.REJECTED and "文档类型声明" in imp.message


def test_web_upload_by_a_county_official(client, taishan_official, kaiping_official):
    from django.urls import reverse

    client.force_login(taishan_official)
    page = client.get(reverse("enterprises:import_upload") + "?kind=roster")
    assert page.status_code == 200 and "企业名录" in page.content.decode()
    template = client.get(reverse("enterprises:import_template") + "?kind=roster")
    assert template.status_code == 200 and load_workbook(io.BytesIO(template.content)).sheetnames[0] == "企业名录"
    assert client.get(reverse("enterprises:import_template") + "?kind=nope").status_code == 404
    code = make_credit_code("440781", 995)
    response = client.post(
        reverse("enterprises:import_upload"),
        {"kind": "roster", "file": uploaded(book([[code, "网页企业有限公司", "台山市", "", "", "", "", ""]]))},
    )
    imp = services.StatisticImport.objects.get()
    assert response.status_code == 302 and imp.kind == "roster"
    imp = services.statistic_import_check(import_id=imp.pk)
    detail = client.get(imp.get_absolute_url()).content.decode()
    assert "网页企业有限公司" in detail and "import-preview" in detail
    client.post(reverse("enterprises:import_confirm", args=[imp.pk]))
    imp = services.statistic_import_commit(import_id=imp.pk)
    assert Enterprise.objects.get(credit_code=code).county.code == "440781"
    client.force_login(kaiping_official)  # another county: neither the import nor its undo
    assert client.get(imp.get_absolute_url()).status_code == 404
    assert client.post(reverse("enterprises:import_undo", args=[imp.pk])).status_code == 404
    client.force_login(taishan_official)  # her own county's import, within 7 days
    client.post(reverse("enterprises:import_undo", args=[imp.pk]))
    services.statistic_import_undo_job(import_id=imp.pk)
    assert not Enterprise.objects.filter(credit_code=code).exists()


def test_enterprise_list_export_imports_back_unchanged(city_operator):
    from reports import exports

    make_enterprise("440781", contact_person="王小明", contact_phone="13812345678")
    make_enterprise("440783", address="开平示例路")
    output = io.BytesIO()
    queryset = Enterprise.objects.with_current_tier().select_related("county", "industry").order_by("name")
    n = exports.export_enterprises(user=city_operator, queryset=queryset, filters="", output=output)
    assert n == 2
    before = roster_state()
    imp = check(city_operator, output.getvalue())
    assert imp.errors == [] and (imp.new_count, imp.changed_count, imp.unchanged_count) == (0, 0, 2)
    assert roster_state() == before  # masked contacts (王**, 138****5678) keep the stored values
