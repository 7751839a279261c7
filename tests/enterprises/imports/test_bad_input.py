"""Every bad input is reported (row, column, Chinese message) and leaves the database unchanged."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from enterprises.imports import services
from enterprises.imports.columns import COLUMNS, DATA_SHEET, template_header
from enterprises.models import ImportState, Statistic
from tests.enterprises.imports.conftest import db_state, uploaded
from tests.factories import make_enterprise, make_statistic, make_statistics_workbook, statistics_row

pytestmark = pytest.mark.django_db

HEADERS = [template_header(c) for c in COLUMNS]


def run(user, data: bytes, name: str = "统计.xlsx"):
    imp = services.statistic_import_create(actor=user, uploaded_file=uploaded(data, name), enqueue=False)
    return services.statistic_import_check(import_id=imp.pk)


def commit_anyway(user, imp):
    """Even when the user skips the rows in error, nothing of them is written."""
    if imp.can_confirm and imp.writable_count:
        services.statistic_import_confirm(actor=user, statistic_import=imp, skip_error_rows=True, enqueue=False)
        return services.statistic_import_commit(import_id=imp.pk)
    return imp


def col(field):
    return next(template_header(c) for c in COLUMNS if c.field == field)


def with_workbook(data: bytes, change) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def ent(db):
    e = make_enterprise("440781")
    make_statistic(e, 2024, 1, revenue=1)
    return e


# -- the file as a whole --------------------------------------------------------------------------


def test_renamed_csv_is_rejected(taishan_official, ent):
    before = db_state()
    imp = run(taishan_official, f"统一社会信用代码,报告期\n{ent.credit_code},2024Q1\n".encode())
    assert imp.state == ImportState.REJECTED and "CSV" in imp.message
    assert db_state() == before


def test_old_xls_is_rejected(taishan_official, ent):
    before = db_state()
    imp = run(taishan_official, b"\xd0\xcf\x11\xe0" + b"\0" * 2000)
    assert imp.state == ImportState.REJECTED and ".xls" in imp.message
    assert db_state() == before


def test_zip_bomb_is_rejected(taishan_official, ent):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    before = db_state()
    imp = run(taishan_official, buffer.getvalue())
    assert imp.state == ImportState.REJECTED and "解压" in imp.message
    assert db_state() == before


def test_file_over_the_size_limit_is_refused(taishan_official, ent, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    before = db_state()
    with pytest.raises(ValidationError, match="MB"):
        services.statistic_import_create(
            actor=taishan_official,
            enqueue=False,
            uploaded_file=uploaded(make_statistics_workbook([statistics_row(ent)])),
        )
    assert db_state() == before


def test_missing_and_unknown_columns_are_named(taishan_official, ent):
    headers = [h for h in HEADERS if h != "报告期"] + ["备注"]
    before = db_state()
    imp = run(taishan_official, make_statistics_workbook([[ent.credit_code]], headers=headers))
    assert imp.state == ImportState.REJECTED
    assert "报告期" in imp.message and "备注" in imp.message
    assert db_state() == before


def test_unknown_amount_unit_in_header(taishan_official, ent):
    headers = [h.replace("营业收入（万元）", "营业收入（千元）") for h in HEADERS]
    before = db_state()
    imp = run(taishan_official, make_statistics_workbook([statistics_row(ent, revenue=3)], headers=headers))
    assert imp.state == ImportState.REJECTED and "千元" in imp.message
    assert db_state() == before


def test_merged_cells_are_rejected(taishan_official, ent):
    data = with_workbook(
        make_statistics_workbook([statistics_row(ent, revenue=3), statistics_row(ent, "2024Q2")]),
        lambda wb: wb[DATA_SHEET].merge_cells("D2:D3"),
    )
    before = db_state()
    imp = run(taishan_official, data)
    assert imp.state == ImportState.REJECTED and "D2:D3" in imp.message
    assert db_state() == before


def test_hidden_data_sheet_is_rejected(taishan_official, ent):
    def hide(wb):
        wb.active = 1
        wb[DATA_SHEET].sheet_state = "hidden"

    before = db_state()
    imp = run(taishan_official, with_workbook(make_statistics_workbook([statistics_row(ent, revenue=3)]), hide))
    assert imp.state == ImportState.REJECTED and "隐藏" in imp.message
    assert db_state() == before


def test_other_hidden_sheets_are_ignored_and_mentioned(taishan_official, ent):
    def add_hidden(wb):
        ws = wb.create_sheet("草稿")
        ws.append(HEADERS)
        ws.append(statistics_row(ent, revenue=999))
        ws.sheet_state = "hidden"

    imp = run(taishan_official, with_workbook(make_statistics_workbook([statistics_row(ent, revenue=3)]), add_hidden))
    assert imp.state == ImportState.CHECKED and imp.changed_count == 1
    assert "草稿" in imp.message


def test_not_an_xlsx_extension_is_refused(taishan_official):
    with pytest.raises(ValidationError):
        services.statistic_import_create(
            actor=taishan_official, enqueue=False, uploaded_file=uploaded(b"a,b\n", "data.csv")
        )


# -- rows -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figures", "column", "needle"),
    [
        ({"employees": -1}, "employees", "负数"),
        ({"digital_level": 5}, "digital_level", "1、2、3"),
        ({"revenue": -5}, "revenue", "负数"),
        ({"revenue": "12.345"}, "revenue", "两位小数"),
        ({"revenue": "12万元"}, "revenue", "表头"),
        ({"revenue": "abc"}, "revenue", "abc"),
        ({"employees": "3.5"}, "employees", "整数"),
        ({"university_cooperation": "可能"}, "university_cooperation", "是"),
    ],
)
def test_bad_values_name_row_and_column(taishan_official, ent, figures, column, needle):
    before = db_state()
    imp = commit_anyway(
        taishan_official, run(taishan_official, make_statistics_workbook([statistics_row(ent, "2024Q1", **figures)]))
    )
    assert imp.error_count == 1, imp.errors
    error = imp.errors[0]
    assert error["row"] == 2 and error["column"] == col(column) and needle in error["message"], error
    assert db_state() == before


def test_negative_profit_is_allowed(taishan_official, ent):
    imp = run(taishan_official, make_statistics_workbook([statistics_row(ent, "2024Q1", profit="-1,234.5")]))
    assert imp.error_count == 0 and imp.changed_count == 1


@pytest.mark.parametrize(
    ("period", "needle"), [("2024Q5", "2024Q1"), ("24年一季度", "2024Q1"), ("2099Q1", "尚未结束"), ("", "缺少")]
)
def test_bad_periods(taishan_official, ent, period, needle):
    before = db_state()
    imp = commit_anyway(
        taishan_official, run(taishan_official, make_statistics_workbook([statistics_row(ent, period, revenue=4)]))
    )
    assert imp.errors and imp.errors[0]["column"] == "报告期" and needle in imp.errors[0]["message"], imp.errors
    assert db_state() == before


def test_invalid_credit_code_names_the_problem(taishan_official, ent):
    row = statistics_row(ent, revenue=4)
    row[0] = ent.credit_code[:17] + ("0" if ent.credit_code[17] != "0" else "1")
    before = db_state()
    imp = commit_anyway(taishan_official, run(taishan_official, make_statistics_workbook([row])))
    assert imp.errors[0]["column"] == "统一社会信用代码" and "第18位" in imp.errors[0]["message"], imp.errors
    assert db_state() == before


def test_rows_of_another_county_are_errors_and_never_written(taishan_official, ent, kaiping_enterprise):
    before = db_state()
    imp = run(
        taishan_official,
        make_statistics_workbook(
            [
                statistics_row(ent, "2024Q1", revenue=2),
                statistics_row(kaiping_enterprise, "2024Q1", revenue=9),
            ]
        ),
    )
    assert [(e["row"], e["column"]) for e in imp.errors] == [(3, "统一社会信用代码")]
    assert "台山市" in imp.errors[0]["message"]
    imp = commit_anyway(taishan_official, imp)
    assert imp.state == ImportState.COMMITTED
    assert not Statistic.objects.filter(enterprise=kaiping_enterprise).exists()
    assert db_state() != before  # the Taishan row was written


def test_duplicates_in_the_file_are_errors_on_every_copy(taishan_official, ent):
    before = db_state()
    imp = commit_anyway(
        taishan_official,
        run(
            taishan_official,
            make_statistics_workbook(
                [
                    statistics_row(ent, "2024Q1", revenue=2),
                    statistics_row(ent, "2024年第一季度", revenue=3),
                ]
            ),
        ),
    )
    assert sorted(e["row"] for e in imp.errors) == [2, 3]
    assert imp.errors[1]["row"] == 3 and "第 2 行" in imp.errors[1]["message"]
    assert db_state() == before


def test_formula_cells_are_errors(taishan_official, ent):
    def formula(wb):
        wb[DATA_SHEET]["E2"] = "=1+2"

    before = db_state()
    imp = commit_anyway(
        taishan_official,
        run(
            taishan_official,
            with_workbook(make_statistics_workbook([statistics_row(ent, "2024Q1", revenue=3)]), formula),
        ),
    )
    assert [(e["row"], e["column"]) for e in imp.errors] == [(2, col("revenue"))]
    assert "公式" in imp.errors[0]["message"]
    assert db_state() == before


def test_failure_while_writing_leaves_nothing_and_marks_failed(taishan_official, ent, monkeypatch):
    from accounts import audit

    imp = run(
        taishan_official,
        make_statistics_workbook([statistics_row(ent, "2024Q1", revenue=3), statistics_row(ent, "2024Q2", revenue=3)]),
    )
    services.statistic_import_confirm(
        actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
    )
    before = db_state()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "seal", boom)  # after the upsert and the change rows, before the commit
    with pytest.raises(RuntimeError):
        services.statistic_import_commit(import_id=imp.pk)
    imp.refresh_from_db()
    assert imp.state == ImportState.FAILED and imp.status == "failed" and "RuntimeError" in imp.message
    assert db_state() == before


def test_stale_running_import_is_marked_failed(taishan_official, ent):
    import datetime as dt

    from django.utils import timezone

    imp = run(taishan_official, make_statistics_workbook([statistics_row(ent, "2024Q1", revenue=3)]))
    type(imp).objects.filter(pk=imp.pk).update(status="running", started_at=timezone.now() - dt.timedelta(hours=2))
    from core.tasks import fail_stale_jobs

    assert fail_stale_jobs.delay().get() == 1  # the beat job, over every job model
    imp.refresh_from_db()
    assert imp.status == "failed" and imp.state == ImportState.FAILED and imp.message
