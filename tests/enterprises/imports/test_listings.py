"""Listing records (上市进程记录) through the import engine (kind ``listing_records``): template round
trip, header variants, every error class named by row and column in Chinese, new/changed/unchanged by
(enterprise, stage, venue, date), idempotent re-run, dry run, undo, county scoping both ways, and the
pipeline's derived stage following the imported records. Expected values are worked out by hand."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from accounts.models import AuditLog
from enterprises.imports import services
from enterprises.listings.selectors import pipeline
from enterprises.models import ImportState, ListingImportChange, ListingRecord, StatisticImport
from tests import factories
from tests.enterprises.imports.conftest import uploaded

pytestmark = pytest.mark.django_db
D = dt.date
HEADERS = ("统一社会信用代码", "企业名称", "阶段", "板块", "日期", "备注")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _eager():
    from jiangmen_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def workbook(rows, headers=HEADERS, title=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "上市进程记录"
    if title:
        ws.append([title])
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def check(user, data):
    imp = services.statistic_import_create(
        actor=user, uploaded_file=uploaded(data, "上市进程.xlsx"), enqueue=False, kind="listing_records"
    )
    return services.statistic_import_check(import_id=imp.pk)


def commit(user, imp, skip=False):
    services.statistic_import_confirm(actor=user, statistic_import=imp, skip_error_rows=skip, enqueue=False)
    return services.statistic_import_commit(import_id=imp.pk)


def records(enterprise):
    return list(
        ListingRecord.objects.filter(enterprise=enterprise)
        .order_by("date", "id")
        .values_list("stage", "venue", "date", "note")
    )


def test_every_error_class_new_changed_unchanged_commit_and_undo(city_operator):
    a, b, c = (factories.make_enterprise("440781") for _ in range(3))
    named = factories.make_enterprise("440783", name="开平乙（江门）电子有限公司")
    twin1 = factories.make_enterprise("440781", name="同名有限公司")
    twin2 = factories.make_enterprise("440783", name="同名有限公司")
    known = ListingRecord.objects.create(enterprise=b, stage="tutoring", venue="bse", date=D(2025, 3, 1), note="旧")
    same = ListingRecord.objects.create(
        enterprise=c, stage="accepted", venue="szse_chinext", date=D(2025, 4, 1), note=""
    )
    b_version, c_version = known.version, same.version
    data = workbook(
        [
            [a.credit_code, "", "辅导备案", "北交所", "2025-01-10", "首次辅导"],  # 3: new, by label
            [
                "",
                "开平乙 (江门) 电子有限公司",
                "accepted",
                "szse_chinext",
                "2025年2月3日",
                "",
            ],  # 4: new, by name and code
            [b.credit_code, "", "辅导备案", "北交所", "2025-03-01", "新备注"],  # 5: changed note
            [c.credit_code, "", "申报受理", "深交所创业板", "2025-04-01", ""],  # 6: unchanged (empty note)
            ["91440781ABC", "", "辅导备案", "北交所", "2025-01-01", ""],  # 7: bad credit code
            ["", "无此企业", "辅导备案", "北交所", "2025-01-01", ""],  # 8: no such name
            ["", "同名有限公司", "辅导备案", "北交所", "2025-01-01", ""],  # 9: two enterprises share the name
            [a.credit_code, "", "融资", "北交所", "2025-01-11", ""],  # 10: unknown stage
            [a.credit_code, "", "辅导备案", "纳斯达克", "2025-01-12", ""],  # 11: unknown venue
            [a.credit_code, "", "辅导备案", "北交所", "不是日期", ""],  # 12: not a date
            [a.credit_code, "", "辅导备案", "北交所", "2099-01-01", ""],  # 13: in the future
            [a.credit_code, "", "", "北交所", "2025-01-13", ""],  # 14: stage missing
            [a.credit_code, "", "辅导备案", "北交所", "2025-01-10", ""],  # 15: row 3 again
            [a.credit_code, "", "辅导备案", "北交所", "2025-01-14", "长" * 301],  # 16: note too long
            [a.credit_code, "", "辅导备案", "", "", ""],  # 17: venue and date missing
        ],
        title="2025年上市后备企业进程",
    )
    imp = check(city_operator, data)
    assert imp.state == ImportState.CHECKED
    assert [(x["row"], x["column"]) for x in imp.errors] == [
        (7, "统一社会信用代码"),
        (8, "企业名称"),
        (9, "企业名称"),
        (10, "阶段"),
        (11, "板块"),
        (12, "日期"),
        (13, "日期"),
        (14, "阶段"),
        (15, "阶段"),
        (16, "备注"),
        (17, "板块"),
        (17, "日期"),
    ]
    messages = {(x["row"], x["column"]): x["message"] for x in imp.errors}
    assert "无此企业" in messages[(8, "企业名称")] and "2" in messages[(9, "企业名称")]
    assert "融资" in messages[(10, "阶段")] and "辅导备案" in messages[(10, "阶段")]
    assert "纳斯达克" in messages[(11, "板块")] and "北交所" in messages[(11, "板块")]
    assert "3" in messages[(15, "阶段")] and "300" in messages[(16, "备注")]
    assert (imp.new_count, imp.changed_count, imp.unchanged_count) == (2, 1, 1)
    preview = {p["row"]: p for p in imp.preview}
    assert preview[4]["action"] == "new" and preview[4]["method"] == "企业名称"  # matched by name
    assert preview[5]["action"] == "changed" and preview[5]["changes"] == [["备注", "旧", "新备注"]]
    assert preview[6]["action"] == "unchanged"
    assert not ListingImportChange.objects.exists() and ListingRecord.objects.count() == 2  # a check writes nothing
    with pytest.raises(ValidationError):  # errors and no skip: nothing is written
        commit(city_operator, imp)
    assert ListingRecord.objects.count() == 2

    imp = commit(city_operator, check(city_operator, data), skip=True)
    assert imp.state == ImportState.COMMITTED
    assert records(a) == [("tutoring", "bse", D(2025, 1, 10), "首次辅导")]
    assert records(named) == [("accepted", "szse_chinext", D(2025, 2, 3), "")]
    assert records(b) == [("tutoring", "bse", D(2025, 3, 1), "新备注")]
    known.refresh_from_db()
    same.refresh_from_db()
    assert (known.version, same.version) == (b_version + 1, c_version)  # the unchanged row is not saved
    assert ListingRecord.objects.filter(enterprise__in=[twin1, twin2]).count() == 0
    assert ListingImportChange.objects.filter(statistic_import=imp).count() == 3
    assert AuditLog.objects.filter(action="import", object_id=str(imp.pk)).exists()

    # the pipeline's stage is derived from the imported records
    stages = {r.enterprise.pk: r.state.stage for r in pipeline(None, today=D(2025, 12, 31))}
    assert (stages[a.pk], stages[named.pk], stages[b.pk]) == ("tutoring", "accepted", "tutoring")

    services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    assert records(a) == [] and records(named) == []
    assert records(b) == [("tutoring", "bse", D(2025, 3, 1), "旧")]
    assert ListingRecord.objects.count() == 2


def test_rerun_of_the_same_file_changes_nothing(city_operator):
    a = factories.make_enterprise("440781")
    data = workbook([[a.credit_code, "", "审核通过", "上交所科创板", "2025-05-06", "上市委审议通过"]])
    first = commit(city_operator, check(city_operator, data))
    record = ListingRecord.objects.get(enterprise=a)
    assert (record.stage, record.venue, record.version) == ("approved", "sse_star", 1)
    updated_at = record.updated_at
    again = check(city_operator, data)
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 1)
    with pytest.raises(ValidationError):  # nothing to write: the engine says so and saves nothing
        commit(city_operator, again)
    record.refresh_from_db()
    assert (record.version, record.updated_at) == (1, updated_at)
    assert ListingRecord.objects.count() == 1
    assert ListingImportChange.objects.exclude(statistic_import=first).count() == 0


def test_header_variants_any_order_full_width_and_aliases(city_operator):
    a = factories.make_enterprise("440781", name="台山甲科技有限公司")
    headers = ("上市板块", " 企业名称 ", "日期（年月日）", "序号", "上市阶段", "说明")
    data = workbook([["北交所", "台山甲科技有限公司", "2025-07-01", 1, "注册生效", "证监会同意注册"]], headers=headers)
    imp = commit(city_operator, check(city_operator, data))
    assert imp.state == ImportState.COMMITTED
    assert records(a) == [("registered", "bse", D(2025, 7, 1), "证监会同意注册")]


def test_undo_refused_after_a_later_change(city_operator):
    a = factories.make_enterprise("440781")
    imp = commit(
        city_operator, check(city_operator, workbook([[a.credit_code, "", "上市", "北交所", "2025-08-08", ""]]))
    )
    record = ListingRecord.objects.get(enterprise=a)
    record.note = "改过"
    record.version += 1
    record.save()
    with pytest.raises(ValidationError):
        services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    assert ListingRecord.objects.filter(enterprise=a).count() == 1


def test_county_official_imports_her_county_only(taishan_official, kaiping_official):
    own = factories.make_enterprise("440781")
    other = factories.make_enterprise("440783")
    rows = [
        [other.credit_code, "", "辅导备案", "北交所", "2025-01-02", ""],
        [own.credit_code, "", "辅导备案", "北交所", "2025-01-02", ""],
    ]
    imp = check(taishan_official, workbook(rows))
    assert [(x["row"], x["column"]) for x in imp.errors] == [(2, "统一社会信用代码")]
    assert "开平市" in imp.errors[0]["message"] and imp.new_count == 1
    with pytest.raises(ValidationError):
        commit(taishan_official, imp)
    assert not ListingRecord.objects.exists()
    imp = commit(taishan_official, check(taishan_official, workbook(rows)), skip=True)
    assert records(own) == [("tutoring", "bse", D(2025, 1, 2), "")] and records(other) == []
    # and the other way round: 开平's official cannot write 台山's enterprise
    imp = check(kaiping_official, workbook([[own.credit_code, "", "申报受理", "北交所", "2025-03-02", ""]]))
    assert [(x["row"], x["column"]) for x in imp.errors] == [(2, "统一社会信用代码")]
    assert "台山市" in imp.errors[0]["message"] and imp.new_count == 0


def test_command_dry_run_user_and_errors(tmp_path, city_operator):
    a = factories.make_enterprise("440781")
    path = tmp_path / "上市进程.xlsx"
    path.write_bytes(workbook([[a.credit_code, "", "辅导备案", "北交所", "2025-01-10", ""]]))
    out = StringIO()
    call_command("import_listings", str(path), "--dry-run", stdout=out)
    assert "新增：1" in out.getvalue() and not ListingRecord.objects.exists()
    call_command("import_listings", str(path), "--user", "city", stdout=StringIO())
    assert records(a) == [("tutoring", "bse", D(2025, 1, 10), "")]
    out = StringIO()
    call_command("import_listings", str(path), stdout=out)  # the same file again: exits 0, writes nothing
    assert "没有需要写入的数据。" in out.getvalue()
    assert ListingRecord.objects.get(enterprise=a).version == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        workbook(
            [
                [a.credit_code, "", "融资", "北交所", "2025-01-10", ""],
                [a.credit_code, "", "上市", "北交所", "2025-09-01", ""],
            ]
        )
    )
    with pytest.raises(CommandError):
        call_command("import_listings", str(bad), stdout=StringIO())
    assert ListingRecord.objects.count() == 1
    call_command("import_listings", str(bad), "--skip-errors", stdout=StringIO())
    assert records(a)[-1] == ("listed", "bse", D(2025, 9, 1), "")


def test_template_round_trip_and_web_upload(client, taishan_official, viewer):
    a = factories.make_enterprise("440781")
    client.force_login(taishan_official)
    page = client.get("/enterprises/listings/").content.decode()
    assert "/enterprises/imports/upload/?kind=listing_records" in page
    assert "/enterprises/imports/template/?kind=listing_records" in page
    template = client.get("/enterprises/imports/template/?kind=listing_records")
    assert template.status_code == 200
    wb = load_workbook(io.BytesIO(template.content))
    ws = wb["上市进程记录"]
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert header == list(HEADERS)
    instructions = " ".join(str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value)
    assert "辅导备案" in instructions and "北交所" in instructions
    for col, value in enumerate([a.credit_code, a.name, "辅导备案", "北交所", "2025-01-10", "模板"], start=1):
        ws.cell(row=2, column=col, value=value)
    filled = io.BytesIO()
    wb.save(filled)
    form = client.get("/enterprises/imports/upload/?kind=listing_records")
    assert form.status_code == 200
    response = client.post(
        "/enterprises/imports/upload/",
        {"kind": "listing_records", "file": uploaded(filled.getvalue(), "上市进程.xlsx")},
    )
    assert response.status_code == 302
    imp = StatisticImport.objects.get()
    assert imp.kind == "listing_records" and imp.county_id == taishan_official.county_id
    imp = services.statistic_import_check(import_id=imp.pk)
    assert (imp.errors, imp.new_count) == ([], 1)
    commit(taishan_official, imp)
    assert records(a) == [("tutoring", "bse", D(2025, 1, 10), "模板")]
    client.force_login(viewer)
    assert "kind=listing_records" not in client.get("/enterprises/listings/").content.decode()
