"""The pre-check of many enterprises in one SQL statement: the verdict (eligible, not eligible,
undetermined) and the lowest possible score of every enterprise of a queryset against a criteria
set, for the reserve pool's counts, order and filters and for the dashboards.

It computes what ``precheck.compute_figures`` and ``precheck.evaluate`` compute, the same way:

- the annual figures from the Q4 row of the reference year (last year, or the year before when last
  year's Q4 is not in) and the one or two years before it (four LEFT JOINs on Q4 rows); the stock
  figures from the latest quarter, ended by the date and read by the pre-check (``reported_by``),
  that reports them; R&D institutions, titles held, tags, niche years as ``compute_figures`` does;
  figures the portal does not collect are unknown;
- every criterion as 1 met, 0 missed, NULL unknown; ratios and growth rates compared without
  division (``num × 100 ≥ t × den``, the inequality turned for a negative denominator), so the
  database compares exact decimals like Python's ``Decimal``; the lower of two years' values
  as "both" or "either" comparisons;
- the structure of ``evaluate`` (``precheck._plan``: threshold groups of alternative options,
  direct conditions, score items taking their best band with the range an unknown band opens,
  dimension and total minimums) in three-valued logic.

The drill-down (``/precheck/``) and the rows a page shows keep the Python explanation;
``tests/enterprises/test_precheck_sql.py`` proves the two agree on varied data and on hand-worked
cases. ``policies.matching`` compiles a policy's statistics conditions with the same helpers
(``reported_by``, ``YEARS_READ``). On SQLite the database compares floats, not decimals (the
demo's default; production and CI run PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear

from ..models import Enterprise, RDInstitution, Statistic, Title, period_end, title_valid_on
from .choices import CriterionKind, Figure, Operator
from .precheck import ELIGIBLE, EXTERNAL_FIGURES, MAX_YEARS_BACK, NOT_ELIGIBLE, UNKNOWN, CriteriaSpec, _plan

#: How many years of statistics the pre-check reads (``selectors.load_records``: year ≥ date.year − 4).
YEARS_READ = 4

_INT: IntegerField = IntegerField()
_DEC: DecimalField = DecimalField(max_digits=30, decimal_places=8)
_SYMBOL = {
    Operator.GTE.value: ">=",
    Operator.GT.value: ">",
    Operator.LTE.value: "<=",
    Operator.LT.value: "<",
    Operator.EQ.value: "=",
}
_FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "="}
#: Fields of the annual (Q4) rows the annual figures read.
_ANNUAL_FIELDS = ("revenue", "main_business_revenue", "profit", "total_liabilities", "total_assets", "rd_expense")
_STOCK = {
    Figure.CLASS1_IP.value: "class1_ip",
    Figure.INVENTION_PATENTS.value: "invention_patents",
    Figure.TRADEMARKS.value: "trademarks",
    Figure.DIGITAL_LEVEL.value: "digital_level",
    Figure.FILLS_TECH_GAP.value: "fills_tech_gap",
}
_STRATEGIC_KINDS = ("focus_area", "cluster")


def reported_by(date: dt.date) -> Q:
    """Statistics rows of periods that ended on or before ``date`` and that the pre-check reads."""
    done = sum(1 for quarter in (1, 2, 3, 4) if period_end(date.year, quarter) <= date)
    return Q(year__gte=date.year - YEARS_READ) & (Q(year__lt=date.year) | Q(year=date.year, quarter__lte=done))


# --------------------------------------------------------------------------------------------------
# The inner query: the raw figures of each enterprise as columns
# --------------------------------------------------------------------------------------------------


def _latest(date: dt.date, value, **conditions) -> Subquery:
    rows = Statistic.objects.filter(reported_by(date), enterprise=OuterRef("pk"), **conditions)
    return Subquery(rows.order_by("-year", "-quarter").annotate(_v=value).values("_v")[:1])


def _annual(field: str, back: int) -> Case:
    """``field`` of the annual row ``back`` years before the reference year (NULL without one)."""
    first, second = 1 + back, 2 + back  # the reference year is last year (st1) or the year before (st2)
    return Case(
        When(_st1__id__isnull=False, then=F(f"_st{first}__{field}")),
        When(_st2__id__isnull=False, then=F(f"_st{second}__{field}")),
        default=Value(None),
        output_field=_DEC,
    )


@dataclass
class _Columns:
    """The inner query's columns a criteria set needs, by name."""

    date: dt.date
    required_tiers: tuple[str, ...]
    exprs: dict
    derived: dict = field(default_factory=dict)  # SQL over the inner columns → its column in step ``f``

    def derive(self, sql: str) -> str:
        """A value computed once per enterprise (step ``f``) instead of in every criterion using it."""
        if sql not in self.derived:
            self.derived[sql] = f"f{len(self.derived)}"
        return self.derived[sql]

    def need(self, name: str) -> str:
        if name not in self.exprs:
            self.exprs[name] = self._build(name)
        return connection.ops.quote_name(name)

    def _build(self, name: str):
        date = self.date
        if name.startswith("_a"):  # _a{back}_{field}
            back, field = int(name[2]), name[4:]
            return _annual(field, back)
        if name.startswith("_k_"):
            field = name[3:]
            value = (
                Case(When(fills_tech_gap=True, then=Value(1)), default=Value(0), output_field=_INT)
                if field == "fills_tech_gap"
                else F(field)
            )
            return _latest(date, value, **{f"{field}__isnull": False})
        if name in ("_rd_staff", "_employees"):
            return _latest(date, F(name[1:]), rd_staff__isnull=False, employees__isnull=False, employees__gt=0)
        if name == "_rd_rank":
            best = RDInstitution.objects.filter(enterprise=OuterRef("pk")).order_by("-level__rank")
            return Coalesce(Subquery(best.values("level__rank")[:1]), Value(0), output_field=_INT)
        if name == "_tier_held":
            held = Title.objects.filter(title_valid_on(date), enterprise=OuterRef("pk")).order_by("-tier__rank")
            return Coalesce(Subquery(held.values("tier__rank")[:1]), Value(0), output_field=_INT)
        if name == "_strategic":
            tagged = Enterprise.tags.through.objects.filter(
                enterprise_id=OuterRef("pk"), tag__kind__in=_STRATEGIC_KINDS
            )
            return Case(When(Exists(tagged), then=Value(1)), default=Value(0), output_field=_INT)
        if name == "_ladder":
            if not self.required_tiers:
                return Value(1, output_field=_INT)
            held_all = Q()
            for code in self.required_tiers:
                held_all &= Q(
                    Exists(Title.objects.filter(title_valid_on(date), enterprise=OuterRef("pk"), tier__code=code))
                )
            return Case(When(held_all, then=Value(1)), default=Value(0), output_field=_INT)
        if name == "_niche_known":
            known = ~Q(niche_market="") & Q(established_on__isnull=False)
            return Case(When(known, then=Value(1)), default=Value(0), output_field=_INT)
        if name == "_est_year":
            return ExtractYear("established_on")
        if name == "_est_month":
            return ExtractMonth("established_on")
        if name == "_est_day":
            return ExtractDay("established_on")
        raise ValueError(f"unknown column {name!r}")


