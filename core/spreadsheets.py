"""Spreadsheet safety shared by every workbook the portal writes (CWE-1236).

Text is always stored as text: a value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return (a name, a note typed by a user) is stored as a string and flagged with Excel's quote
prefix, so neither Excel nor LibreOffice evaluates it as a formula; characters that are illegal in
XML are dropped instead of crashing the export.
"""

from __future__ import annotations

from typing import Any, cast

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: str) -> str:
    return cast(str, ILLEGAL_CHARACTERS_RE.sub("", value))  # openpyxl is untyped


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS)


def store_as_text(cell: Any) -> None:
    """Mark a cell holding a string as text, never a formula or an error code."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if is_formula_like(cell.value):
            cell.quotePrefix = True
