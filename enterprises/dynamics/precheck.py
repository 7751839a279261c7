"""Eligibility pre-check: pure evaluation of an enterprise against a criteria set.

Two steps, both free of database access so that they can be worked through by hand:

1. ``compute_figures(records, date)`` turns an enterprise's records (statistics, R&D institutions,
   titles held, tags, establishment date, niche market) into the figures criteria test
   (``Figure``), each with the period or record it came from, or *unknown* when the data is missing.
2. ``evaluate(figures, spec)`` applies a criteria set (``CriteriaSpec``, built from the rows of a
   ``CriteriaSet``) and explains each criterion: met, missed or unknown, with the figure used; score
   tables give the score as a range (lowest–highest possible while some figures are unknown) with
   its parts.

Three-valued logic: ``True`` met, ``False`` missed, ``None`` unknown. An enterprise is eligible when
any direct condition is met, or when every threshold group is met and the score reaches the
minimum (in total and in each dimension with a minimum).

Units: amounts in 10,000 yuan (万元) like ``Statistic``; ratios and growth rates in percent.
"""

from __future__ import annotations

import datetime as dt
import operator as op
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..models.core import period_end
from .choices import CriterionKind, Figure, Operator

MET, MISSED, UNKNOWN = "met", "missed", "unknown"
ELIGIBLE, NOT_ELIGIBLE = "eligible", "not_eligible"
HUNDRED = Decimal(100)
ZERO = Decimal(0)

#: How far back the yearly figures may come from: the last year, or the year before when the last
#: year's annual statistics (Q4) are not in yet.
MAX_YEARS_BACK = 2

AMOUNT_FIGURES = {
    Figure.REVENUE,
    Figure.PROFIT,
    Figure.PROFIT_2Y,
    Figure.PROFIT_MIN_2Y,
    Figure.RD_EXPENSE,
    Figure.RD_EXPENSE_2Y,
    Figure.RD_EXPENSE_MIN_2Y,
    Figure.NEW_EQUITY_3Y,
    Figure.NEW_EQUITY_2Y,
}
PERCENT_FIGURES = {
    Figure.MAIN_BUSINESS_SHARE,
    Figure.REVENUE_GROWTH,
    Figure.REVENUE_GROWTH_AVG_2Y,
    Figure.PROFIT_MARGIN,
    Figure.DEBT_RATIO,
    Figure.RD_RATIO,
    Figure.RD_RATIO_MIN_2Y,
    Figure.RD_STAFF_SHARE,
}
COUNT_FIGURES = {Figure.CLASS1_IP, Figure.INVENTION_PATENTS, Figure.TRADEMARKS}
#: Figures the portal does not collect: always unknown (the enterprise's application must show them).
EXTERNAL_FIGURES = {
    Figure.HIGH_TECH_TITLE,
    Figure.SCIENCE_AWARD_3Y,
    Figure.NEW_EQUITY_3Y,
    Figure.NEW_EQUITY_2Y,
    Figure.QUALITY_CERTIFICATION,
    Figure.LOCAL_CHARACTERISTIC,
}
STOCK_FIELDS = {
    Figure.CLASS1_IP: "class1_ip",
    Figure.INVENTION_PATENTS: "invention_patents",
    Figure.TRADEMARKS: "trademarks",
    Figure.DIGITAL_LEVEL: "digital_level",
    Figure.FILLS_TECH_GAP: "fills_tech_gap",
}


def unit_of(figure: str) -> str:
    if figure in AMOUNT_FIGURES:
        return _("10k yuan")
    if figure in PERCENT_FIGURES:
        return "%"
    if figure in COUNT_FIGURES:
        return _("items")
    if figure == Figure.NICHE_YEARS:
        return _("years")
    return ""


