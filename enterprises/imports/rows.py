"""Rows that are not data, shared by every import kind: the 合计/小计 row under the data and the
signature footer (填表人、审核人、单位负责人、填报日期) below it.

Recognition runs only on a row whose key cell (credit code, enterprise name) is not a valid key,
so that the rows of a good file pay nothing for it.
"""

from __future__ import annotations

import unicodedata

TOTAL, SUBTOTAL, FOOTER = "total", "subtotal", "footer"

_TOTAL_WORDS = ("合计", "总计")
_SUBTOTAL_WORDS = ("小计",)
_FOOTER_WORDS = ("填表人", "审核人", "单位负责人", "填报日期", "制表人", "负责人", "填报单位", "联系电话")


def _text(value) -> str:
    if not isinstance(value, str):
        return ""
    return "".join(unicodedata.normalize("NFKC", value).split())


def special_row(values, *, key_indexes: tuple[int, ...] = ()) -> str | None:
    """TOTAL, SUBTOTAL or FOOTER for a row that is one of those, else None.

    A total row names 合计 (or 总计) and a subtotal row 小计 in one of its first cells (or in a key
    column); a footer row starts a cell with a signature word (填表人：…)."""
    texts = [_text(v) for v in values]
    first = [t for t in texts[:3] if t]
    keys = [texts[i] for i in key_indexes if i < len(texts) and texts[i]]
    for text in first + keys:
        if text.startswith(_TOTAL_WORDS):
            return TOTAL
        if text.startswith(_SUBTOTAL_WORDS):
            return SUBTOTAL
    non_empty = [t for t in texts if t]
    if non_empty and any(t.startswith(_FOOTER_WORDS) for t in non_empty):
        # a data row has a code in its key column; a footer has none
        if not any(_looks_like_code(texts[i]) for i in key_indexes if i < len(texts)):
            return FOOTER
    return None


def _looks_like_code(text: str) -> bool:
    return len(text) == 18 and text[:2].isalnum() and not text.startswith(_FOOTER_WORDS)