# --------------------------------------------------------------------------------------------------
# Figures: when known, and how they compare (SQL text over the inner query's columns)
# --------------------------------------------------------------------------------------------------

Compare = Callable[[str, Decimal], str]


def _lit(value: Decimal | int) -> str:
    text = format(Decimal(value), "f")
    return f"({text})" if text.startswith("-") else text


def _not_null(*columns: str) -> str:
    return " AND ".join(f"{c} IS NOT NULL" for c in columns)


def _plain(expr: str) -> Compare:
    return lambda symbol, t: f"({expr}) {symbol} {_lit(t)}"


def _ratio(num: str, den: str, cols: _Columns, factor: int = 1) -> Compare:
    """``num × 100 ÷ den <symbol> t`` (÷ factor on the left) without dividing: ``num × 100`` against
    ``t × factor × den``. Both sides are turned round once per enterprise when ``den`` is negative
    (two columns of the figures step), so each comparison costs one multiplication."""
    scaled = cols.derive(f"CASE WHEN ({den}) < 0 THEN -(({num}) * 100) ELSE ({num}) * 100 END")
    positive = cols.derive(f"ABS({den})")

    def compare(symbol: str, t: Decimal) -> str:
        return f"{scaled} {symbol} {_lit(t * factor)} * {positive}"

    return compare