def fmt(value: Decimal | int | None) -> str:
    """A figure for display: at most two decimals, no trailing zeros."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.01"))
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --------------------------------------------------------------------------------------------------
# Step 1: figures from records
# --------------------------------------------------------------------------------------------------


class Text:
    """A message translated only when shown (pre-checking thousands of enterprises must not pay
    for translating every explanation)."""

    __slots__ = ("msg", "params")

    def __init__(self, msg: str, params: dict | None = None):
        self.msg, self.params = msg, params

    def __str__(self):
        text = _(self.msg)
        return text % self.params if self.params else text


@dataclass(frozen=True)
class FigureValue:
    value: Decimal | None
    basis_text: Text | str = ""

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def basis(self) -> str:
        return str(self.basis_text)


@dataclass
class EnterpriseRecords:
    """What the pre-check needs to know about one enterprise (plain data, no queries).

    ``statistics``: objects with ``year``, ``quarter`` and the ``Statistic`` figure fields;
    ``held_tier_codes``: tiers of the titles valid on the pre-check date; ``required_tiers``:
    (code, name) of the tiers the ladder rules in force require for the target tier;
    ``held_tier_ranks``: ranks of the tiers of the titles valid on the pre-check date."""

    established_on: dt.date | None = None
    niche_market: str = ""
    statistics: Sequence = ()
    rd_institution_ranks: Sequence[int] = ()
    held_tier_codes: Iterable[str] = ()
    tag_kinds: Iterable[str] = ()
    required_tiers: Sequence[tuple[str, str]] = ()
    held_tier_ranks: Sequence[int] = ()


def _pct(numerator, denominator) -> Decimal | None:
    if numerator is None or denominator in (None, 0):
        return None
    return Decimal(numerator) * HUNDRED / Decimal(denominator)


def _growth(current, previous) -> Decimal | None:
    if current is None or previous in (None, 0):
        return None
    return (Decimal(current) - Decimal(previous)) * HUNDRED / Decimal(previous)


def _full_years(start: dt.date, end: dt.date) -> int:
    years = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    return max(0, years)


def compute_figures(records: EnterpriseRecords, date: dt.date) -> dict[str, FigureValue]:
    """Every ``Figure`` for one enterprise as of ``date``."""
    stats = sorted(
        (s for s in records.statistics if period_end(s.year, s.quarter) <= date),
        key=lambda s: (s.year, s.quarter),
        reverse=True,
    )
    annual = {s.year: s for s in stats if s.quarter == 4 and s.year < date.year}
    ref_year = next((y for y in range(date.year - 1, date.year - 1 - MAX_YEARS_BACK, -1) if y in annual), None)
    unknown_annual = Text(
        gettext_noop("no annual statistics (Q4) for %(first)s–%(last)s"),
        {"first": date.year - MAX_YEARS_BACK, "last": date.year - 1},
    )
    figures: dict[str, FigureValue] = {}

    def annual_value(year, name):
        row = annual.get(year)
        return getattr(row, name) if row is not None else None

    def put(code, value, basis_known, basis_unknown=""):
        figures[code] = FigureValue(value, basis_known if value is not None else (basis_unknown or unknown_annual))

    if ref_year is None:
        for code in (
            Figure.REVENUE,
            Figure.MAIN_BUSINESS_SHARE,
            Figure.REVENUE_GROWTH,
            Figure.REVENUE_GROWTH_AVG_2Y,
            Figure.PROFIT_MARGIN,
            Figure.DEBT_RATIO,
            Figure.RD_EXPENSE,
            Figure.RD_RATIO,
            Figure.RD_EXPENSE_2Y,
            Figure.RD_EXPENSE_MIN_2Y,
            Figure.RD_RATIO_MIN_2Y,
            Figure.PROFIT,
            Figure.PROFIT_2Y,
            Figure.PROFIT_MIN_2Y,
        ):
            figures[code] = FigureValue(None, unknown_annual)
    else:
        y, y1, y2 = ref_year, ref_year - 1, ref_year - 2
        label = Text(gettext_noop("annual statistics %(year)s"), {"year": y})
        label2 = Text(gettext_noop("annual statistics %(first)s–%(last)s"), {"first": y1, "last": y})
        label3 = Text(gettext_noop("annual statistics %(first)s–%(last)s"), {"first": y2, "last": y})
        missing = Text(gettext_noop("missing in the annual statistics %(year)s"), {"year": y})
        missing2 = Text(gettext_noop("needs the annual statistics %(first)s–%(last)s"), {"first": y1, "last": y})
        missing3 = Text(gettext_noop("needs the annual statistics %(first)s–%(last)s"), {"first": y2, "last": y})
        revenue = annual_value(y, "revenue")
        put(Figure.REVENUE, revenue, label, missing)
        put(Figure.MAIN_BUSINESS_SHARE, _pct(annual_value(y, "main_business_revenue"), revenue), label, missing)
        put(Figure.PROFIT_MARGIN, _pct(annual_value(y, "profit"), revenue), label, missing)
        put(
            Figure.DEBT_RATIO,
            _pct(annual_value(y, "total_liabilities"), annual_value(y, "total_assets")),
            label,
            missing,
        )
        rd = annual_value(y, "rd_expense")
        put(Figure.RD_EXPENSE, rd, label, missing)
        put(Figure.RD_RATIO, _pct(rd, revenue), label, missing)
        growth = _growth(revenue, annual_value(y1, "revenue"))
        put(Figure.REVENUE_GROWTH, growth, label2, missing2)
        growth_prev = _growth(annual_value(y1, "revenue"), annual_value(y2, "revenue"))
        put(
            Figure.REVENUE_GROWTH_AVG_2Y,
            (growth + growth_prev) / 2 if growth is not None and growth_prev is not None else None,
            label3,
            missing3,
        )
        profit, profit_prev = annual_value(y, "profit"), annual_value(y1, "profit")
        put(Figure.PROFIT, profit, label, missing)
        both_profits = profit is not None and profit_prev is not None
        put(Figure.PROFIT_2Y, Decimal(profit) + Decimal(profit_prev) if both_profits else None, label2, missing2)
        put(
            Figure.PROFIT_MIN_2Y,
            min(Decimal(profit), Decimal(profit_prev)) if both_profits else None,
            label2,
            missing2,
        )
        rd_prev = annual_value(y1, "rd_expense")
        both = rd is not None and rd_prev is not None
        put(Figure.RD_EXPENSE_2Y, Decimal(rd) + Decimal(rd_prev) if both else None, label2, missing2)
        put(Figure.RD_EXPENSE_MIN_2Y, min(Decimal(rd), Decimal(rd_prev)) if both else None, label2, missing2)
        ratio_prev = _pct(rd_prev, annual_value(y1, "revenue"))
        ratio = _pct(rd, revenue)
        put(
            Figure.RD_RATIO_MIN_2Y,
            min(ratio, ratio_prev) if ratio is not None and ratio_prev is not None else None,
            label2,
            missing2,
        )

    # Stock figures: the latest quarter that reports them.
    for code, name in STOCK_FIELDS.items():
        row = next((s for s in stats if getattr(s, name) is not None), None)
        figures[code] = FigureValue(
            Decimal(int(getattr(row, name))) if row is not None else None,
            Text(gettext_noop("statistics %(period)s"), {"period": f"{row.year}Q{row.quarter}"})
            if row is not None
            else Text(gettext_noop("not reported in any statistics")),
        )
    row = next((s for s in stats if s.rd_staff is not None and s.employees), None)
    figures[Figure.RD_STAFF_SHARE] = FigureValue(
        _pct(row.rd_staff, row.employees) if row is not None else None,
        Text(gettext_noop("statistics %(period)s"), {"period": f"{row.year}Q{row.quarter}"})
        if row is not None
        else Text(gettext_noop("R&D staff or employees not reported")),
    )

    ranks = list(records.rd_institution_ranks)
    figures[Figure.RD_INSTITUTION_RANK] = FigureValue(
        Decimal(max(ranks, default=0)), Text(gettext_noop("%(n)s R&D institution(s) on record"), {"n": len(ranks)})
    )

    if records.niche_market and records.established_on:
        figures[Figure.NICHE_YEARS] = FigureValue(
            Decimal(_full_years(records.established_on, date)),
            Text(
                gettext_noop("estimated from the establishment date %(date)s"),
                {"date": records.established_on.isoformat()},
            ),
        )
    else:
        figures[Figure.NICHE_YEARS] = FigureValue(
            None, Text(gettext_noop("niche market or establishment date not recorded"))
        )

    kinds = set(records.tag_kinds)
    strategic = bool(kinds & {"focus_area", "cluster"})
    figures[Figure.STRATEGIC_INDUSTRY] = FigureValue(
        Decimal(int(strategic)),
        Text(gettext_noop("tagged as a plan focus area or strategic cluster"))
        if strategic
        else Text(gettext_noop("no focus-area or cluster tag")),
    )

    held = set(records.held_tier_codes)
    required = list(records.required_tiers)
    if not required:
        figures[Figure.LADDER_PREREQUISITE] = FigureValue(
            Decimal(1), Text(gettext_noop("no ladder rule in force for this tier"))
        )
    else:
        missing_tiers = [name for code, name in required if code not in held]
        names = "、".join(name for _code, name in required)
        figures[Figure.LADDER_PREREQUISITE] = FigureValue(
            Decimal(0 if missing_tiers else 1),
            Text(
                gettext_noop("holds a valid %(tiers)s title")
                if not missing_tiers
                else gettext_noop("no valid %(tiers)s title"),
                {"tiers": names},
            ),
        )

    held_ranks = list(records.held_tier_ranks)
    figures[Figure.TIER_HELD] = FigureValue(
        Decimal(max(held_ranks, default=0)),
        Text(gettext_noop("%(n)s valid title(s) held"), {"n": len(held_ranks)}),
    )

    for code in EXTERNAL_FIGURES:
        figures[code] = FigureValue(None, Text(gettext_noop("not collected by the portal")))
    return figures


# --------------------------------------------------------------------------------------------------
# Step 2: evaluation
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    name: str
    kind: str
    figure: str
    operator: str = Operator.GTE
    threshold: Decimal | None = None
    upper: Decimal | None = None
    upper_operator: str = Operator.LT
    points: Decimal | None = None
    dimension: str = ""
    item: str = ""
    item_name: str = ""
    group: str = ""
    option: str = ""
    note: str = ""

    @classmethod
    def from_model(cls, c) -> CriterionSpec:
        return cls(
            code=c.code,
            name=c.name,
            kind=c.kind,
            figure=c.figure,
            operator=c.operator,
            threshold=c.threshold,
            upper=c.upper,
            upper_operator=c.upper_operator,
            points=c.points,
            dimension=c.dimension.code if c.dimension_id else "",
            item=c.item,
            item_name=c.item_name,
            group=c.group,
            option=c.option,
            note=c.note,
        )


@dataclass(frozen=True)
class DimensionSpec:
    code: str
    name: str
    max_points: Decimal
    min_points: Decimal | None = None


@dataclass(frozen=True)
class CriteriaSpec:
    code: str
    name: str
    tier_code: str
    source_document: str
    min_score: Decimal | None
    criteria: tuple[CriterionSpec, ...]
    dimensions: tuple[DimensionSpec, ...] = ()
    verified: bool = True
    note: str = ""
    pk: int | None = None

    @classmethod
    def from_model(cls, criteria_set) -> CriteriaSpec:
        """Build from a ``CriteriaSet`` (prefetch ``criteria__dimension`` and ``dimensions`` to avoid queries)."""
        dims = sorted(criteria_set.dimensions.all(), key=lambda d: (d.sort_order, d.code))
        rows = sorted(criteria_set.criteria.all(), key=lambda c: (c.sort_order, c.code))
        return cls(
            code=criteria_set.code,
            name=criteria_set.name,
            tier_code=criteria_set.tier.code if criteria_set.tier_id else "",
            source_document=criteria_set.source_document,
            min_score=criteria_set.min_score,
            criteria=tuple(CriterionSpec.from_model(c) for c in rows),
            dimensions=tuple(DimensionSpec(d.code, d.name, d.max_points, d.min_points) for d in dims),
            verified=criteria_set.verified,
            note=criteria_set.note,
            pk=criteria_set.pk,
        )


_OPERATORS = {
    Operator.GTE.value: op.ge,
    Operator.GT.value: op.gt,
    Operator.LTE.value: op.le,
    Operator.LT.value: op.lt,
    Operator.EQ.value: op.eq,
}


def compare(value: Decimal, operator: str, threshold: Decimal) -> bool:
    try:
        return _OPERATORS[operator](value, threshold)
    except KeyError:
        raise ValueError(f"unknown operator {operator!r}") from None


def _and(values: Iterable[bool | None]) -> bool | None:
    values = list(values)
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(values: Iterable[bool | None]) -> bool | None:
    values = list(values)
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def status_word(value: bool | None) -> str:
    return MET if value is True else MISSED if value is False else UNKNOWN


def requirement_text(spec: CriterionSpec) -> str:
    symbol = dict(Operator.choices)
    unit = unit_of(spec.figure)
    if spec.kind != CriterionKind.BAND:
        return f"{symbol[spec.operator]} {fmt(spec.threshold)}{(' ' + unit) if unit else ''}"
    parts = []
    if spec.threshold is not None:
        parts.append(f"{symbol[spec.operator]} {fmt(spec.threshold)}")
    if spec.upper is not None:
        parts.append(f"{symbol[spec.upper_operator]} {fmt(spec.upper)}")
    return " 且 ".join(parts) + ((" " + unit) if unit else "")


@dataclass(slots=True)
class CriterionResult:
    spec: CriterionSpec
    value: Decimal | None
    basis_text: Text | str
    met: bool | None

    @property
    def basis(self) -> str:
        return str(self.basis_text)

    @property
    def status(self) -> str:
        return status_word(self.met)

    @property
    def requirement(self) -> str:
        return requirement_text(self.spec)

    @property
    def value_display(self) -> str:
        if self.value is None:
            return "—"
        unit = unit_of(self.spec.figure)
        return fmt(self.value) + ((" " + unit) if unit else "")

    @property
    def figure_label(self) -> str:
        return str(Figure(self.spec.figure).label)


@dataclass(slots=True)
class ItemResult:
    dimension: str
    code: str
    name: str
    bands: list[CriterionResult]
    points_min: Decimal
    points_max: Decimal

    @property
    def known(self) -> bool:
        return self.points_min == self.points_max

    @property
    def matched(self) -> CriterionResult | None:
        hits = [b for b in self.bands if b.met]
        return max(hits, key=lambda b: b.spec.points) if hits else None

    @property
    def figures(self) -> list[CriterionResult]:
        """One band per distinct figure (for showing the values used)."""
        seen, out = set(), []
        for band in self.bands:
            if band.spec.figure not in seen:
                seen.add(band.spec.figure)
                out.append(band)
        return out


@dataclass
class DimensionResult:
    spec: DimensionSpec
    items: list[ItemResult]
    points_min: Decimal
    points_max: Decimal
    met: bool | None

    @property
    def status(self) -> str:
        return status_word(self.met)


@dataclass
class PrecheckResult:
    spec: CriteriaSpec
    date: dt.date
    figures: Mapping[str, FigureValue]
    thresholds: list[CriterionResult]
    conditions: list[CriterionResult]
    dimensions: list[DimensionResult]
    score_min: Decimal | None
    score_max: Decimal | None
    direct: bool | None
    requirements: bool | None
    score_ok: bool | None
    eligible: bool | None
    groups: list[dict] = field(default_factory=list)

    @property
    def status(self) -> str:
        return ELIGIBLE if self.eligible is True else NOT_ELIGIBLE if self.eligible is False else UNKNOWN

    @property
    def has_score(self) -> bool:
        return bool(self.dimensions)

    @property
    def score(self) -> Decimal | None:
        """The score when every part is known, else None (see ``score_min``/``score_max``)."""
        return self.score_min if self.has_score and self.score_min == self.score_max else None

    @property
    def score_display(self) -> str:
        if not self.has_score:
            return "—"
        if self.score_min == self.score_max:
            return fmt(self.score_min)
        return f"{fmt(self.score_min)}–{fmt(self.score_max)}"

    def counts(self) -> dict[str, int]:
        rows = self.thresholds + self.conditions
        return {s: sum(1 for r in rows if r.status == s) for s in (MET, MISSED, UNKNOWN)}

    @property
    def met_rows(self):
        return [r for r in self.thresholds + self.conditions if r.status == MET]

    @property
    def missed_rows(self):
        return [r for r in self.thresholds + self.conditions if r.status == MISSED]

    @property
    def unknown_rows(self):
        return [r for r in self.thresholds + self.conditions if r.status == UNKNOWN]

    def summary(self) -> dict:
        """A JSON-able record of the result (kept with a reserve entry)."""
        return {
            "criteria_set": self.spec.code,
            "date": self.date.isoformat(),
            "status": self.status,
            "score_min": fmt(self.score_min) if self.has_score else None,
            "score_max": fmt(self.score_max) if self.has_score else None,
            "criteria": {
                r.spec.code: {"status": r.status, "value": fmt(r.value) if r.value is not None else None}
                for r in self.thresholds + self.conditions
            },
        }


_BAND, _THRESHOLD, _CONDITION = CriterionKind.BAND.value, CriterionKind.THRESHOLD.value, CriterionKind.CONDITION.value
_NOT_COMPUTED = Text(gettext_noop("figure not computed"))


def _criterion(spec: CriterionSpec, figures: Mapping[str, FigureValue]) -> CriterionResult:
    figure = figures.get(spec.figure)
    value = figure.value if figure is not None else None
    if value is None:
        met = None
    elif spec.kind == _BAND:
        met = (spec.threshold is None or _OPERATORS[spec.operator](value, spec.threshold)) and (
            spec.upper is None or _OPERATORS[spec.upper_operator](value, spec.upper)
        )
    else:
        met = _OPERATORS[spec.operator](value, spec.threshold)
    return CriterionResult(spec, value, figure.basis_text if figure is not None else _NOT_COMPUTED, met)


@dataclass(frozen=True)
class _Plan:
    """A criteria set's structure, worked out once and reused for every enterprise."""

    thresholds: tuple[CriterionSpec, ...]
    groups: tuple[tuple[str, tuple[tuple[str, tuple[int, ...]], ...]], ...]  # group → options → threshold indexes
    conditions: tuple[CriterionSpec, ...]
    dimensions: tuple[tuple[DimensionSpec, tuple[tuple[str, str, tuple[CriterionSpec, ...]], ...]], ...]


