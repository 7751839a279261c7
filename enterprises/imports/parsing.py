"""Cell parsers: each returns a value or raises ``CellError`` with a Chinese message."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ..models import period_end


class CellError(ValueError):
    pass


CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999999999.99")  # Decimal(16, 2)
MAX_COUNT = 2_147_483_647

_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PERIOD_PATTERNS = (
    re.compile(r"^(\d{4})\s*[-_/.]?\s*Q([1-4])$", re.IGNORECASE),
    re.compile(r"^(\d{4})年?第?([一二三四1-4])季度?$"),
)
_SEPARATORS = str.maketrans("", "", ", _'\u00a0\u3000")


def text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def is_empty(value) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def parse_period(value, today: dt.date) -> tuple[int, int]:
    text = text_of(value).replace(" ", "")
    for pattern in _PERIOD_PATTERNS:
        m = pattern.match(text)
        if m:
            year, quarter = int(m.group(1)), _CN_QUARTER[m.group(2)]
            break
    else:
        raise CellError(_("“%(value)s” is not a period: write 2024Q1, 2024-Q1 or 2024年第一季度.") % {"value": text})
    if year < 2000:
        raise CellError(_("The year %(year)d is too early.") % {"year": year})
    if period_end(year, quarter) > today:
        raise CellError(_("The period %(period)s has not ended yet.") % {"period": f"{year}Q{quarter}"})
    return year, quarter


def period_label(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def recent_periods(today: dt.date, n: int) -> list[str]:
    year, quarter = today.year, (today.month - 1) // 3 + 1
    out = []
    for _i in range(n):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        out.append(period_label(year, quarter))
    return out


def _number_text(value) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip().translate(_SEPARATORS)
    if text.endswith("万元"):
        raise CellError(_("Write the number without a unit; state the unit in the header."))
    if text.endswith("元"):
        raise CellError(_("Write the number without a unit; state the unit in the header."))
    if text.startswith("(") and text.endswith(")"):  # accounting negative: (35.2)
        text = "-" + text[1:-1]
    return text.replace("−", "-")


def parse_amount(value, factor: Decimal, *, signed: bool) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = _number_text(value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a number.") % {"value": value})
        if not number.is_finite():
            raise CellError(_("“%(value)s” is not a number.") % {"value": value})
    if factor != 1:
        number = (number * factor).quantize(CENT, rounding=ROUND_HALF_UP)
    elif number != number.quantize(CENT, rounding=ROUND_HALF_UP):
        raise CellError(_("At most two decimals (10,000 yuan); found %(value)s.") % {"value": value})
    if not signed and number < 0:
        raise CellError(_("Must be 0 or more; found %(value)s.") % {"value": text_of(value)})
    if abs(number) > MAX_AMOUNT:
        raise CellError(_("%(value)s is too large.") % {"value": text_of(value)})
    return number.quantize(CENT)


def parse_count(value) -> int:
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
        number = int(value)
    else:
        text = _number_text(value)
        try:
            dec = Decimal(text)
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
        if not dec.is_finite() or dec != dec.to_integral_value():
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
        number = int(dec)
    if number < 0:
        raise CellError(_("Must be 0 or more; found %(value)s.") % {"value": text_of(value)})
    if number > MAX_COUNT:
        raise CellError(_("%(value)s is too large.") % {"value": text_of(value)})
    return number


def parse_level(value) -> int:
    try:
        number = parse_count(value)
    except CellError:
        number = -1
    if not 1 <= number <= 4:
        raise CellError(_("The digital level is 1, 2, 3 or 4; found “%(value)s”.") % {"value": text_of(value)})
    return number


_TRUE = {"是", "y", "yes", "true", "1", "有", "√"}
_FALSE = {"否", "n", "no", "false", "0", "无", "×"}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = text_of(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("Write 是 (yes) or 否 (no); found “%(value)s”.") % {"value": text})


# -- fast paths: the common cell (a float from calamine, 是/否) without Decimal; anything unusual
# falls through to the full parser, which also writes the message --------------------------------


def amount_parser(factor: Decimal, *, signed: bool):
    """A function cell → staging text (``1234.50``) for an amount column in ``factor`` units."""
    plain = factor == 1

    def parse(value) -> str:
        # a float with at most two decimals (allowing for binary noise such as 0.1 + 0.2): C-level
        # formatting, correctly rounded; anything else goes through the Decimal parser
        if plain and type(value) is float and -1e13 < value < 1e13 and (signed or value >= 0):
            text = f"{value:.2f}"
            if abs(float(text) - value) <= 1e-7 * abs(value) + 1e-9:
                return text
        return str(parse_amount(value, factor, signed=signed))

    return parse


def count_text(value) -> str:
    if type(value) is float and 0 <= value <= MAX_COUNT and value.is_integer():
        return str(int(value))
    return str(parse_count(value))


_LEVELS = {1.0: "1", 2.0: "2", 3.0: "3", 4.0: "4"}
_BOOL_TEXT = {"是": "1", "否": "0"}


def level_text(value) -> str:
    if type(value) is float:
        text = _LEVELS.get(value)
        if text is not None:
            return text
    return str(parse_level(value))


def bool_text(value) -> str:
    text = _BOOL_TEXT.get(value) if type(value) is str else None
    if text is not None:
        return text
    return "1" if parse_bool(value) else "0"
