"""The template: Chinese headers, an instructions sheet, data validation for the coded columns."""

import io

import pytest
from openpyxl import load_workbook

from enterprises.imports import services
from enterprises.imports.columns import COLUMNS, DATA_SHEET, INSTRUCTIONS_SHEET, template_header
from enterprises.imports.template import build_template
from enterprises.models import ImportState
from tests.enterprises.imports.conftest import uploaded
from tests.factories import make_enterprise, make_statistics_workbook, statistics_row


def test_template_has_headers_instructions_and_validation():
    wb = load_workbook(io.BytesIO(build_template()))
    assert wb.sheetnames == [DATA_SHEET, INSTRUCTIONS_SHEET]
    ws = wb[DATA_SHEET]
    assert [c.value for c in ws[1]] == [template_header(c) for c in COLUMNS]
    assert ws["A1"].value == "统一社会信用代码" and ws["D1"].value == "工业总产值（万元）"
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"1,2,3,4"' in formulas and '"是,否"' in formulas
    assert ws["A2"].number_format == "@"
    assert "万元" in " ".join(str(c.value) for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)


@pytest.mark.django_db
def test_the_empty_template_checks_clean_with_nothing_to_write(taishan_official):
    imp = services.statistic_import_create(
        actor=taishan_official, uploaded_file=uploaded(build_template()), enqueue=False
    )
    imp = services.statistic_import_check(import_id=imp.pk)
    assert imp.state == ImportState.CHECKED and imp.row_count == 0 and imp.error_count == 0


@pytest.mark.django_db
def test_a_credit_code_typed_as_a_number_is_explained(taishan_official):
    e = make_enterprise("440781")
    row = statistics_row(e, "2024Q1", revenue=1)
    row[0] = 914407811234567890
    imp = services.statistic_import_create(
        actor=taishan_official,
        enqueue=False,
        uploaded_file=uploaded(make_statistics_workbook([row], with_template=False)),
    )
    imp = services.statistic_import_check(import_id=imp.pk)
    assert imp.errors[0]["column"] == "统一社会信用代码" and "文本" in imp.errors[0]["message"]


def test_undo_records_hold_every_statistic_figure():
    from enterprises.models import Statistic, StatisticImportChange
    from enterprises.models.core import Statistic as CoreStatistic

    names = {f.name for f in StatisticImportChange._meta.fields}
    assert Statistic is CoreStatistic
    assert {f"before_{name}" for name in Statistic.FIGURE_FIELDS} <= names
    for name in Statistic.FIGURE_FIELDS:
        assert (
            StatisticImportChange._meta.get_field(f"before_{name}").get_internal_type()
            == Statistic._meta.get_field(name).get_internal_type()
        )


@pytest.mark.django_db
def test_prefilled_statistics_template_holds_the_county_enterprises(client, taishan_official, kaiping_enterprise):
    import time_machine

    own = [make_enterprise("440781"), make_enterprise("440781")]
    client.force_login(taishan_official)
    plain = client.get("/enterprises/imports/template/")
    assert [
        r for r in load_workbook(io.BytesIO(plain.content))["统计数据"].iter_rows(min_row=2, values_only=True) if r[0]
    ] == []
    # on 2024-05-10 the latest ended quarter is 2024Q1
    with time_machine.travel("2024-05-10 10:00 +0800", tick=False):
        response = client.get("/enterprises/imports/template/?kind=statistics&prefill=1")
    ws = load_workbook(io.BytesIO(response.content))["统计数据"]
    rows = [r[:3] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    assert sorted(rows) == sorted((e.credit_code, e.name, "2024Q1") for e in own)  # not Kaiping's