def _plan(spec: CriteriaSpec) -> _Plan:
    cached = _PLANS.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    thresholds = tuple(c for c in spec.criteria if c.kind == _THRESHOLD)
    groups: dict[str, dict[str, list[int]]] = {}
    for index, c in enumerate(thresholds):
        groups.setdefault(c.group or f"_{c.code}", {}).setdefault(c.option or f"_{c.code}", []).append(index)
    items: dict[str, dict[str, list[CriterionSpec]]] = {}
    for c in spec.criteria:
        if c.kind == _BAND:
            items.setdefault(c.dimension, {}).setdefault(c.item, []).append(c)
    plan = _Plan(
        thresholds=thresholds,
        groups=tuple(
            (key, tuple((name, tuple(idx)) for name, idx in options.items())) for key, options in groups.items()
        ),
        conditions=tuple(c for c in spec.criteria if c.kind == _CONDITION),
        dimensions=tuple(
            (
                dim,
                tuple((code, rows[0].item_name or code, tuple(rows)) for code, rows in items.get(dim.code, {}).items()),
            )
            for dim in spec.dimensions
        ),
    )
    if len(_PLANS) > 64:
        _PLANS.clear()
    _PLANS[id(spec)] = (spec, plan)
    return plan


_PLANS: dict[int, tuple[CriteriaSpec, _Plan]] = {}


