"""The recognition-list kind: the list as published (merged title row, 序号, no code column),
match by code else by normalised name (shown in the preview), ladder rules, idempotent re-run,
city-only, CLI, undo."""

import datetime as dt
import io
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from enterprises.imports import services
from enterprises.models import ImportState, Title, TitleImportChange
from tests.enterprises.imports.conftest import uploaded
from tests.factories import make_enterprise, make_title

pytestmark = pytest.mark.django_db

INNOVATIVE = {"tier": "innovative", "batch": "2024年第一批", "recognised_on": "2024-03-01"}
PROVINCIAL = {"tier": "provincial", "batch": "2024年第一批", "recognised_on": "2024-06-01"}


def published(rows, *, headers=("序号", "企业名称", "统一社会信用代码", "所在地区")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["2024年广东省创新型中小企业名单（第一批）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(list(headers))
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def check(user, data, options):
    imp = services.statistic_import_create(
        actor=user, uploaded_file=uploaded(data, "名单.xlsx"), enqueue=False, kind="titles", options=options
    )
    return services.statistic_import_check(import_id=imp.pk)


def commit(user, imp, skip=False):
    services.statistic_import_confirm(actor=user, statistic_import=imp, skip_error_rows=skip, enqueue=False)
    return services.statistic_import_commit(import_id=imp.pk)


def test_published_list_matches_by_code_and_by_name(city_operator):
    a = make_enterprise("440781", name="江门甲科技有限公司")
    b = make_enterprise("440783", name="开平乙（江门）电子有限公司")
    make_enterprise("440781", name="同名有限公司")
    make_enterprise("440783", name="同名有限公司")
    data = published(
        [
            ["江门甲科技有限公司", a.credit_code, "江门市台山市"],
            ["开平乙 (江门) 电子有限公司", "", "开平市"],  # half-width brackets and a space: the same name
            ["不存在有限公司", "", "江门市"],
            ["同名有限公司", "", "江门市"],
            ["佛山丙有限公司", "", "佛山市"],
        ],
        headers=("序号", "企业名称", "统一社会信用代码", "所在地区", "主导产品"),
    )
    imp = check(city_operator, data, INNOVATIVE)
    assert imp.state == ImportState.CHECKED
    # rows as Excel shows them: title row 1, header row 2, data from row 3
    assert [(e["row"], e["column"]) for e in imp.errors] == [
        (5, "企业名称"),
        (6, "企业名称"),
        (7, "企业名称"),
        (7, "所在地区"),
    ]
    assert "2 家" in imp.errors[1]["message"] or "2" in imp.errors[1]["message"]
    assert (imp.new_count, imp.changed_count, imp.unchanged_count) == (2, 0, 0)
    methods = {p["row"]: p["method"] for p in imp.preview}
    assert methods == {3: "统一社会信用代码", 4: "企业名称"}
    assert "主导产品" in imp.message  # a column read past, with a note
    imp = commit(city_operator, imp, skip=True)
    assert imp.state == ImportState.COMMITTED
    title = Title.objects.get(enterprise=b)
    # an innovative title is valid 3 years, through the day before the anniversary: 2024-03-01 → 2027-02-28
    assert title.tier.code == "innovative" and title.batch == "2024年第一批"
    assert title.recognised_on == dt.date(2024, 3, 1) and title.valid_until == dt.date(2027, 2, 28)
    assert TitleImportChange.objects.filter(statistic_import=imp).count() == 2

    again = check(city_operator, published([["江门甲科技有限公司", a.credit_code, "江门市"]]), INNOVATIVE)
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 1)
    with pytest.raises(ValidationError):
        commit(city_operator, again)

    services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    assert not Title.objects.filter(enterprise__in=[a, b]).exists()


def test_list_without_a_code_column(city_operator):
    a = make_enterprise("440781", name="无代码名单企业有限公司")
    imp = check(
        city_operator,
        published([["无代码名单企业有限公司", "台山市"]], headers=("序号", "企业名称", "所在地区")),
        INNOVATIVE,
    )
    assert imp.errors == [] and imp.new_count == 1 and imp.preview[0]["method"] == "企业名称"
    commit(city_operator, imp)
    assert Title.objects.filter(enterprise=a, tier__code="innovative").exists()


def test_ladder_rules_apply_to_every_row(city_operator):
    climber = make_enterprise("440781", name="已有创新型有限公司")
    make_title(climber, "innovative", dt.date(2023, 5, 1))
    jumper = make_enterprise("440781", name="未有创新型有限公司")
    imp = check(
        city_operator,
        published([[climber.name, climber.credit_code, "台山市"], [jumper.name, jumper.credit_code, "台山市"]]),
        PROVINCIAL,
    )
    assert [(e["row"], e["column"]) for e in imp.errors] == [(4, "企业名称")]
    assert "创新型" in imp.errors[0]["message"] and "2022" in imp.errors[0]["message"]
    assert imp.new_count == 1


def test_county_official_may_not_import_a_list(taishan_official):
    with pytest.raises(PermissionDenied):
        check(taishan_official, published([["甲", "", "台山市"]]), INNOVATIVE)


def test_options_are_checked(city_operator):
    with pytest.raises(ValidationError):
        check(city_operator, published([["甲", "", "台山市"]]), {**INNOVATIVE, "tier": "nope"})
    with pytest.raises(ValidationError):
        check(city_operator, published([["甲", "", "台山市"]]), {**INNOVATIVE, "recognised_on": "2999-01-01"})


def test_command(tmp_path, city_operator):
    a = make_enterprise("440781", name="命令行名单企业有限公司")
    path = tmp_path / "名单.xlsx"
    path.write_bytes(published([[a.name, "", "台山市"]], headers=("序号", "企业名称", "所在地区")))
    args = ["--tier", "innovative", "--batch", "2024年第一批", "--recognised-on", "2024-03-01"]
    out = StringIO()
    call_command("import_titles", str(path), *args, "--dry-run", stdout=out)
    assert "新增：1" in out.getvalue() and not Title.objects.exists()
    call_command("import_titles", str(path), *args, stdout=StringIO())
    assert Title.objects.filter(enterprise=a).count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(published([["查无此企业", "", "台山市"]], headers=("序号", "企业名称", "所在地区")))
    with pytest.raises(CommandError):
        call_command("import_titles", str(bad), *args, stdout=StringIO())


def test_title_list_export_imports_back_unchanged(city_operator):
    from reports import exports

    a, b = make_enterprise("440781"), make_enterprise("440783")
    for e in (a, b):
        make_title(e, "innovative", dt.date(2024, 3, 1), batch="2024年第一批")
    output = io.BytesIO()
    queryset = Title.objects.select_related("enterprise__county", "tier").order_by("pk")
    assert exports.export_titles(user=city_operator, queryset=queryset, filters="", output=output) == 2
    imp = check(city_operator, output.getvalue(), INNOVATIVE)
    assert imp.errors == [] and (imp.new_count, imp.changed_count, imp.unchanged_count) == (0, 0, 2)
    assert {p["method"] for p in imp.preview} == {"统一社会信用代码"}