def _lower_of(first: Compare, second: Compare) -> Compare:
    """``min(a, b) <symbol> t`` from the comparisons of ``a`` and ``b``."""

    def compare(symbol: str, t: Decimal) -> str:
        if symbol in (">=", ">"):
            return f"({first(symbol, t)} AND {second(symbol, t)})"
        if symbol in ("<=", "<"):
            return f"({first(symbol, t)} OR {second(symbol, t)})"
        return f"({first('>=', t)} AND {second('>=', t)} AND ({first('=', t)} OR {second('=', t)}))"

    return compare


def _figure(figure: str, cols: _Columns) -> tuple[str, Compare] | None:
    """``(known, compare)`` for ``figure``; None when the portal never knows it."""
    if figure in EXTERNAL_FIGURES:
        return None

    def a(back: int, field: str) -> str:
        return cols.need(f"_a{back}_{field}")

    if figure in (Figure.REVENUE, Figure.RD_EXPENSE, Figure.PROFIT):
        column = a(0, str(figure))
        return _not_null(column), _plain(column)
    ratios = {
        Figure.MAIN_BUSINESS_SHARE: ("main_business_revenue", "revenue"),
        Figure.PROFIT_MARGIN: ("profit", "revenue"),
        Figure.DEBT_RATIO: ("total_liabilities", "total_assets"),
        Figure.RD_RATIO: ("rd_expense", "revenue"),
    }
    if figure in ratios:
        num, den = (a(0, name) for name in ratios[Figure(figure)])
        return f"{_not_null(num, den)} AND {den} <> 0", _ratio(num, den, cols)
    if figure == Figure.REVENUE_GROWTH:
        r0, r1 = a(0, "revenue"), a(1, "revenue")
        return f"{_not_null(r0, r1)} AND {r1} <> 0", _ratio(f"{r0} - {r1}", r1, cols)
    if figure == Figure.REVENUE_GROWTH_AVG_2Y:
        r0, r1, r2 = a(0, "revenue"), a(1, "revenue"), a(2, "revenue")
        # ((r0 − r1)/r1 + (r1 − r2)/r2) × 100 ÷ 2 over the common denominator r1 × r2
        num = f"({r0} - {r1}) * {r2} + ({r1} - {r2}) * {r1}"
        return f"{_not_null(r0, r1, r2)} AND {r1} <> 0 AND {r2} <> 0", _ratio(num, f"{r1} * {r2}", cols, factor=2)
    sums = {
        Figure.PROFIT_2Y: "profit",
        Figure.PROFIT_MIN_2Y: "profit",
        Figure.RD_EXPENSE_2Y: "rd_expense",
        Figure.RD_EXPENSE_MIN_2Y: "rd_expense",
    }
    if figure in sums:
        v0, v1 = a(0, sums[Figure(figure)]), a(1, sums[Figure(figure)])
        if figure in (Figure.PROFIT_2Y, Figure.RD_EXPENSE_2Y):
            return _not_null(v0, v1), _plain(f"{v0} + {v1}")
        return _not_null(v0, v1), _lower_of(_plain(v0), _plain(v1))
    if figure == Figure.RD_RATIO_MIN_2Y:
        d0, r0, d1, r1 = a(0, "rd_expense"), a(0, "revenue"), a(1, "rd_expense"), a(1, "revenue")
        known = f"{_not_null(d0, r0, d1, r1)} AND {r0} <> 0 AND {r1} <> 0"
        return known, _lower_of(_ratio(d0, r0, cols), _ratio(d1, r1, cols))
    if figure in _STOCK:
        column = cols.need(f"_k_{_STOCK[figure]}")
        return _not_null(column), _plain(column)
    if figure == Figure.RD_STAFF_SHARE:
        staff, employees = cols.need("_rd_staff"), cols.need("_employees")
        return _not_null(staff, employees), _ratio(staff, employees, cols)
    simple = {
        Figure.RD_INSTITUTION_RANK: "_rd_rank",
        Figure.STRATEGIC_INDUSTRY: "_strategic",
        Figure.LADDER_PREREQUISITE: "_ladder",
        Figure.TIER_HELD: "_tier_held",
    }
    if figure in simple:
        return "1 = 1", _plain(cols.need(simple[Figure(figure)]))
    if figure == Figure.NICHE_YEARS:
        d = cols.date
        year, month, day = cols.need("_est_year"), cols.need("_est_month"), cols.need("_est_day")
        before = f"CASE WHEN {month} > {d.month} OR ({month} = {d.month} AND {day} > {d.day}) THEN 1 ELSE 0 END"
        years = f"({d.year} - {year} - {before})"
        return f"{cols.need('_niche_known')} = 1", _plain(f"CASE WHEN {years} > 0 THEN {years} ELSE 0 END")
    raise ValueError(f"figure {figure!r} has no SQL translation")