def evaluate(figures: Mapping[str, FigureValue], spec: CriteriaSpec, date: dt.date | None = None) -> PrecheckResult:
    plan = _plan(spec)
    thresholds = [_criterion(c, figures) for c in plan.thresholds]
    conditions = [_criterion(c, figures) for c in plan.conditions]

    # Thresholds: AND over groups; a group is an OR over its options; an option an AND of its rows.
    group_rows = []
    for key, options in plan.groups:
        rows_by_option = {name: [thresholds[i] for i in idx] for name, idx in options}
        met = _or([_and([r.met for r in rows]) for rows in rows_by_option.values()])
        group_rows.append({"code": key, "options": rows_by_option, "met": met, "alternatives": len(options) > 1})
    requirements = _and([g["met"] for g in group_rows])

    direct = _or([r.met for r in conditions]) if conditions else False

    # Score: each item scores its best matching band; an unknown figure widens the item's range.
    dimensions: list[DimensionResult] = []
    total_min = total_max = ZERO
    for dim, dim_items in plan.dimensions:
        items = []
        pmin = pmax = ZERO
        for code, name, band_specs in dim_items:
            rows = [_criterion(c, figures) for c in band_specs]
            low = high = ZERO
            for r in rows:
                if r.met:
                    if r.spec.points > low:
                        low = r.spec.points
                elif r.met is None and r.spec.points > high:
                    high = r.spec.points
            high = max(low, high)
            items.append(
                ItemResult(dimension=dim.code, code=code, name=name, bands=rows, points_min=low, points_max=high)
            )
            pmin += low
            pmax += high
        if dim.min_points is None:
            met = True
        else:
            met = True if pmin >= dim.min_points else False if pmax < dim.min_points else None
        dimensions.append(DimensionResult(spec=dim, items=items, points_min=pmin, points_max=pmax, met=met))
        total_min += pmin
        total_max += pmax
    if spec.min_score is None:
        total_ok = True
    else:
        total_ok = True if total_min >= spec.min_score else False if total_max < spec.min_score else None
    score_ok = _and([total_ok, *(d.met for d in dimensions)])
    eligible = _or([direct, _and([requirements, score_ok])])
    return PrecheckResult(
        spec=spec,
        date=date or dt.date.today(),
        figures=figures,
        thresholds=thresholds,
        conditions=conditions,
        dimensions=dimensions,
        score_min=total_min if dimensions else None,
        score_max=total_max if dimensions else None,
        direct=direct if conditions else None,
        requirements=requirements,
        score_ok=score_ok,
        eligible=eligible,
        groups=group_rows,
    )


def precheck(records: EnterpriseRecords, spec: CriteriaSpec, date: dt.date) -> PrecheckResult:
    """Figures from ``records`` as of ``date``, evaluated against ``spec``."""
    return evaluate(compute_figures(records, date), spec, date)
