"""Row-by-row checks: every problem becomes an error naming the row, the column and what to fix.

A valid row becomes one tab-separated staging line (PostgreSQL COPY text format, ``\\N`` for
empty): ``row_no, enterprise_id, year, quarter`` and the figures in ``Statistic.FIGURE_FIELDS``
order. Lines are compact strings, so 200,000 rows stay a few tens of MB.
"""

from __future__ import annotations

import datetime as dt
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.scoping import CHANGE, scope_for
from enterprises.models import Enterprise, Statistic
from enterprises.validators import credit_code_problem

from .columns import AMOUNT, AMOUNT_UNITS, BOOL, CODE, COUNT, LEVEL, PERIOD, TEXT
from .parsing import (
    CellError,
    amount_parser,
    bool_text,
    count_text,
    is_empty,
    level_text,
    parse_period,
    period_label,
)
from .reader import Workbook
from .rows import FOOTER, SUBTOTAL, special_row

NULL = "\\N"


@dataclass
class CheckResult:
    lines: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    row_count: int = 0
    error_rows: set[int] = field(default_factory=set)
    periods: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    parse_seconds: float = 0.0
    validate_seconds: float = 0.0

    def add_error(self, row: int, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})
        self.error_rows.add(row)


def enterprises_in_scope(user) -> dict[str, int]:
    """credit code → enterprise id, for every enterprise the user may change (one query)."""
    return dict(Enterprise.objects.for_user(user, CHANGE).values_list("credit_code", "id").iterator(chunk_size=10_000))


def scope_label(user) -> str:
    scope = scope_for(user)
    if scope.county_id is None:
        return _("the portal")
    return str(user.county)


