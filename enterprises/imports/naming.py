"""Rows that name an enterprise: what the kinds built on the roster share (recognition lists,
disbursement lists, commissioner assignments).

- ``data_rows`` walks a sheet's data rows: padded to the columns' width, blank rows skipped, a
  合计/小计 row or the signature footer below the data skipped with a note (only when the row names
  no known enterprise, so a firm called "合计科技" is still read), formula cells flagged, rows counted.
- ``EnterpriseIndex`` finds the enterprise a row names: by its credit code (canonical form), else by
  its exact name (full-width to half-width, no spaces); every miss is an error naming the row and
  the column.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from enterprises.validators import credit_code_problem, normalise_credit_code

from .columns import CODE, TEXT, normalise_text
from .parsing import is_empty, text_of
from .rows import FOOTER, SUBTOTAL, TOTAL, special_row
from .validation import CheckResult

BY_CODE, BY_NAME = 1, 2  # how a row's enterprise was found (shown in the preview)


class EnterpriseIndex:
    """Every enterprise by canonical credit code and by normalised name, in one query. ``fields``
    are what a match returns (by default the id alone; e.g. ``("id", "county_id")`` gives a tuple)."""

    def __init__(self, workbook: Any, fields: Sequence[str] = ("id",)) -> None:
        by_field = {hc.column.field: hc for hc in workbook.columns}
        self.code_col = by_field.get("credit_code")
        self.name_col = by_field.get("name")
        self.by_code: dict[str, Any] = {}
        self.by_name: dict[str, list[Any]] = {}
        single = len(fields) == 1
        for code, name, *values in Enterprise.objects.values_list("credit_code", "name", *fields).iterator(
            chunk_size=10_000
        ):
            value = values[0] if single else tuple(values)
            self.by_code[code] = value
            self.by_name.setdefault(normalise_text(name), []).append(value)

    @property
    def title(self) -> str:
        """The column a row's enterprise is named in (for errors about the enterprise as a whole)."""
        column = self.code_col or self.name_col
        return column.title if column is not None else ""

    def _raw(self, values: Sequence[Any]) -> tuple[str, str]:
        raw_code = text_of(values[self.code_col.index]) if self.code_col is not None else ""
        raw_name = text_of(values[self.name_col.index]) if self.name_col is not None else ""
        return raw_code, raw_name

    def knows(self, values: Sequence[Any]) -> bool:
        """Does the row name a known enterprise (so it is no total or footer row)?"""
        raw_code, raw_name = self._raw(values)
        if raw_code and normalise_credit_code(raw_code) in self.by_code:
            return True
        return bool(raw_name) and normalise_text(raw_name) in self.by_name

    def match(self, result: CheckResult, row_no: int, values: Sequence[Any]) -> tuple[Any, int]:
        """The row's enterprise and how it was found (``BY_CODE``/``BY_NAME``), or ``(None, 0)``
        with the reason added to ``result`` as an error of the row and column."""
        raw_code, raw_name = self._raw(values)
        if raw_code and self.code_col is not None:
            code = normalise_credit_code(raw_code)
            problem = credit_code_problem(code)
            if problem:
                result.add_error(row_no, self.code_col.title, problem)
            elif code not in self.by_code:
                result.add_error(
                    row_no,
                    self.code_col.title,
                    _("No enterprise with the credit code %(code)s in the portal: add it first (roster import).")
                    % {"code": code},
                )
            else:
                return self.by_code[code], BY_CODE
            return None, 0
        if not raw_name or self.name_col is None:
            result.add_error(row_no, self.title, _("Name the enterprise: its credit code or its name."))
            return None, 0
        matches = self.by_name.get(normalise_text(raw_name), [])
        if not matches:
            result.add_error(
                row_no,
                self.name_col.title,
                _("No enterprise named “%(name)s” in the portal: add it first (roster import), or check the name.")
                % {"name": raw_name},
            )
        elif len(matches) > 1:
            result.add_error(
                row_no,
                self.name_col.title,
                _("%(n)d enterprises are named “%(name)s”: add the credit code column to tell them apart.")
                % {"n": len(matches), "name": raw_name},
            )
        else:
            return matches[0], BY_NAME
        return None, 0


def data_rows(workbook: Any, result: CheckResult, index: EnterpriseIndex) -> Iterator[tuple[int, list[Any], int]]:
    """The sheet's data rows as ``(row_no, values, errors_before)`` (see the module docstring): each
    one is counted in ``result.row_count`` and has its formula cells flagged; ``errors_before`` is
    the number of errors before the row's (a row with any error is not written)."""
    width = max(hc.index for hc in workbook.columns) + 1
    key_indexes = tuple(hc.index for hc in workbook.columns if hc.column.kind in (CODE, TEXT))
    footer_from = 0
    for row_no, row in workbook.rows():
        values = list(row) + [""] * (width - len(row)) if len(row) < width else list(row)
        if all(is_empty(v) for v in values):
            continue
        if footer_from or not index.knows(values):
            special = FOOTER if footer_from else special_row(values, key_indexes=key_indexes)
            if special is not None:
                if special == FOOTER and not footer_from:
                    footer_from = row_no
                elif special in (TOTAL, SUBTOTAL):
                    result.notes.append(
                        _("Row %(row)d is a total (合计) or subtotal (小计) row: not imported.") % {"row": row_no}
                    )
                continue
        result.row_count += 1
        errors_before = len(result.errors)
        for col in workbook.formula_cells.get(row_no, ()):
            result.add_error(
                row_no,
                _("column %(n)d") % {"n": col + 1},
                _("The cell holds a formula: copy the column and paste it as values."),
            )
        yield row_no, values, errors_before
    if footer_from:
        result.notes.append(
            _("Rows %(row)d and below are the signature footer (填表人、审核人…): not imported.") % {"row": footer_from}
        )
