"""Opening an uploaded workbook safely and streaming its rows (python-calamine).

File-level problems (not an .xlsx, too large, a zip bomb, no data sheet, merged cells, a wrong
header row) raise ``FileProblem``: nothing of such a file is imported. Formula cells are found by
scanning the sheet's XML as a stream and reported as row errors.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from .columns import Column, template_header

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_ROWS = 300_000
# A worksheet's XML compresses about 10:1; far beyond that is a decompression bomb.
MAX_COMPRESSION_RATIO = 200


class FileProblem(Exception):
    """The file as a whole cannot be imported; ``message`` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def max_uncompressed_bytes() -> int:
    return getattr(settings, "PORTAL_IMPORT_MAX_UNCOMPRESSED_BYTES", 25 * settings.PORTAL_MAX_UPLOAD_BYTES)


@dataclass
class HeaderColumn:
    index: int  # position in the row
    column: Column
    unit: str
    title: str  # as written in the file, for messages


@dataclass
class Workbook:
    path: str
    sheet_name: str
    header_row: int
    columns: list[HeaderColumn]
    formula_cells: dict[int, list[int]] = field(default_factory=dict)  # excel row -> column indexes (0-based)
    notes: list[str] = field(default_factory=list)
    ignored_notes: list[str] = field(default_factory=list)  # columns read past (lenient kinds)
    _sheet: Any = None

    def rows(self) -> Iterator[tuple[int, list]]:
        """(Excel row number, cell values) for each row after the header."""
        for number, values in enumerate(self._sheet.iter_rows(), start=1):
            if number > self.header_row:
                yield number, values


