"""Shared workbook plumbing: styles, safe cells, header rows, print set-up (openpyxl write-only).

Every sheet the portal produces — the quarterly report and the list exports — is written through
``SheetWriter`` so they all look the same and obey the same safety rules:

* Text is always written as text. A value starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return (a name, a note typed by a user) is stored as an inline string and flagged with
  Excel's quote prefix, so neither Excel nor LibreOffice ever evaluates it as a formula (CWE-1236).
* Numbers stay numbers (int, float, Decimal), with the column's number format (万元, %, integers).
* Characters that are illegal in XML are dropped instead of crashing the export.
* Workbooks are created in write-only mode: rows stream to disk, memory stays flat for big sheets.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from core.spreadsheets import clean_text, store_as_text

# Number formats -----------------------------------------------------------------------------------
AMOUNT = "#,##0.00"  # 万元 (10,000 yuan); the unit is in the header
INTEGER = "#,##0"
PERCENT = "0.0%"
DECIMAL = "#,##0.00"
ONE_DECIMAL = "#,##0.0"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"

# Print: about how many width units (characters of the body font) an A4 page holds at 100 %, with
# the default margins. Sheets fit to the page width, so a sheet wider than this prints smaller.
PORTRAIT_WIDTH = 95
LANDSCAPE_WIDTH = 140

# Styles -------------------------------------------------------------------------------------------
FONT_NAME = "等线"
FONT_SIZE = 11  # printed at no less than about 80 %: sheets are laid out to fit A4 at a readable size
_thin = Side(style="thin", color="B7B7B7")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
HEADER_FONT = Font(name=FONT_NAME, size=FONT_SIZE, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
CAPTION_FONT = Font(name=FONT_NAME, bold=True, size=14)
SECTION_FONT = Font(name=FONT_NAME, bold=True, size=12, color="1F4E78")
TOTAL_FONT = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
BODY_FONT = Font(name=FONT_NAME, size=FONT_SIZE)
NOTE_FONT = Font(name=FONT_NAME, size=FONT_SIZE, italic=True, color="7F7F7F")

# Status colours (traffic light), shared by goals, titles and task reports.
STATUS_STYLES = {
    "green": (PatternFill("solid", fgColor="C6EFCE"), Font(name=FONT_NAME, size=FONT_SIZE, color="006100")),
    "amber": (PatternFill("solid", fgColor="FFEB9C"), Font(name=FONT_NAME, size=FONT_SIZE, color="9C5700")),
    "red": (PatternFill("solid", fgColor="FFC7CE"), Font(name=FONT_NAME, size=FONT_SIZE, color="9C0006")),
    "grey": (PatternFill("solid", fgColor="EDEDED"), Font(name=FONT_NAME, size=FONT_SIZE, color="595959")),
}
# The status codes the sheets carry, mapped to a colour: goals (``targets.choices.ProgressStatus``),
# titles (``TitleStatus``; ``expiring``/``expiring_soon`` from ``selectors.titles_to_watch``) and
# task report cells (``tasks.choices.CellStatus``). Other codes stay uncoloured.
STATUS_COLOURS = {
    "on_track": "green",
    "valid": "green",
    "submitted": "green",
    "at_risk": "amber",
    "under_review": "amber",
    "expiring": "amber",
    "late": "amber",
    "draft": "amber",
    "behind": "red",
    "expired": "red",
    "revoked": "red",
    "missing": "red",
    "expiring_soon": "red",
    "no_data": "grey",
}


def number_format_for(unit: str | None, decimals: int | None) -> str:
    """The number format of an indicator's value: ``%`` units as percentages (the value is then
    written as a fraction), others with thousands separators and the indicator's decimals."""
    places = 0 if decimals is None else max(0, min(int(decimals), 4))
    if unit == "%":
        return "0" + ("." + "0" * places if places else "") + "%"
    return "#,##0" + ("." + "0" * places if places else "")


