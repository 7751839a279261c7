"""Workbook helpers: formula-injection safety, numbers, illegal characters, styles, print set-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reports import xlsx
from reports.xlsx import Column, SheetWriter


def write(tmp_path, values_rows, columns=None, **kwargs):
    wb = xlsx.new_workbook()
    columns = columns or [Column("文本", 20), xlsx.amount("金额（万元）"), xlsx.percent("比例"), xlsx.date("日期")]
    writer = SheetWriter(wb, "测试", columns, **kwargs)
    writer.caption("标题")
    writer.header()
    for values in values_rows:
        writer.row(values)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    return load_workbook(path)["测试"]


@pytest.mark.parametrize(
    "dangerous",
    [
        "=1+1",
        '=HYPERLINK("http://x","y")',
        "+86 750",
        "-2+3",
        "@SUM(A1)",
        "\tTAB",
        "\rCR",
        "=cmd|' /C calc'!A0",
    ],
)
def test_formula_like_text_is_written_as_text(tmp_path, dangerous):
    ws = write(tmp_path, [[dangerous, None, None, None]])
    cell = ws["A3"]
    # the standard-library XML parser normalises a carriage return to a newline, lxml keeps it
    assert cell.value in (dangerous, dangerous.replace("\r", "\n"))
    assert cell.data_type == "s"
    assert cell.quotePrefix is True


def test_plain_text_has_no_quote_prefix_and_error_codes_stay_text(tmp_path):
    ws = write(tmp_path, [["台山市", None, None, None], ["#DIV/0!", None, None, None]])
    assert ws["A3"].data_type == "s" and not ws["A3"].quotePrefix
    assert ws["A4"].data_type == "s" and ws["A4"].value == "#DIV/0!"


def test_numbers_stay_numbers_with_column_formats(tmp_path):
    ws = write(tmp_path, [["a", Decimal("-1234.5"), 0.125, dt.date(2026, 9, 30)], ["b", 7, Decimal("1.2"), None]])
    assert ws["B3"].data_type == "n" and ws["B3"].value == pytest.approx(-1234.5)
    assert ws["B3"].number_format == xlsx.AMOUNT == "#,##0.00"
    assert ws["C3"].number_format == "0.0%" and ws["C3"].value == pytest.approx(0.125)
    assert ws["D3"].value == dt.datetime(2026, 9, 30) and ws["D3"].number_format == "yyyy-mm-dd"
    assert ws["B4"].value == 7 and ws["C4"].value == pytest.approx(1.2)


def test_illegal_xml_characters_are_dropped_not_fatal(tmp_path):
    ws = write(tmp_path, [["坏\x00字\x1b符", None, None, None]])
    assert ws["A3"].value == "坏字符"


def test_booleans_are_yes_no_in_chinese(tmp_path):
    from django.utils import translation

    with translation.override("zh-hans"):
        ws = write(tmp_path, [[True, None, None, None], [False, None, None, None]])
    assert [ws["A3"].value, ws["A4"].value] == ["是", "否"]


def test_header_frozen_styled_and_printed_on_every_page(tmp_path):
    ws = write(tmp_path, [["x", 1, 0.5, None]])
    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows == "$1:$2"
    assert ws["A2"].value == "文本" and ws["A2"].font.b is True
    assert ws["A2"].fill.fgColor.rgb.endswith("1F4E78")
    # 20 + 14 + 11 + 12 = 57 characters wide: fits a portrait page
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.paperSize == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.column_dimensions["A"].width == 20
    assert ws["A3"].font.sz == 11


def test_wide_sheets_print_landscape(tmp_path):
    # 8 columns of 14 = 112 characters: wider than a portrait page (95), so landscape
    ws = write(tmp_path, [["x"] * 8], columns=[Column(f"列{i}", 14) for i in range(8)])
    assert ws.page_setup.orientation == "landscape"


def test_indicator_number_formats_and_per_cell_formats(tmp_path):
    assert xlsx.number_format_for("家", 0) == "#,##0"
    assert xlsx.number_format_for("倍", 2) == "#,##0.00"
    assert xlsx.number_format_for("%", 1) == "0.0%"
    assert xlsx.number_format_for("%", 0) == "0%"
    assert xlsx.number_format_for("家", None) == "#,##0"
    wb = xlsx.new_workbook()
    writer = SheetWriter(wb, "f", [xlsx.integer("数量"), Column("值", 12, xlsx.INTEGER)], header_row=1)
    writer.header()
    writer.row([24, 1.25], formats={1: "#,##0.00"})
    writer.row([713, 0.5], formats={1: "0.0%"})
    writer.row([1400, 48])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    ws = load_workbook(path)["f"]
    assert [ws.cell(row=r, column=1).number_format for r in (2, 3, 4)] == ["#,##0"] * 3
    assert [ws.cell(row=r, column=2).number_format for r in (2, 3, 4)] == ["#,##0.00", "0.0%", "#,##0"]
    assert ws["B3"].border.left.style == "thin"  # the override keeps the column's style


def test_header_in_the_wrong_place_is_a_programming_error(tmp_path):
    wb = xlsx.new_workbook()
    writer = SheetWriter(wb, "x", [Column("a")], header_row=3)
    writer.caption("c")
    with pytest.raises(ValueError):
        writer.header()
    xlsx.discard(wb)


def test_status_colours(tmp_path):
    wb = xlsx.new_workbook()
    writer = SheetWriter(wb, "s", [Column("状态")], header_row=1)
    writer.header()
    for status in ("on_track", "at_risk", "behind", "no_data", "something-else"):
        writer.row([status], status=status, status_column=0)
    path = tmp_path / "s.xlsx"
    wb.save(path)
    ws = load_workbook(path)["s"]
    fills = [ws.cell(row=r, column=1).fill.fgColor.rgb for r in range(2, 7)]
    assert fills[0].endswith("C6EFCE") and fills[1].endswith("FFEB9C") and fills[2].endswith("FFC7CE")
    assert fills[3].endswith("EDEDED") and fills[4] == "00000000"


def test_long_sheet_titles_are_cut_to_excel_limit(tmp_path):
    wb = xlsx.new_workbook()
    SheetWriter(wb, "很长" * 20, [Column("a")], header_row=None)
    assert len(wb.worksheets[0].title) == 31
    wb.save(tmp_path / "long.xlsx")