def check_container(path: str, size: int) -> None:
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if size > limit:
        raise FileProblem(
            _("The file is %(size).1f MB; the limit is %(limit).1f MB.")
            % {"size": size / 1024 / 1024, "limit": limit / 1024 / 1024}
        )
    if size == 0:
        raise FileProblem(_("The file is empty."))
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == OLE_MAGIC:
        raise FileProblem(_("This is an old Excel 97–2003 (.xls) file: open it in Excel and save it as .xlsx."))
    if magic != ZIP_MAGIC or not zipfile.is_zipfile(path):
        raise FileProblem(
            _(
                "This is not an Excel .xlsx workbook (a CSV or another file renamed to .xlsx is not "
                "accepted): download the template and fill it in."
            )
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileProblem(_("The workbook is damaged and cannot be opened."))
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileProblem(
            _(
                "This is not an Excel .xlsx workbook (a CSV or another file renamed to .xlsx is not "
                "accepted): download the template and fill it in."
            )
        )
    total = sum(i.file_size for i in infos)
    if total > max_uncompressed_bytes() or any(
        i.compress_size and i.file_size > 1024 * 1024 and i.file_size / i.compress_size > MAX_COMPRESSION_RATIO
        for i in infos
    ):
        raise FileProblem(
            _(
                "The workbook unpacks to far more data than a statistics table holds (%(mb)d MB); "
                "it is refused as a possible decompression bomb."
            )
            % {"mb": total // (1024 * 1024)}
        )
    # Excel never writes a document type declaration; one with entities can blow up a parser
    # (billion laughs) or make it fail. Worksheets are scanned with the formula scan.
    with zipfile.ZipFile(path) as archive:
        for info in infos:
            if info.filename.startswith("xl/worksheets/") or not info.filename.endswith((".xml", ".rels")):
                continue
            with archive.open(info) as fh:
                if _has_dtd(fh):
                    raise FileProblem(hostile_message())


_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")


def hostile_message() -> str:
    return _(
        "The workbook contains an XML document type declaration, which Excel never writes; it is refused "
        "as a possibly hostile file. Open it in Excel, save it as a new .xlsx and upload that."
    )


def _has_dtd(fh) -> bool:
    tail = b""
    while chunk := fh.read(1024 * 1024):
        data = tail + chunk
        if b"<!" in data and any(mark in data for mark in _DTD_MARKS):
            return True
        tail = data[-16:]
    return False


_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _sheet_xml_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    rel_id = None
    for sheet in workbook.iter(f"{{{_NS['m']}}}sheet"):
        if sheet.get("name") == sheet_name:
            rel_id = sheet.get(f"{{{_NS['r']}}}id")
    for rel in rels.iter(f"{{{_NS['rel']}}}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


_FORMULA = re.compile(rb"<(?:\w+:)?c\s[^>]*?r=\"([A-Z]+)(\d+)\"[^>]*?>\s*<(?:\w+:)?f[\s>/]")


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


class HostileSheet(Exception):
    pass


def find_formula_cells(path: str, sheet_name: str) -> dict[int, list[int]]:
    """Scan the sheet XML as a stream (1 MB chunks) for cells holding a formula. Raises
    ``FileProblem`` when the sheet cannot be found (the check must never be skipped silently) and
    ``HostileSheet`` when the sheet carries a document type declaration."""
    found: dict[int, list[int]] = {}
    with zipfile.ZipFile(path) as archive:
        member = _sheet_xml_path(archive, sheet_name)
        if member is None or member not in archive.namelist():
            raise FileProblem(_("The workbook is damaged and cannot be opened."))
        with archive.open(member) as fh:
            tail = b""
            while True:
                chunk = fh.read(1024 * 1024)
                if not chunk:
                    break
                data = tail + chunk
                if b"<!" in data and any(mark in data for mark in _DTD_MARKS):
                    raise HostileSheet
                if b"<f" in data:
                    for m in _FORMULA.finditer(data):
                        row, col = int(m.group(2)), _column_index(m.group(1))
                        cols = found.setdefault(row, [])
                        if col not in cols:
                            cols.append(col)
                tail = data[-400:]
    return found


def open_workbook(path: str, size: int, kind=None) -> Workbook:
    """Open ``path`` as a workbook of ``kind`` (an ``engine.ImportKind``; default: statistics)."""
    if kind is None:
        from .engine import get_kind

        kind = get_kind("statistics")
    check_container(path, size)
    try:
        book = CalamineWorkbook.from_path(path)
    except Exception:  # noqa: BLE001 - calamine raises several error types for damaged files
        raise FileProblem(_("The workbook is damaged and cannot be opened."))
    sheets = book.sheets_metadata
    visible = [s for s in sheets if s.visible == SheetVisibleEnum.Visible]
    hidden = [s.name for s in sheets if s.visible != SheetVisibleEnum.Visible]
    data = next((s for s in sheets if s.name == kind.data_sheet), None)
    if data is None:
        candidates = [s for s in visible if s.name != kind.instructions_sheet]
        if not candidates:
            raise FileProblem(_("The workbook has no visible sheet named “%(sheet)s”.") % {"sheet": kind.data_sheet})
        data = candidates[0]
    elif data.visible != SheetVisibleEnum.Visible:
        raise FileProblem(
            _("The sheet “%(sheet)s” is hidden: unhide it, check its contents and upload again.")
            % {"sheet": kind.data_sheet}
        )
    notes = []
    if hidden:
        notes.append(_("Hidden sheets were not read: %(names)s.") % {"names": "、".join(hidden)})
    # calamine reads the sheet without holding the GIL: scan the XML for formulas meanwhile
    with ThreadPoolExecutor(max_workers=1) as pool:
        formulas = pool.submit(find_formula_cells, path, data.name)
        try:
            sheet = book.get_sheet_by_name(data.name)
        except Exception:  # noqa: BLE001 - calamine's XmlError and friends: a damaged or hostile sheet
            sheet = None
        try:
            formula_cells = formulas.result()
        except HostileSheet:
            raise FileProblem(hostile_message())
    if sheet is None:
        raise FileProblem(_("The workbook is damaged and cannot be opened."))
    if sheet.height > MAX_ROWS + 1:
        raise FileProblem(
            _("The sheet has %(n)d rows; at most %(max)d can be imported at once.")
            % {"n": sheet.height - 1, "max": MAX_ROWS}
        )
    header_row, header = _find_header(sheet, kind)
    if header is None:
        raise FileProblem(_("The sheet “%(sheet)s” is empty.") % {"sheet": data.name})
    merged = sheet.merged_cell_ranges or []
    if kind.title_rows:  # a merged title above the header is normal
        merged = [(a, b) for a, b in merged if b[0] + 1 >= header_row]
    if merged:
        ranges = [f"{get_column_letter(a[1] + 1)}{a[0] + 1}:{get_column_letter(b[1] + 1)}{b[0] + 1}" for a, b in merged]
        shown = "、".join(ranges[:10]) + ("…" if len(ranges) > 10 else "")
        raise FileProblem(
            _("The sheet “%(sheet)s” has merged cells (%(ranges)s): unmerge them and fill every cell.")
            % {"sheet": data.name, "ranges": shown}
        )
    columns, unknown, seen = _match_header(header, kind)
    ignored_notes = []
    if unknown and kind.lenient_headers:
        ignored_notes.append(_("Columns not read: %(names)s.") % {"names": "、".join(unknown)})
        unknown = []
    missing = [template_header(c) for c in kind.columns if c.required and c.field not in seen]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: %(names)s") % {"names": "、".join(missing)})
        if unknown:
            parts.append(_("unknown columns: %(names)s") % {"names": "、".join(unknown)})
        raise FileProblem(
            _(
                "The header row (row %(row)d) does not match the template: %(problems)s. Download the "
                "template and keep its header row."
            )
            % {"row": header_row, "problems": "；".join(parts)}
        )
    book_info = Workbook(
        path=path, sheet_name=data.name, header_row=header_row, columns=columns, notes=notes, _sheet=sheet
    )
    book_info.formula_cells = formula_cells
    book_info.ignored_notes = ignored_notes
    return book_info


def _find_header(sheet, kind) -> tuple[int, list | None]:
    """The header row: the first non-empty row; for a kind with title rows, the first of the first
    20 rows that names two of its columns (else the first non-empty one)."""
    first_row, first = 0, None
    for number, values in enumerate(sheet.iter_rows(), start=1):
        if number > 20:
            break
        if not any(v not in ("", None) for v in values):
            continue
        if first is None:
            first_row, first = number, values
            if not kind.title_rows:
                break
        if sum(1 for v in values if v not in ("", None) and kind.match_header(v)[0] is not None) >= 2:
            return number, values
    return first_row, first


def _match_header(header: list, kind) -> tuple[list[HeaderColumn], list[str], set[str]]:
    from .columns import AMOUNT, AMOUNT_UNITS, normalise_text

    columns: list[HeaderColumn] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(header):
        if cell in ("", None):
            continue
        column, unit, text = kind.match_header(cell)
        title = str(cell).strip()
        if column is None and normalise_text(title) in kind.ignored_headers:
            continue
        if column is None:
            unknown.append(f"“{title}”")
            continue
        if column.field in seen:
            unknown.append(_("“%(title)s” (a second time)") % {"title": title})
            continue
        if column.kind == AMOUNT:
            unit = unit or "万元"
            if unit not in AMOUNT_UNITS:
                unknown.append(_("“%(title)s” (unit %(unit)s: use 万元 or 元)") % {"title": title, "unit": unit})
                continue
        seen.add(column.field)
        columns.append(HeaderColumn(index=index, column=column, unit=unit, title=title))
    return columns, unknown, seen