def _verdict(spec, cols: _Columns) -> str:
    """One criterion: 1 met, 0 missed, NULL unknown."""
    figure = _figure(spec.figure, cols)
    if figure is None:
        return "CAST(NULL AS INTEGER)"
    known, compare = figure
    if spec.kind == CriterionKind.BAND.value:
        parts = []
        if spec.threshold is not None:
            parts.append(compare(_SYMBOL[spec.operator], spec.threshold))
        if spec.upper is not None:
            parts.append(compare(_SYMBOL[spec.upper_operator], spec.upper))
        test = " AND ".join(parts) or "1 = 1"
    else:
        test = compare(_SYMBOL[spec.operator], spec.threshold)
    return f"CASE WHEN {known} THEN (CASE WHEN {test} THEN 1 ELSE 0 END) END"


# --------------------------------------------------------------------------------------------------
# Three-valued logic over the verdict columns
# --------------------------------------------------------------------------------------------------


def _all(values: list[str]) -> str:
    if not values:
        return "1"
    missed = " OR ".join(f"({v}) = 0" for v in values)
    unknown = " OR ".join(f"({v}) IS NULL" for v in values)
    return f"(CASE WHEN {missed} THEN 0 WHEN {unknown} THEN NULL ELSE 1 END)"


def _any(values: list[str]) -> str:
    if not values:
        return "0"
    met = " OR ".join(f"({v}) = 1" for v in values)
    unknown = " OR ".join(f"({v}) IS NULL" for v in values)
    return f"(CASE WHEN {met} THEN 1 WHEN {unknown} THEN NULL ELSE 0 END)"


def _at_least(low: str, high: str, minimum: Decimal | None) -> str:
    if minimum is None:
        return "1"
    return f"(CASE WHEN {low} >= {_lit(minimum)} THEN 1 WHEN {high} < {_lit(minimum)} THEN 0 ELSE NULL END)"


@dataclass(frozen=True)
class Verdict:
    enterprise_id: int
    name: str
    county_id: int
    status: str  # precheck.ELIGIBLE, NOT_ELIGIBLE or UNKNOWN
    score_min: Decimal | None  # the lowest possible score (None: the set has no score table)


