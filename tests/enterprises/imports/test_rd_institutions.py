"""R&D institutions through the import engine (kind ``rd_institutions``): template round trip,
header variants, every error class named by row and column in Chinese, new / changed / unchanged
by (enterprise, level, name), idempotent re-run, dry run, undo, the command and county scoping both
ways. Expected values are worked out by hand from the rows written here."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts import audit
from accounts.models import AuditLog
from enterprises.imports import services
from enterprises.models import Enterprise, ImportState, RDInstitution, RDInstitutionImportChange, RDInstitutionLevel
from tests import factories
from tests.enterprises.imports.conftest import uploaded

pytestmark = pytest.mark.django_db
HEADERS = ("统一社会信用代码", "企业名称", "研发机构名称", "级别", "认定年份")
CODE, NAME, YEAR = "统一社会信用代码", "研发机构名称", "认定年份"


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


def workbook(rows, headers=HEADERS, title_row=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "研发机构"
    if title_row:
        ws.append([title_row])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def check(user, data):
    imp = services.statistic_import_create(
        actor=user, uploaded_file=uploaded(data, "研发机构.xlsx"), enqueue=False, kind="rd_institutions"
    )
    return services.statistic_import_check(import_id=imp.pk)


def commit(user, imp, skip=False):
    services.statistic_import_confirm(actor=user, statistic_import=imp, skip_error_rows=skip, enqueue=False)
    return services.statistic_import_commit(import_id=imp.pk)


def level(code):
    return RDInstitutionLevel.objects.get(code=code)


def institutions(enterprise):
    return sorted(
        RDInstitution.objects.filter(enterprise=enterprise).values_list("level__code", "name", "recognised_year")
    )


def test_every_row_checked_committed_and_undone(city_operator):
    a, c, d, e = (factories.make_enterprise("440781") for _ in range(4))
    b = factories.make_enterprise("440783", name="开平乙（江门）电子有限公司")
    known = RDInstitution.objects.create(
        enterprise=d, level=level("municipal-etrc"), name="江门市ABC工程技术研究中心", recognised_year=2020
    )
    same = RDInstitution.objects.create(
        enterprise=e, level=level("provincial-etc"), name="E技术中心", recognised_year=2019
    )
    data = workbook(
        [
            [a.credit_code, "", "A工程技术研究中心", "市级工程技术研究中心", 2023],  # 2: new, level by name
            ["", "开平乙 (江门) 电子有限公司", "B企业技术中心", "provincial-etc", "2024"],  # 3: by name; level by code
            [c.credit_code, "", "", "市级工程技术研究中心", 2024],  # 4: no institution name
            [c.credit_code, "", "C中心", "区级中心", 2024],  # 5: no such level
            [c.credit_code, "", "C中心", "市级工程技术研究中心", "二〇二四"],  # 6: not a year
            [c.credit_code, "", "C中心", "市级工程技术研究中心", 2099],  # 7: in the future
            [c.credit_code, "", "C中心", "市级工程技术研究中心", ""],  # 8: no year
            ["91440781ABC", "", "X中心", "市级工程技术研究中心", 2024],  # 9: not a credit code
            [a.credit_code, "", "a工程技术研究中心", "市级工程技术研究中心", 2022],  # 10: row 2 again (case)
            [d.credit_code, "", "江门市abc工程技术研究中心", "市级工程技术研究中心", 2021],  # 11: changed
            [e.credit_code, "", "E技术中心", "省级企业技术中心", 2019],  # 12: unchanged
            [e.credit_code, "", "E技术中心", "省级工程技术研究中心", 2021],  # 13: new (another level)
            [c.credit_code, "", "C中心", "市级工程技术研究中心", 1979],  # 14: before 1980
        ]
    )
    imp = check(city_operator, data)
    assert imp.state == ImportState.CHECKED
    assert [(x["row"], x["column"]) for x in imp.errors] == [
        (4, NAME),
        (5, "级别"),
        (6, YEAR),
        (7, YEAR),
        (8, YEAR),
        (9, CODE),
        (10, NAME),
        (14, YEAR),
    ]
    messages = {x["row"]: x["message"] for x in imp.errors}
    assert "区级中心" in messages[5] and "国家企业技术中心" in messages[5]
    assert "二〇二四" in messages[6] and "不是年份" in messages[6] and "晚于今年" in messages[7]
    assert messages[8] == "缺少认定年份。" and messages[4] == "缺少研发机构名称。"
    assert messages[10] == "第 2 行已有该研发机构：请只保留其中一行。"
    assert (imp.new_count, imp.changed_count, imp.unchanged_count) == (3, 1, 1)
    preview = {p["row"]: p for p in imp.preview}
    assert preview[11]["action"] == "changed"
    assert preview[11]["changes"] == [
        ["名称", "江门市ABC工程技术研究中心", "江门市abc工程技术研究中心"],
        ["认定年份", "2020", "2021"],
    ]
    assert preview[12]["action"] == "unchanged" and preview[2]["action"] == "new"
    assert not RDInstitutionImportChange.objects.exists()  # a check writes nothing
    with pytest.raises(ValidationError):  # rows in error and no skip: the commit is blocked
        commit(city_operator, imp)
    assert RDInstitution.objects.count() == 2

    imp = check(city_operator, data)
    same_version, same_updated = same.version, RDInstitution.objects.get(pk=same.pk).updated_at
    imp = commit(city_operator, imp, skip=True)
    assert imp.state == ImportState.COMMITTED
    assert institutions(a) == [("municipal-etrc", "A工程技术研究中心", 2023)]
    assert institutions(b) == [("provincial-etc", "B企业技术中心", 2024)]
    assert institutions(c) == []
    known.refresh_from_db()
    assert (known.name, known.recognised_year, known.version) == ("江门市abc工程技术研究中心", 2021, 2)
    assert institutions(e) == [("provincial-etc", "E技术中心", 2019), ("provincial-etrc", "E技术中心", 2021)]
    same.refresh_from_db()
    assert (same.version, same.updated_at) == (same_version, same_updated)  # unchanged: not saved
    assert RDInstitutionImportChange.objects.filter(statistic_import=imp).count() == 4
    assert AuditLog.objects.filter(action="import", object_id=str(imp.pk)).exists()
    sealed = audit.change_set_kind("rd_institution_import")
    assert sealed.touching("enterprises.rdinstitution", str(known.pk)) == [imp.pk]
    described = {d["row_no"]: d for d in sealed.describe(list(sealed.rows(imp.pk)))}
    assert sorted(described) == [2, 3, 11, 13]
    assert described[11]["changes"] == [
        ("名称", "江门市ABC工程技术研究中心", "江门市abc工程技术研究中心"),
        ("认定年份", 2020, 2021),
    ]
    assert described[2]["changes"] == [("名称", None, "A工程技术研究中心"), ("认定年份", None, 2023)]

    services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    known.refresh_from_db()
    assert (known.name, known.recognised_year) == ("江门市ABC工程技术研究中心", 2020)
    assert institutions(a) == [] and institutions(b) == []
    assert institutions(e) == [("provincial-etc", "E技术中心", 2019)]


def test_re_run_changes_nothing_and_undo_refused_after_an_edit(city_operator):
    a = factories.make_enterprise("440781")
    data = workbook([[a.credit_code, "", "A中心", "national-etc", 2022]])
    first = commit(city_operator, check(city_operator, data))
    made = RDInstitution.objects.get(enterprise=a)
    assert (made.level.code, made.name, made.recognised_year, made.version) == ("national-etc", "A中心", 2022, 1)
    again = check(city_operator, data)
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 1)
    with pytest.raises(ValidationError) as nothing:  # every row unchanged: nothing to write
        commit(city_operator, again)
    assert "没有需要写入的数据" in str(nothing.value)
    assert RDInstitutionImportChange.objects.exclude(statistic_import=first).count() == 0
    made.refresh_from_db()
    assert made.version == 1 and RDInstitution.objects.count() == 1
    RDInstitution.objects.filter(pk=made.pk).update(recognised_year=2021, version=2)  # a later edit
    with pytest.raises(ValidationError) as refused:
        services.statistic_import_undo(actor=city_operator, statistic_import=first)
    assert "2" in str(refused.value)
    assert RDInstitution.objects.filter(pk=made.pk).exists()


def test_header_variants_and_a_title_row(city_operator):
    a = factories.make_enterprise("440781", name="台山丙精密有限公司")
    headers = ("序号", " 研发 机构 ", "类型及级别", "认定年度（年）", "企业名称", "备注")
    data = workbook(
        [[1, "丙技术中心", "市级工程技术研究中心", 2023, "台山丙精密有限公司", "无"]],
        headers=headers,
        title_row="2024年江门市研发机构名单",
    )
    imp = commit(city_operator, check(city_operator, data))
    assert imp.state == ImportState.COMMITTED
    assert institutions(a) == [("municipal-etrc", "丙技术中心", 2023)]


def test_template_round_trip(client, city_operator):
    a = factories.make_enterprise("440781")
    client.force_login(city_operator)
    response = client.get(reverse("enterprises:import_template") + "?kind=rd_institutions")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["研发机构", "填表说明"]
    sheet = book["研发机构"]
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == list(HEADERS)
    instructions = " ".join(str(c.value) for row in book["填表说明"].iter_rows() for c in row if c.value)
    assert "national-etc" in instructions and "国家企业技术中心" in instructions
    sheet.append([a.credit_code, a.name, "模板中心", "省级工程技术研究中心", "2025"])
    out = io.BytesIO()
    book.save(out)
    imp = commit(city_operator, check(city_operator, out.getvalue()))
    assert imp.state == ImportState.COMMITTED
    assert institutions(a) == [("provincial-etrc", "模板中心", 2025)]


def test_command_dry_run_and_errors(tmp_path, city_operator):
    a = factories.make_enterprise("440781")
    path = tmp_path / "研发机构.xlsx"
    path.write_bytes(workbook([[a.credit_code, "", "A中心", "市级工程技术研究中心", 2024]]))
    out = StringIO()
    call_command("import_rd_institutions", str(path), "--dry-run", stdout=out)
    assert "新增：1" in out.getvalue() and not RDInstitution.objects.exists()
    call_command("import_rd_institutions", str(path), "--user", city_operator.username, stdout=StringIO())
    assert institutions(a) == [("municipal-etrc", "A中心", 2024)]
    out = StringIO()  # the same file again: exits 0, nothing written
    call_command("import_rd_institutions", str(path), stdout=out)
    assert "未变：1" in out.getvalue() and RDInstitution.objects.get().version == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([[a.credit_code, "", "B中心", "区级中心", 2024]]))
    with pytest.raises(CommandError):
        call_command("import_rd_institutions", str(bad), stdout=StringIO())
    assert RDInstitution.objects.count() == 1


def test_county_official_imports_her_county_only(client, taishan_official, kaiping_official):
    own = factories.make_enterprise("440781")
    other = factories.make_enterprise("440783")
    imp = check(
        taishan_official,
        workbook(
            [
                [other.credit_code, "", "开平中心", "市级工程技术研究中心", 2024],
                [own.credit_code, "", "台山中心", "市级工程技术研究中心", 2024],
            ]
        ),
    )
    assert [(x["row"], x["column"]) for x in imp.errors] == [(2, CODE)]
    assert "开平市" in imp.errors[0]["message"] and imp.new_count == 1
    with pytest.raises(ValidationError):  # errors and no skip: nothing is written
        commit(taishan_official, imp)
    assert not RDInstitution.objects.exists()
    imp = commit(taishan_official, imp, skip=True)
    assert institutions(own) == [("municipal-etrc", "台山中心", 2024)] and institutions(other) == []
    # the other way: 开平's official neither sees nor undoes 台山's import, nor imports 台山's enterprise
    client.force_login(kaiping_official)
    assert client.get(imp.get_absolute_url()).status_code == 404
    assert client.post(reverse("enterprises:import_undo", args=[imp.pk])).status_code == 404
    theirs = check(kaiping_official, workbook([[own.credit_code, "", "台山中心", "national-etc", 2024]]))
    assert [(x["row"], x["column"]) for x in theirs.errors] == [(2, CODE)] and theirs.new_count == 0
    assert "台山市" in theirs.errors[0]["message"]
    # her own county's import she may undo
    client.force_login(taishan_official)
    client.post(reverse("enterprises:import_undo", args=[imp.pk]))
    services.statistic_import_undo_job(import_id=imp.pk)
    assert not RDInstitution.objects.exists()


def test_web_upload_form(client, taishan_official):
    own = factories.make_enterprise("440781")
    client.force_login(taishan_official)
    listing = client.get(reverse("enterprises:import_list")).content.decode()
    assert "?kind=rd_institutions" in listing and "导入研发机构" in listing  # the history page's button
    form = client.get(reverse("enterprises:import_upload") + "?kind=rd_institutions")
    assert form.status_code == 200 and "研发机构" in form.content.decode()
    response = client.post(
        reverse("enterprises:import_upload"),
        {
            "kind": "rd_institutions",
            "file": uploaded(workbook([[own.credit_code, "", "网页中心", "市级工程技术研究中心", 2024]]), "研发.xlsx"),
        },
    )
    assert response.status_code == 302
    imp = services.StatisticImport.objects.get()
    assert imp.kind == "rd_institutions"
    imp = services.statistic_import_check(import_id=imp.pk)
    detail = client.get(imp.get_absolute_url()).content.decode()
    assert "网页中心" in detail
    client.post(reverse("enterprises:import_confirm", args=[imp.pk]))
    services.statistic_import_commit(import_id=imp.pk)
    assert institutions(own) == [("municipal-etrc", "网页中心", 2024)]
    assert Enterprise.objects.filter(pk=own.pk).exists()
