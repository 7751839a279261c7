"""Validators for identifiers, with messages that say what exactly is wrong."""

from __future__ import annotations

import operator
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# A code already in canonical form (python-stdnum's compact form): 18 characters of the alphabet,
# characters 1–8 digits (stdnum's ``validate`` requires that). Imports check 100,000 codes at a
# time: these pass through ``canonical_credit_code`` and ``credit_code_problem`` without stdnum's
# per-character cleaning (four passes a row, most of a roster import's row checks). The check
# character is computed as in ``stdnum.cn.uscc.calc_check_digit`` (GB 32100-2015: weights 3^i mod
# 31); tests/enterprises/test_validators.py checks the two agree.
CANONICAL_CREDIT_CODE = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}")
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def normalise_credit_code(value: str) -> str:
    if value and CANONICAL_CREDIT_CODE.fullmatch(value):
        return value  # compact would return it unchanged
    return uscc.compact(value or "").upper()


def check_character(code: str) -> str:
    """The 18th character a code's first 17 call for (canonical characters only)."""
    total = sum(map(operator.mul, map(_INDEX.__getitem__, code[:17]), _WEIGHTS))
    return _ALPHABET[(31 - total) % 31]


def credit_code_problem(value: str) -> str | None:
    """None when ``value`` is a valid 统一社会信用代码, else a Chinese sentence naming the problem."""
    if value and CANONICAL_CREDIT_CODE.fullmatch(value) and check_character(value) == value[17]:
        return None  # the fast path of an import's rows: what uscc.validate accepts
    code = normalise_credit_code(value)
    if len(code) != 18:
        return _("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(code)}
    bad = [c for c in code if c not in _ALPHABET]
    if bad:
        return _(
            "The credit code contains characters that are not allowed: %(chars)s (I, O, S, V and Z are never used)."
        ) % {"chars": "、".join(dict.fromkeys(bad))}
    if not code[2:8].isdigit():
        return _("Characters 3–8 of the credit code must be a six-digit region code; found %(part)s.") % {
            "part": code[2:8]
        }
    try:
        uscc.validate(code)
    except uscc.InvalidChecksum:
        return _("The check character (the 18th) should be %(expected)s, not %(actual)s.") % {
            "expected": uscc.calc_check_digit(code[:17]),
            "actual": code[17],
        }
    except uscc.ValidationError:
        return _("The first two characters of the credit code (registering body and entity type) are not valid.")
    return None


def validate_credit_code(value: str) -> None:
    problem = credit_code_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_credit_code")


def validate_phone(value: str) -> None:
    if value and not _PHONE.match(value.replace(" ", "")):
        raise ValidationError(
            _("Enter a mobile number of 11 digits or a landline such as 0750-3123456."), code="invalid_phone"
        )
