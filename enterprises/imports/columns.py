"""Import columns, and the statistics workbook format: one column per statistic field.

Header names are the file format (the contract with every county's spreadsheet), so they are
fixed Chinese strings, not translations. A header is matched by its base name; a unit in brackets
after it (``营业收入（万元）`` or ``营业收入（元）``) says how amounts are stated.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

DATA_SHEET = "统计数据"
INSTRUCTIONS_SHEET = "填表说明"

CODE, TEXT, PERIOD, AMOUNT, COUNT, LEVEL, BOOL = "code", "text", "period", "amount", "count", "level", "bool"


@dataclass(frozen=True)
class Column:
    field: str  # Statistic field (or credit_code / name / period)
    header: str  # base name in the header row
    kind: str
    unit: str = ""  # unit printed in the template header
    required: bool = False
    example: object = None
    aliases: tuple[str, ...] = ()  # other header texts accepted for this column
    help: str = ""  # the instructions sheet's line for this column (file format: Chinese)


COLUMNS: tuple[Column, ...] = (
    Column("credit_code", "统一社会信用代码", CODE, required=True, example="91440781MA4UJ0000X"),
    Column("name", "企业名称", TEXT, example="台山示例精密有限公司"),
    Column("period", "报告期", PERIOD, required=True, example="2024Q1"),
    Column("output_value", "工业总产值", AMOUNT, "万元", example=1234.5),
    Column("revenue", "营业收入", AMOUNT, "万元", example=1180),
    Column("main_business_revenue", "主营业务收入", AMOUNT, "万元", example=1100),
    Column("profit", "利润总额", AMOUNT, "万元", example=-35.2),
    Column("total_assets", "资产总计", AMOUNT, "万元", example=5200),
    Column("total_liabilities", "负债合计", AMOUNT, "万元", example=2600),
    Column("rd_expense", "研发费用", AMOUNT, "万元", example=88),
    Column("export_revenue", "出口收入", AMOUNT, "万元", example=0),
    Column("employees", "从业人员", COUNT, "人", example=156),
    Column("rd_staff", "研发人员", COUNT, "人", example=21),
    Column("invention_patents", "有效发明专利", COUNT, "件", example=4),
    Column("class1_ip", "Ⅰ类知识产权", COUNT, "件", example=5),
    Column("trademarks", "注册商标", COUNT, "件", example=2),
    Column("digital_level", "数字化水平等级", LEVEL, "1-4", example=2),
    Column("university_cooperation", "是否与高校开展研发合作", BOOL, "是/否", example="是"),
    Column("fills_tech_gap", "是否填补技术空白或替代进口", BOOL, "是/否", example="否"),
)

FIGURE_COLUMNS = tuple(c for c in COLUMNS if c.kind in (AMOUNT, COUNT, LEVEL, BOOL))
BY_FIELD = {c.field: c for c in COLUMNS}

TEN_THOUSAND = Decimal(10000)
AMOUNT_UNITS = {"万元": Decimal(1), "元": Decimal(1) / TEN_THOUSAND}

_BRACKETS = re.compile(r"^(?P<base>.*?)\s*[(（\[【](?P<unit>[^)）\]】]*)[)）\]】]\s*$")
_SPACES = re.compile(r"\s+")


def normalise_text(value: str) -> str:
    """Full-width to half-width (NFKC) and no whitespace: how headers and codes are compared."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value))


def template_header(column: Column) -> str:
    return f"{column.header}（{column.unit}）" if column.unit else column.header


class HeaderLookup:
    """Header cells → columns of one import kind: by base name (full-width/half-width and spaces
    tolerated), a unit in brackets split off; a column may have other names (``aliases``)."""

    def __init__(self, columns: tuple[Column, ...]):
        self.base = {}
        for column in columns:
            for name in (column.header, *column.aliases):
                self.base[normalise_text(name)] = column

    def match(self, cell: object) -> tuple[Column | None, str, str]:
        """(column, unit, normalised text) for a header cell; column None when unknown."""
        text = normalise_text(str(cell if cell is not None else ""))
        unit = ""
        m = _BRACKETS.match(text)
        base = text
        if m:
            base, unit = m.group("base"), m.group("unit")
        column = self.base.get(base)
        if column is None:
            column = self.base.get(text)
            unit = "" if column else unit
        return column, unit, text


_STATISTICS_LOOKUP = HeaderLookup(COLUMNS)


def match_header(cell: object) -> tuple[Column | None, str, str]:
    """(column, unit, normalised text) for a header cell of the statistics kind."""
    return _STATISTICS_LOOKUP.match(cell)
