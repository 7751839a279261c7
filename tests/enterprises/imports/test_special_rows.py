"""Hostile files (entities, billion laughs) are refused with a message; 合计/小计 rows and the
signature footer of a government spreadsheet are skipped with a note, the 合计 checked."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from enterprises.imports import services
from enterprises.imports.columns import COLUMNS, DATA_SHEET, template_header
from enterprises.models import ImportState, Statistic
from tests.enterprises.imports.conftest import db_state, uploaded
from tests.factories import make_enterprise, make_statistics_workbook, statistics_row

pytestmark = pytest.mark.django_db

HOSTILE = "XML 文档类型声明"


def run(user, data: bytes):
    imp = services.statistic_import_create(actor=user, uploaded_file=uploaded(data), enqueue=False)
    return services.statistic_import_check(import_id=imp.pk)


def _rewrite(data: bytes, member: str, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            dst.writestr(info, change(content) if info.filename == member else content)
    return out.getvalue()


def _formula_book() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append([template_header(c) for c in COLUMNS[:4]])
    ws.append(["91440781MA4UJ0000X", "甲", "2024Q1", "=1+1"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>"
)


def test_entity_in_the_sheet_is_refused_with_a_message(taishan_official, taishan_enterprise):
    # before the fix: calamine raised XmlError ("XmlError" as the web message, a CLI traceback)
    data = _rewrite(
        _formula_book(),
        "xl/worksheets/sheet1.xml",
        lambda c: b'<!DOCTYPE x [<!ENTITY e "hi">]>' + c.replace(b"<t>", b"<t>&e;", 1),
    )
    before = db_state()
    imp = run(taishan_official, data)
    assert imp.state == ImportState.REJECTED
    assert HOSTILE in imp.message and "XmlError" not in imp.message
    assert db_state() == before


def test_billion_laughs_in_workbook_xml_is_refused(taishan_official, taishan_enterprise):
    # before the fix: the parse error made the formula-cell check silently find nothing
    data = _rewrite(_formula_book(), "xl/workbook.xml", lambda c: LAUGHS + c.replace(b"<sheets>", b"<sheets>&lol9;", 1))
    imp = run(taishan_official, data)
    assert imp.state == ImportState.REJECTED and HOSTILE in imp.message


def test_unreadable_workbook_xml_never_switches_the_formula_check_off(taishan_official, taishan_enterprise):
    data = _rewrite(_formula_book(), "xl/workbook.xml", lambda c: c.replace(b"<sheets>", b"<sheets><oops>", 1))
    imp = run(taishan_official, data)
    assert imp.state == ImportState.REJECTED and "损坏" in imp.message


def _county_file(total_revenue, *, subtotal: bool = False) -> tuple[bytes, list]:
    ents = [make_enterprise("440781") for _ in range(5)]
    rows = [statistics_row(e, "2024Q1", revenue=100 * (i + 1), employees=10) for i, e in enumerate(ents)]
    if subtotal:
        rows.append(["小计", "", "", None, 300])
    total = [None] * len(COLUMNS)
    total[0] = "合计"
    total[COLUMNS.index(next(c for c in COLUMNS if c.field == "revenue"))] = total_revenue
    total[COLUMNS.index(next(c for c in COLUMNS if c.field == "employees"))] = 50
    rows.append(total)
    rows.append([])
    rows.append(["填表人：张三", "", "审核人：李四"])
    rows.append(["单位负责人：王五", "", "填报日期：2024年4月10日"])
    rows.append(["2024年4月10日"])
    return make_statistics_workbook(rows), ents


def test_total_row_and_footer_are_skipped_with_a_note(taishan_official):
    # 5 rows of revenue 100, 200, 300, 400, 500 → 合计 1,500 (万元); employees 5 × 10 = 50
    data, ents = _county_file(1500)
    imp = run(taishan_official, data)
    assert imp.state == ImportState.CHECKED
    assert imp.error_count == 0 and imp.row_count == 5 and imp.new_count == 5
    assert "第 7 行是合计行" in imp.message and "与上方各行之和一致" in imp.message
    assert "第 9 行及以下是签字栏" in imp.message
    services.statistic_import_confirm(
        actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
    )
    imp = services.statistic_import_commit(import_id=imp.pk)
    assert imp.state == ImportState.COMMITTED
    assert Statistic.objects.filter(enterprise__in=ents).count() == 5


def test_total_row_that_differs_is_a_warning(taishan_official):
    # the rows add up to 100+200+300+400+500 = 1,500.00; the 合计 row says 1,400
    data, _ents = _county_file(1400, subtotal=True)
    imp = run(taishan_official, data)
    assert imp.state == ImportState.CHECKED and imp.error_count == 0 and imp.row_count == 5
    assert "第 7 行是小计行" in imp.message
    assert "第 8 行是合计行" in imp.message and "1400.00" in imp.message and "1500.00" in imp.message
