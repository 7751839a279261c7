"""Building valid identifiers (for demo data, tests and benchmarks)."""

from stdnum.cn import uscc

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_credit_code(region_code: str, serial: int, entity: str = "91") -> str:
    """A credit code that passes the GB 32100-2015 check: ``entity`` (registering body and type),
    the region, a nine-character organisation part derived from ``serial``, and the check character."""
    body = ""
    n = serial
    for _ in range(9):
        n, r = divmod(n, len(_ALPHABET))
        body = _ALPHABET[r] + body
    code17 = f"{entity}{region_code}{body}"
    return code17 + uscc.calc_check_digit(code17)
