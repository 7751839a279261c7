"""The matrix of one period with all its reports, as an Excel workbook (openpyxl).

Text that a spreadsheet would read as a formula (starting with = + - @, or a tab/CR) is written as
plain text (``core.spreadsheets``), so a report can never run a formula in the reader's Excel.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.spreadsheets import clean_text, store_as_text

from . import selectors

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def put(ws, row: int, column: int, value):
    """Write one value; strings are always stored as text, never as a formula."""
    if isinstance(value, str):
        value = clean_text(value)
    cell = ws.cell(row=row, column=column)
    cell.value = value
    store_as_text(cell)
    return cell


def _header(ws, titles):
    for i, title in enumerate(titles, 1):
        cell = put(ws, 1, i, str(title))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    ws.freeze_panes = "B2"


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def matrix_workbook(*, user, period, today=None) -> bytes:
    m = selectors.matrix(user=user, period=period, today=today)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Matrix")
    _header(ws, [_("Task"), *[c.label for c in m.columns]])
    for r, (task, cells) in enumerate(m.rows, 2):
        put(ws, r, 1, str(task))
        for c, cell in enumerate(cells, 2):
            if cell.responsible:
                text = str(cell.label)
                if cell.is_lead:
                    text = f"{_('Lead')} · {text}"
                put(ws, r, c, text)
    ws.column_dimensions["A"].width = 36
    for c in range(2, len(m.columns) + 2):
        ws.column_dimensions[get_column_letter(c)].width = 14

    ws2 = wb.create_sheet(_("Reports"))
    titles = [
        _("Task number"),
        _("Task"),
        _("Unit"),
        _("Kind"),
        _("Status"),
        _("Late"),
        _("Progress (%)"),
        _("Work done"),
        _("Key figures"),
        _("Problems and difficulties"),
        _("Next steps"),
        _("Submitted at"),
        _("Submitted by"),
        _("Reviewed at"),
        _("Review comment"),
        _("Attachments"),
    ]
    _header(ws2, titles)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, report in enumerate(selectors.period_reports_for_export(user=user, period=period), 2):
        values = [
            report.task.number,
            report.task.title,
            str(report.unit),
            report.get_kind_display(),
            report.get_status_display(),
            _("yes") if report.is_late else "",
            report.progress_percent,
            report.summary,
            report.figures,
            report.problems,
            report.next_steps,
            _local(report.submitted_at),
            str(report.submitted_by or ""),
            _local(report.reviewed_at),
            report.review_comment,
            report.attachment_count,
        ]
        for c, value in enumerate(values, 1):
            put(ws2, r, c, value if not isinstance(value, str) else str(value)).alignment = wrap
    for c, width in enumerate([10, 20, 18, 12, 10, 6, 8, 50, 30, 30, 30, 16, 12, 16, 30, 8], 1):
        ws2.column_dimensions[get_column_letter(c)].width = width

    ws3 = wb.create_sheet(_("Period"))
    for r, (label, value) in enumerate(
        [
            (_("Period"), str(period)),
            (_("Due on"), period.due_on.isoformat()),
            (_("Exported at"), _local(timezone.now())),
            (_("Exported by"), str(user)),
        ],
        1,
    ):
        put(ws3, r, 1, str(label)).font = HEADER_FONT
        put(ws3, r, 2, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