def check_rows(
    workbook: Workbook, *, user, today: dt.date, progress: Callable[[int], None] | None = None, total_rows: int = 0
) -> CheckResult:
    result = CheckResult()
    codes = enterprises_in_scope(user)
    where = scope_label(user)
    figure_fields = Statistic.FIGURE_FIELDS
    slot = {name: i for i, name in enumerate(figure_fields)}

    # Per column: (index, title, field, parser) with the unit factor bound in.
    code_col = period_col = None
    parsers = []
    for hc in workbook.columns:
        kind = hc.column.kind
        if kind == CODE:
            code_col = hc
        elif kind == PERIOD:
            period_col = hc
        elif kind == AMOUNT:
            factor = AMOUNT_UNITS[hc.unit]
            signed = hc.column.field == "profit"
            parsers.append((hc.index, hc.title, slot[hc.column.field], amount_parser(factor, signed=signed)))
        elif kind == COUNT:
            parsers.append((hc.index, hc.title, slot[hc.column.field], count_text))
        elif kind == LEVEL:
            parsers.append((hc.index, hc.title, slot[hc.column.field], level_text))
        elif kind == BOOL:
            parsers.append((hc.index, hc.title, slot[hc.column.field], bool_text))
    titles = {hc.index: hc.title for hc in workbook.columns}
    formula_message = _("The cell holds a formula: copy the column and paste it as values.")
    period_cache: dict[str, tuple[int, int] | str] = {}
    first_row_of: dict[tuple[int, int, int], int] = {}
    duplicates: dict[int, list[int]] = {}
    width = max(hc.index for hc in workbook.columns) + 1
    n_fig = len(figure_fields)
    pending: list[tuple[int, str]] = []
    periods: set[tuple[int, int]] = set()
    key_indexes = tuple(hc.index for hc in workbook.columns if hc.column.kind in (CODE, TEXT))
    footer_from = 0

    started = time.perf_counter()
    parse_time = 0.0
    t_row = time.perf_counter()
    for row_no, values in workbook.rows():
        parse_time += time.perf_counter() - t_row
        if len(values) < width:
            values = list(values) + [""] * (width - len(values))
        if is_empty(values[code_col.index]) and all(is_empty(v) for v in values):  # a blank row
            t_row = time.perf_counter()
            continue
        raw_code = values[code_col.index]
        enterprise_id = codes.get(raw_code) if type(raw_code) is str else None
        if enterprise_id is None:
            code = unicodedata.normalize("NFKC", str(raw_code)).strip().upper() if not is_empty(raw_code) else ""
            enterprise_id = codes.get(code)
            special = FOOTER if footer_from else special_row(values, key_indexes=key_indexes)
            if special is not None:
                _note_special(result, special, row_no, values, pending, parsers, footer_from)
                if special == FOOTER and not footer_from:
                    footer_from = row_no
                t_row = time.perf_counter()
                continue
        result.row_count += 1
        if progress is not None and result.row_count % 5000 == 0:
            progress(result.row_count)
        row_errors = len(result.errors)
        for col in workbook.formula_cells.get(row_no, ()):
            result.add_error(row_no, titles.get(col, _("column %(n)d") % {"n": col + 1}), formula_message)

        if enterprise_id is None:
            if not code:
                result.add_error(row_no, code_col.title, _("The credit code is missing."))
            elif type(raw_code) in (float, int):
                result.add_error(
                    row_no,
                    code_col.title,
                    _(
                        "The credit code was stored as a number, which loses digits: format the column as text and "
                        "type the code again."
                    ),
                )
            else:
                problem = credit_code_problem(code)
                result.add_error(
                    row_no,
                    code_col.title,
                    problem
                    or _(
                        "No enterprise with the credit code %(code)s in %(where)s: add the enterprise first, or check "
                        "the code."
                    )
                    % {"code": code, "where": where},
                )

        raw_period = values[period_col.index]
        year = quarter = 0
        if is_empty(raw_period):
            result.add_error(row_no, period_col.title, _("The period is missing."))
        else:
            key = raw_period if isinstance(raw_period, str) else repr(raw_period)
            parsed = period_cache.get(key)
            if parsed is None:
                try:
                    parsed = parse_period(raw_period, today)
                except CellError as error:
                    parsed = str(error)
                period_cache[key] = parsed
            if isinstance(parsed, str):
                result.add_error(row_no, period_col.title, parsed)
            else:
                year, quarter = parsed

        figures = [NULL] * n_fig
        for index, title, position, parse in parsers:
            value = values[index]
            if type(value) is str:
                if not value.strip():
                    continue
            elif value is None:
                continue
            try:
                figures[position] = parse(value)
            except CellError as error:
                result.add_error(row_no, title, str(error))

        if len(result.errors) == row_errors and enterprise_id is not None and year:
            key3 = (enterprise_id, year, quarter)
            first = first_row_of.get(key3)
            if first is not None:
                duplicates.setdefault(first, []).append(row_no)
                result.add_error(
                    row_no,
                    code_col.title,
                    _("Row %(first)d already has this enterprise and period (%(period)s): keep one of the rows.")
                    % {"first": first, "period": period_label(year, quarter)},
                )
            else:
                first_row_of[key3] = row_no
                pending.append((row_no, f"{row_no}\t{enterprise_id}\t{year}\t{quarter}\t" + "\t".join(figures)))
                periods.add((year, quarter))
        t_row = time.perf_counter()
    parse_time += time.perf_counter() - t_row

    for first, others in duplicates.items():
        result.add_error(
            first,
            code_col.title,
            _("Rows %(rows)s have the same enterprise and period: keep one of them.")
            % {"rows": "、".join(str(r) for r in others)},
        )
    if footer_from:
        result.notes.append(
            _("Rows %(row)d and below are the signature footer (填表人、审核人…): not imported.") % {"row": footer_from}
        )
    error_rows = result.error_rows
    result.lines = [line for row_no, line in pending if row_no not in error_rows]
    del pending
    result.periods = {period_label(y, q) for y, q in sorted(periods)}
    result.errors.sort(key=lambda e: e["row"])
    result.parse_seconds = parse_time
    result.validate_seconds = time.perf_counter() - started - parse_time
    return result


def _note_special(result: CheckResult, special: str, row_no: int, values, pending, parsers, footer_from: int) -> None:
    """Skip a 合计/小计 row with a note; check a 合计 row's figures against the sum of the rows above
    that were read without error (a warning when they differ)."""
    if special == FOOTER:
        return
    if special == SUBTOTAL:
        result.notes.append(_("Row %(row)d is a subtotal (小计) row: not imported.") % {"row": row_no})
        return
    differing = []
    for index, title, position, parse in parsers:
        value = values[index] if index < len(values) else None
        if parse in (level_text, bool_text) or is_empty(value):
            continue
        try:
            stated = Decimal(parse(value))
        except (CellError, InvalidOperation):
            continue
        total = Decimal(0)
        for _row, line in pending:
            cell = line.split("\t")[4 + position]
            if cell != NULL:
                total += Decimal(cell)
        if total != stated:
            differing.append(
                _("%(column)s: the row says %(stated)s, the rows above add up to %(sum)s")
                % {
                    "column": title,
                    "stated": stated,
                    "sum": total,
                }
            )
    if differing:
        result.notes.append(
            _("Row %(row)d is a total (合计) row: not imported, and it does not match the rows above (%(diff)s).")
            % {"row": row_no, "diff": "；".join(differing)}
        )
    else:
        result.notes.append(
            _("Row %(row)d is a total (合计) row: not imported; it matches the sum of the rows above.")
            % {"row": row_no}
        )