def to_cell_value(value):
    """A Python value as a workbook value: numbers, dates and text; booleans as 是/否."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (int, float, decimal.Decimal)):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    return clean_text(str(value))


@dataclass(frozen=True)
class Column:
    """A column: Chinese header, width (characters) and number format."""

    header: str
    width: float = 14
    number_format: str | None = None
    wrap: bool = False


def amount(header: str, width: float = 14) -> Column:
    return Column(header, width, AMOUNT)


def percent(header: str, width: float = 11) -> Column:
    return Column(header, width, PERCENT)


def integer(header: str, width: float = 10) -> Column:
    return Column(header, width, INTEGER)


def date(header: str, width: float = 12) -> Column:
    return Column(header, width, DATE)


class CellRowWorksheet(WriteOnlyWorksheet):
    """A write-only worksheet whose rows are lists of ready-made cells (what ``SheetWriter`` appends).

    openpyxl's own row conversion first tries to assign each cell as a value, fails, formats the
    error and builds a spare cell, for every cell; taking the cells as they are makes the 10,000-row
    roster about a quarter faster. Anything that is not a cell still goes through a plain cell."""

    def _values_to_row(self, values, row_idx):
        for col_idx, cell in enumerate(values, 1):
            if cell is None:
                continue
            if not isinstance(cell, Cell):
                cell = WriteOnlyCell(self, value=cell)
            cell.column = col_idx
            cell.row = row_idx
            yield cell


def new_workbook() -> Workbook:
    """A write-only workbook: rows stream to a temporary file, so a 10,000-row sheet costs little memory."""
    wb = Workbook(write_only=True)
    wb.properties.creator = _("Jiangmen SRDI SME Cultivation Portal")
    return wb


def add_sheet(wb: Workbook, title: str) -> CellRowWorksheet:
    ws = CellRowWorksheet(parent=wb, title=title)
    wb._add_sheet(ws)  # what Workbook.create_sheet does for write-only workbooks (openpyxl 3.1)
    return ws


class SheetWriter:
    """Writes one sheet: an optional caption row, one header row, body rows; frozen header, column
    widths, number formats, print set-up (A4 landscape, fit to width, header rows on every page).

    Call ``caption()``/``note()`` (the rows above the header, ``header_row - 1`` of them) and
    ``header()`` before the first ``row()``: in write-only mode rows can only be appended.
    """

    def __init__(
        self,
        wb: Workbook,
        title: str,
        columns: Sequence[Column],
        *,
        header_row: int | None = 2,
        landscape: bool | None = None,
    ):
        self.wb = wb
        self.ws = add_sheet(wb, clean_text(title)[:31])
        self.columns = list(columns)
        self.rows_written = 0
        # Write-only sheets serialise their views and print titles with the first row, so the
        # header's position is fixed up front (``header_row``: 1-based; None for a sheet without one).
        self.header_row = header_row
        if header_row:
            self.ws.freeze_panes = f"A{header_row + 1}"
            self.ws.print_title_rows = f"1:{header_row}"
        for index, col in enumerate(self.columns, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = col.width
        if landscape is None:  # landscape where the columns are wider than a portrait page
            landscape = sum(col.width for col in self.columns) > PORTRAIT_WIDTH
        setup = self.ws.page_setup
        setup.orientation = "landscape" if landscape else "portrait"
        setup.paperSize = "9"  # A4
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.print_options.horizontalCentered = True
        self.ws.oddFooter.center.text = _("Page &P of &N")
        self.ws.oddFooter.right.text = "&A"
        # One prototype cell per column: body cells copy its style array (fast, no per-cell lookups).
        self._protos = [self._make_proto(col) for col in self.columns]
        self._text_proto = self._styled(None, font=BODY_FONT)
        self._format_protos: dict[tuple[int, str], WriteOnlyCell] = {}

    # -- styles ------------------------------------------------------------------------------------
    def _styled(self, number_format, *, font=BODY_FONT, fill=None, alignment=None, border=True):
        proto = WriteOnlyCell(self.ws)
        proto.font = font
        if fill is not None:
            proto.fill = fill
        if alignment is not None:
            proto.alignment = alignment
        if number_format:
            proto.number_format = number_format
        if border:
            proto.border = BORDER
        return proto

    def _make_proto(self, col: Column):
        align = Alignment(vertical="top", wrap_text=True) if col.wrap else None
        return self._styled(col.number_format, alignment=align)

    def _cell(self, value, proto, *, fill=None, font=None):
        value = to_cell_value(value)
        cell = WriteOnlyCell(self.ws, value=value)
        cell._style = type(proto._style)(proto._style)
        store_as_text(cell)  # never a formula, never an error code
        if fill is not None:
            cell.fill = fill
        if font is not None:
            cell.font = font
        return cell

    # -- rows --------------------------------------------------------------------------------------
    def caption(self, text: str) -> None:
        cell = self._cell(text, self._styled(None, font=CAPTION_FONT, border=False))
        self.ws.append([cell])
        self.rows_written += 1

    def note(self, text: str) -> None:
        self.ws.append([self._cell(text, self._styled(None, font=NOTE_FONT, border=False))])
        self.rows_written += 1

    def header(self) -> None:
        proto = self._styled(None, font=HEADER_FONT, fill=HEADER_FILL, alignment=HEADER_ALIGN)
        if self.rows_written + 1 != self.header_row:
            raise ValueError(f"header expected on row {self.header_row}, not {self.rows_written + 1}")
        self.ws.append([self._cell(col.header, proto) for col in self.columns])
        self.rows_written += 1

    def _format_proto(self, index: int, number_format: str):
        """The column's prototype with another number format (cached: one per column and format)."""
        key = (index, number_format)
        proto = self._format_protos.get(key)
        if proto is None:
            col = self.columns[index] if index < len(self.columns) else Column("")
            align = Alignment(vertical="top", wrap_text=True) if col.wrap else None
            proto = self._format_protos[key] = self._styled(number_format, alignment=align)
        return proto

    def row(
        self,
        values: Sequence,
        *,
        status: str | None = None,
        status_column: int | None = None,
        total: bool = False,
        formats: dict[int, str] | None = None,
    ) -> None:
        """Append one body row. ``status`` colours the cell at ``status_column`` (0-based);
        ``formats`` overrides the column's number format for some cells (0-based index: format)."""
        cells = []
        for index, value in enumerate(values):
            if formats and index in formats:
                proto = self._format_proto(index, formats[index])
            else:
                proto = self._protos[index] if index < len(self._protos) else self._text_proto
            fill = font = None
            if total:
                fill, font = TOTAL_FILL, TOTAL_FONT
            elif status is not None and index == status_column:
                colour = STATUS_COLOURS.get(str(status), None)
                if colour:
                    fill, font = STATUS_STYLES[colour]
            cells.append(self._cell(value, proto, fill=fill, font=font))
        self.ws.append(cells)
        self.rows_written += 1

    def rows(self, iterable: Iterable[Sequence]) -> int:
        n = 0
        for values in iterable:
            self.row(values)
            n += 1
        return n

    def blank(self) -> None:
        self.ws.append([])
        self.rows_written += 1

    def key_value(self, label: str, value, number_format: str | None = None, *, wrap: bool = True) -> None:
        """A two-column label/value row (cover sheet). ``wrap=False``: a long value runs on into
        the empty cells to its right instead of being cut at the column's edge."""
        label_cell = self._cell(label, self._styled(None, font=TOTAL_FONT, fill=TOTAL_FILL))
        align = Alignment(wrap_text=True) if wrap else Alignment(horizontal="left")
        value_cell = self._cell(value, self._styled(number_format, alignment=align, border=wrap))
        self.ws.append([label_cell, value_cell])
        self.rows_written += 1

    def section(self, text: str) -> None:
        """A heading inside a sheet (the cover's parts)."""
        self.ws.append([self._cell(text, self._styled(None, font=SECTION_FONT, border=False))])
        self.rows_written += 1

    def table_header(self, labels: Sequence[str]) -> None:
        """A header-styled row anywhere in the sheet (a small table on the cover)."""
        proto = self._styled(None, font=HEADER_FONT, fill=HEADER_FILL, alignment=HEADER_ALIGN)
        self.ws.append([self._cell(label, proto) for label in labels])
        self.rows_written += 1


def filters_description(form) -> str:
    """The filters a list page applied, as ``label: value`` pairs (written above an export)."""
    parts = []
    if form is None or not hasattr(form, "cleaned_data"):
        return ""
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()) or name in ("page",):
            continue
        label = form.fields[name].label if name in form.fields else name
        if isinstance(value, (list, tuple)):
            value = "、".join(str(v) for v in value)
        parts.append(f"{label}：{value}")
    return "；".join(parts)


def discard(wb: Workbook) -> None:
    """Close and delete the temporary files of a write-only workbook that will not be saved (a
    build that failed half-way), instead of leaving them to the garbage collector."""
    import os

    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        try:
            if not ws.closed:
                ws.close()
        except Exception:  # noqa: BLE001 - best effort on an already broken workbook
            pass
        path = getattr(writer, "out", None)
        if isinstance(path, str) and os.path.exists(path):
            os.remove(path)