def precheck_sql(enterprises: QuerySet, spec: CriteriaSpec, date: dt.date, required_tiers=()) -> tuple[str, list]:
    """The statement giving ``(id, name, county_id, eligible, score_min)`` for the enterprises of
    ``enterprises`` against ``spec`` (criteria in force on ``date``; ``required_tiers``: codes of
    the tiers the ladder rules require), and its parameters.

    Six steps, each a materialised CTE whose columns the next one reads, so that no expression is
    computed twice: the records (``e``), the figures compared (``f``), the criteria (``v``), the
    threshold groups, direct conditions and score items (``s``), the dimensions (``d``), the
    verdict (``r``)."""
    q = connection.ops.quote_name
    plan = _plan(spec)
    cols = _Columns(date=date, required_tiers=tuple(required_tiers), exprs={})
    criteria: dict[int, tuple[str, str]] = {}  # id(criterion) → (column, verdict SQL)

    def column(c) -> str:
        if id(c) not in criteria:
            criteria[id(c)] = (f"v{len(criteria)}", _verdict(c, cols))
        return criteria[id(c)][0]

    thresholds = [column(c) for c in plan.thresholds]
    step_s = {
        f"g{j}": _any([_all([thresholds[i] for i in idx]) for _name, idx in options])
        for j, (_key, options) in enumerate(plan.groups)
    }
    step_s["direct"] = _any([column(c) for c in plan.conditions])
    step_d = {"requirements": _all([f"g{j}" for j in range(len(plan.groups))]), "direct": "direct"}
    dimension_checks, lows, highs = [], [], []
    for k, (dim, items) in enumerate(plan.dimensions):
        dim_low, dim_high = [], []
        for m, (_code, _name, bands) in enumerate(items):
            # Bands without positive points never raise an item's score (as in ``evaluate``).
            scoring = sorted(
                ((b.points, b) for b in bands if b.points is not None and b.points > 0), key=lambda p: -p[0]
            )
            if not scoring:
                continue
            low = " ".join(f"WHEN {column(b)} = 1 THEN {_lit(points)}" for points, b in scoring)
            high = " ".join(f"WHEN {column(b)} = 1 OR {column(b)} IS NULL THEN {_lit(points)}" for points, b in scoring)
            step_s[f"lo{k}_{m}"] = f"(CASE {low} ELSE 0 END)"
            step_s[f"hi{k}_{m}"] = f"(CASE {high} ELSE 0 END)"
            dim_low.append(f"lo{k}_{m}")
            dim_high.append(f"hi{k}_{m}")
        step_d[f"dl{k}"] = " + ".join(dim_low) or "0"
        step_d[f"dh{k}"] = " + ".join(dim_high) or "0"
        dimension_checks.append(_at_least(f"dl{k}", f"dh{k}", dim.min_points))
        lows.append(f"dl{k}")
        highs.append(f"dh{k}")
    total_low, total_high = "(" + (" + ".join(lows) or "0") + ")", "(" + (" + ".join(highs) or "0") + ")"
    step_r = {
        "requirements": "requirements",
        "direct": "direct",
        "score_ok": _all([_at_least(total_low, total_high, spec.min_score), *dimension_checks]),
        "score_min": total_low if plan.dimensions else "NULL",
    }
    eligible = _any(["direct", _all(["requirements", "score_ok"])])

    # The columns the criteria read are known now: the inner query, one row per enterprise.
    relations = {
        f"_st{back}": FilteredRelation(
            "statistics", condition=Q(statistics__year=date.year - back, statistics__quarter=4)
        )
        for back in range(1, MAX_YEARS_BACK + 3)
    }
    inner = (
        enterprises.annotate(**relations)
        .annotate(**cols.exprs)
        .values(*cols.exprs, _id=F("pk"), _name=F("name"), _county=F("county_id"))
        .order_by()
    )
    inner_sql, params = inner.query.sql_with_params()
    keys = "id, name, county_id"

    def step(name: str, source: str, columns: dict[str, str]) -> str:
        selected = "".join(f", {sql} AS {alias}" for alias, sql in columns.items())
        return f"{name} AS MATERIALIZED (SELECT {keys}{selected} FROM {source})"

    step_v = {alias: sql for alias, sql in criteria.values()}
    derived = "".join(f", {sql} AS {alias}" for sql, alias in cols.derived.items())
    sql = (
        f"WITH e0 AS MATERIALIZED ({inner_sql}), "
        f"e AS MATERIALIZED (SELECT e0.*, e0.{q('_id')} AS id, e0.{q('_name')} AS name, "
        f"e0.{q('_county')} AS county_id FROM e0), "
        f"f AS MATERIALIZED (SELECT e.*{derived} FROM e), "
        f"{step('v', 'f', step_v)}, {step('s', 'v', step_s)}, {step('d', 's', step_d)}, {step('r', 'd', step_r)} "
        f"SELECT {keys}, {eligible} AS eligible, score_min FROM r"
    )
    return sql, list(params)


_STATUS = {1: ELIGIBLE, 0: NOT_ELIGIBLE, None: UNKNOWN}


def verdicts(enterprises: QuerySet, spec: CriteriaSpec, date: dt.date, required_tiers=()) -> list[Verdict]:
    """Every enterprise of ``enterprises`` with its pre-check status and lowest score, one statement."""
    sql, params = precheck_sql(enterprises, spec, date, required_tiers)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        Verdict(
            enterprise_id=pk,
            name=name,
            county_id=county_id,
            status=_STATUS[None if eligible is None else int(eligible)],
            score_min=None if score is None else (score if isinstance(score, Decimal) else Decimal(str(score))),
        )
        for pk, name, county_id, eligible, score in rows
    ]
