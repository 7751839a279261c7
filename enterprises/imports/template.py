"""The statistics template workbook (openpyxl): a data sheet with Chinese headers and data
validation for the coded columns, and an instructions sheet."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import (
    AMOUNT,
    BOOL,
    CODE,
    COLUMNS,
    COUNT,
    DATA_SHEET,
    INSTRUCTIONS_SHEET,
    LEVEL,
    PERIOD,
    TEXT,
    template_header,
)
from .parsing import recent_periods

MAX_VALIDATED_ROW = 200_000


def build_template(*, example: bool = False, prefill_for=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    required_font = Font(bold=True, color="C00000")
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=template_header(column))
        cell.fill = header_fill
        cell.font = required_font if column.required else Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = 22 if index <= 3 else 16
    # codes and periods are text: Excel must not turn an all-digit credit code into a rounded number
    for index, column in enumerate(COLUMNS, start=1):
        if column.kind in (CODE, PERIOD, TEXT):
            for row in range(2, 1002):
                ws.cell(row=row, column=index).number_format = "@"
    ws.freeze_panes = "B2"
    ws.row_dimensions[1].height = 36

    def rng(index: int) -> str:
        letter = get_column_letter(index)
        return f"{letter}2:{letter}{MAX_VALIDATED_ROW}"

    periods = recent_periods(timezone.localdate(), 8)
    for index, column in enumerate(COLUMNS, start=1):
        dv = None
        if column.kind == LEVEL:
            dv = DataValidation(type="list", formula1='"1,2,3,4"', allow_blank=True)
            dv.error = _("The digital level is 1, 2, 3 or 4.")
        elif column.kind == BOOL:
            dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
            dv.error = _("Choose 是 (yes) or 否 (no).")
        elif column.kind == PERIOD and periods:
            dv = DataValidation(type="list", formula1='"' + ",".join(periods) + '"', allow_blank=False)
            dv.error = _("Write the period as 2024Q1 (year and quarter).")
            dv.showErrorMessage = False  # other spellings (2024年第一季度) are accepted too
        elif column.kind == COUNT:
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            dv.error = _("A whole number, 0 or more.")
        elif column.kind == AMOUNT and column.field != "profit":
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            dv.error = _("An amount in 10,000 yuan, 0 or more.")
        if dv is not None:
            dv.errorTitle = template_header(column)
            dv.showErrorMessage = dv.showErrorMessage if dv.showErrorMessage is not None else True
            dv.add(rng(index))
            ws.add_data_validation(dv)

    if example:
        ws.append([c.example for c in COLUMNS])
    if prefill_for is not None:
        # the user's enterprises (code, name) and the latest ended quarter: only the figures to type
        from core.scoping import CHANGE
        from enterprises.models import Enterprise

        period = recent_periods(timezone.localdate(), 1)[0]
        rows = Enterprise.objects.for_user(prefill_for, CHANGE).filter(status="operating").order_by("credit_code")
        for r, (code, name) in enumerate(rows.values_list("credit_code", "name").iterator(chunk_size=5000), start=2):
            ws.cell(row=r, column=1, value=code)
            ws.cell(row=r, column=2, value=name)
            ws.cell(row=r, column=3, value=period)

    info = wb.create_sheet(INSTRUCTIONS_SHEET)
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 90
    info.append([_("Statistics template: instructions")])
    info["A1"].font = Font(bold=True, size=14)
    lines = [
        (
            _("Sheet"),
            _(
                "Fill in the sheet “%(sheet)s”, one row per enterprise and period. Do not rename, hide or "
                "reorder it; keep the header row as it is."
            )
            % {"sheet": DATA_SHEET},
        ),
        (
            _("Key"),
            _(
                "Each row is identified by the unified social credit code and the period. A row for an "
                "enterprise and period already in the portal updates it; otherwise it is added."
            ),
        ),
        (_("Period"), _("Write 2024Q1, 2024-Q1 or 2024年第一季度. Only quarters that have ended can be reported.")),
        (
            _("Amounts"),
            _(
                "Amounts are in 10,000 yuan (万元) with at most two decimals, year-to-date for flows "
                "(output, revenue, profit, R&D expense, exports). To report in yuan, change the unit in "
                "the header to （元）. Thousands separators and full-width digits are accepted; profit "
                "may be negative, every other figure must be 0 or more."
            ),
        ),
        (
            _("Counts"),
            _("Staff, patents, class-I IP and trademarks are whole numbers, 0 or more, as at the end of the quarter."),
        ),
        (_("Digital level"), _("1 to 4 (中小企业数字化水平评测, 2024 edition).")),
        (_("Yes / no"), _("是 or 否.")),
        (_("Empty cells"), _("An empty cell means “not reported”: the value already in the portal is kept.")),
        (
            _("Not accepted"),
            _(
                "Formulas (paste values instead), merged cells, the same enterprise and period "
                "twice in one file, enterprises outside your county."
            ),
        ),
        (_("Columns"), "、".join(template_header(c) for c in COLUMNS)),
    ]
    for label, text in lines:
        info.append([label, text])
    for row in info.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    wb.active = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def build_kind_template(kind, *, instructions: list[tuple[str, str]], rows: list[list] | None = None) -> bytes:
    """The template of an import kind: its data sheet (header row, text-formatted cells) and the
    instructions sheet (the kind's lines, then one line per column); ``rows`` pre-filled."""
    wb = Workbook()
    ws = wb.active
    ws.title = kind.data_sheet
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(kind.columns, start=1):
        cell = ws.cell(row=1, column=index, value=template_header(column))
        cell.fill = header_fill
        cell.font = Font(bold=True, color="C00000") if column.required else Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = 24
        for row in range(2, 1002):
            ws.cell(row=row, column=index).number_format = "@"
    for r, values in enumerate(rows or [], start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    ws.freeze_panes = "B2"
    info = wb.create_sheet(kind.instructions_sheet)
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 90
    info.append([_("%(kind)s template: instructions") % {"kind": kind.label}])
    info["A1"].font = Font(bold=True, size=14)
    lines = [
        (
            _("Sheet"),
            _("Fill in the sheet “%(sheet)s”, one row per record; keep the header row (columns in any order).")
            % {"sheet": kind.data_sheet},
        ),
        *instructions,
        (_("Columns"), "、".join(template_header(c) for c in kind.columns)),
        (_("Required"), "、".join(template_header(c) for c in kind.columns if c.required)),
        (_("Example"), "；".join(f"{template_header(c)}：{c.example}" for c in kind.columns if c.example)),
    ]
    for label, text in lines:
        info.append([label, text])
    for row in info.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    wb.active = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
