"""A policy's eligibility conditions on the criteria engine of the pre-check, two ways:

- **one enterprise** (the drill-down, the enterprise page): each condition becomes a threshold
  ``CriterionSpec`` of a ``CriteriaSpec`` and is evaluated by ``enterprises.dynamics.precheck``
  (``compute_figures`` for the statistics figures, the same three-valued ``evaluate``); conditions
  on what an enterprise *is* (tier held, county, industry, plan tag, listing stage) are figures of
  their own, 1 or 0 (an enterprise without an industry: unknown), tested with ``= 1``;
- **every enterprise** (the match lists, the counts, the push): each condition becomes one SQL
  expression of the same value (1 met, 0 missed, NULL unknown), computed the way
  ``compute_figures`` computes its figure (the annual statistics of last year, or of the year
  before when last year's Q4 is not in; stock figures from the latest quarter that reports them;
  a ratio unknown when its denominator is missing or zero). Ratios are compared without division
  (``rd × 100 ≥ t × revenue`` with revenue > 0), so the database compares exact decimals. The
  statistics rows read are the pre-check's (``enterprises.dynamics.precheck_sql.reported_by``);
  the reserve pool compiles whole criteria sets (score tables included) the same way there.

Both give the same status: conditions sharing a group are alternatives (the group is met when one
is met, missed when all are missed, else unknown); an enterprise **meets** the policy when every
group is met, **misses by one** when exactly one group is missed (others may be unknown), and is
**unknown** when none is missed and some are unknown. ``tests/policies/test_matching.py`` checks
the two against each other and against hand-worked values.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

from django.db import connection, transaction
from django.db.models import (
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils.translation import gettext as _

from enterprises.dynamics.choices import CriterionKind, Figure, Operator
from enterprises.dynamics.precheck import (
    MISSED,
    UNKNOWN,
    CriteriaSpec,
    CriterionSpec,
    FigureValue,
    compute_figures,
    evaluate,
    fmt,
    unit_of,
)
from enterprises.dynamics.precheck_sql import reported_by
from enterprises.dynamics.selectors import load_records
from enterprises.models import Enterprise, Industry, ListingRecord, RDInstitution, Statistic, Title, title_valid_on

from .choices import LISTING_ORDER, ConditionKind, MatchStatus

_LOOKUPS = {
    Operator.GTE.value: GreaterThanOrEqual,
    Operator.GT.value: GreaterThan,
    Operator.LTE.value: LessThanOrEqual,
    Operator.LT.value: LessThan,
    Operator.EQ.value: Exact,
}
_DEC: DecimalField = DecimalField(max_digits=30, decimal_places=8)
_INT: IntegerField = IntegerField()
HUNDRED = Decimal(100)

#: Figures of the last annual statistics: a plain field, or a ratio (numerator, denominator) in %.
_ANNUAL_FIELD = {Figure.REVENUE.value: "revenue", Figure.RD_EXPENSE.value: "rd_expense"}
_ANNUAL_RATIO = {
    Figure.MAIN_BUSINESS_SHARE.value: ("main_business_revenue", "revenue"),
    Figure.PROFIT_MARGIN.value: ("profit", "revenue"),
    Figure.DEBT_RATIO.value: ("total_liabilities", "total_assets"),
    Figure.RD_RATIO.value: ("rd_expense", "revenue"),
}
_STOCK_FIELD = {
    Figure.CLASS1_IP.value: "class1_ip",
    Figure.INVENTION_PATENTS.value: "invention_patents",
    Figure.TRADEMARKS.value: "trademarks",
    Figure.DIGITAL_LEVEL.value: "digital_level",
}


def reached_stages(stage: str) -> list[str]:
    return list(LISTING_ORDER[LISTING_ORDER.index(stage) :]) if stage in LISTING_ORDER else [stage]


def industry_ids(industry: Industry) -> set[int]:
    """The industry and its divisions (a section covers its divisions)."""
    return {industry.pk, *Industry.objects.filter(parent=industry).values_list("pk", flat=True)}


def figure_code(condition) -> str:
    """The figure a condition tests, as the engine names it."""
    kind = condition.kind
    if kind == ConditionKind.FIGURE:
        return condition.figure
    key = {
        ConditionKind.TIER: "tier_id",
        ConditionKind.COUNTY: "county_id",
        ConditionKind.INDUSTRY: "industry_id",
        ConditionKind.TAG: "tag_id",
        ConditionKind.LISTING: "listing_stage",
    }[kind]
    return f"{kind}:{getattr(condition, key)}"


def policy_spec(policy, conditions) -> CriteriaSpec:
    """The policy's conditions as a criteria set of threshold rows (groups: alternatives)."""
    rows = []
    for c in conditions:
        if c.kind == ConditionKind.FIGURE:
            operator, threshold = c.operator, c.threshold
        else:
            operator, threshold = Operator.EQ.value, Decimal(1)
        rows.append(
            CriterionSpec(
                code=f"c{c.pk}",
                name=c.describe(),
                kind=CriterionKind.THRESHOLD.value,
                figure=figure_code(c),
                operator=operator,
                threshold=threshold,
                group=c.group,
            )
        )
    return CriteriaSpec(
        code=f"policy-{policy.pk}",
        name=policy.title,
        tier_code="",
        source_document=policy.document_no,
        min_score=None,
        criteria=tuple(rows),
    )


# --------------------------------------------------------------------------------------------------
# One enterprise (or a few): the engine in Python, with the figures behind each condition
# --------------------------------------------------------------------------------------------------


@dataclass
class ConditionRow:
    condition: object
    status: str  # met / missed / unknown
    value: str
    basis: str


@dataclass
class PolicyResult:
    policy: object
    enterprise: Enterprise
    status: str | None  # a MatchStatus value, or None (misses two or more)
    missed: int
    unknown: int
    rows: list[ConditionRow]


def _membership_figures(enterprise, conditions, held_ranks, tag_ids, stages) -> dict[str, FigureValue]:
    figures: dict[str, FigureValue] = {}
    best = max(held_ranks, default=0)
    for c in conditions:
        if c.kind == ConditionKind.FIGURE:
            continue
        code = figure_code(c)
        if c.kind == ConditionKind.TIER:
            value, basis = int(best >= c.tier.rank), _("highest valid title rank %(rank)s") % {"rank": best}
        elif c.kind == ConditionKind.COUNTY:
            value, basis = int(enterprise.county_id == c.county_id), str(enterprise.county)
        elif c.kind == ConditionKind.INDUSTRY:
            if enterprise.industry_id is None:
                figures[code] = FigureValue(None, _("industry not recorded"))
                continue
            value, basis = int(enterprise.industry_id in c.industry_ids), str(enterprise.industry)
        elif c.kind == ConditionKind.TAG:
            value = int(c.tag_id in tag_ids)
            basis = _("tagged") if value else _("not tagged")
        else:
            reached = set(reached_stages(c.listing_stage)) & stages
            value = int(bool(reached))
            basis = _("listing records on file") if stages else _("no listing record")
        figures[code] = FigureValue(Decimal(value), basis)
    return figures


def _status(missed: int, unknown: int) -> str | None:
    if missed == 0:
        return MatchStatus.MET.value if unknown == 0 else MatchStatus.UNKNOWN.value
    return MatchStatus.MISSED_ONE.value if missed == 1 else None


def prepare(conditions) -> list:
    """Conditions with what both evaluations need loaded (tier, county, industry and its divisions)."""
    conditions = list(conditions)
    for c in conditions:
        if c.kind == ConditionKind.INDUSTRY and c.industry_id:
            c.industry_ids = industry_ids(c.industry)
    return conditions


@dataclass
class Loaded:
    """What the engine needs of some enterprises, loaded once for any number of policies."""

    date: dt.date
    records: dict
    held: dict[int, list[int]]
    tags: dict[int, set[int]]
    stages: dict[int, set[str]]


def load(enterprises, date: dt.date) -> Loaded:
    """The pre-check's records (``load_records``) and the membership facts, in eight queries."""
    ids = [e.pk for e in enterprises]
    held: dict[int, list[int]] = defaultdict(list)
    for enterprise_id, rank in Title.objects.filter(title_valid_on(date), enterprise_id__in=ids).values_list(
        "enterprise_id", "tier__rank"
    ):
        held[enterprise_id].append(rank)
    tags: dict[int, set[int]] = defaultdict(set)
    for enterprise_id, tag_id in Enterprise.tags.through.objects.filter(enterprise_id__in=ids).values_list(
        "enterprise_id", "tag_id"
    ):
        tags[enterprise_id].add(tag_id)
    stages: dict[int, set[str]] = defaultdict(set)
    for enterprise_id, stage in ListingRecord.objects.filter(enterprise_id__in=ids, date__lte=date).values_list(
        "enterprise_id", "stage"
    ):
        stages[enterprise_id].add(stage)
    return Loaded(date, load_records(enterprises, date=date, target=None), held, tags, stages)


def evaluate_loaded(policy, conditions, enterprise, loaded: Loaded) -> PolicyResult:
    """The engine's verdict for one enterprise (``conditions`` from ``prepare``)."""
    spec = policy_spec(policy, conditions)
    e = enterprise
    figures = dict(compute_figures(loaded.records[e.pk], loaded.date))
    figures.update(_membership_figures(e, conditions, loaded.held[e.pk], loaded.tags[e.pk], loaded.stages[e.pk]))
    verdict = evaluate(figures, spec, loaded.date)
    missed = sum(1 for g in verdict.groups if g["met"] is False)
    unknown = sum(1 for g in verdict.groups if g["met"] is None)
    by_code = {f"c{c.pk}": c for c in conditions}
    rows = []
    for r in verdict.thresholds:
        c = by_code[r.spec.code]
        if c.kind == ConditionKind.FIGURE:
            unit = unit_of(c.figure)
            value = "—" if r.value is None else fmt(r.value) + (f" {unit}" if unit else "")
        else:
            value = "—" if r.value is None else (_("yes") if r.value == 1 else _("no"))
        rows.append(ConditionRow(condition=c, status=r.status, value=value, basis=r.basis))
    return PolicyResult(policy, e, _status(missed, unknown), missed, unknown, rows)


def evaluate_enterprises(policy, conditions, enterprises, date: dt.date) -> dict[int, PolicyResult]:
    """The engine's verdict for each of ``enterprises`` (a list), in a fixed number of queries."""
    conditions = prepare(conditions)
    loaded = load(enterprises, date)
    return {e.pk: evaluate_loaded(policy, conditions, e, loaded) for e in enterprises}


# --------------------------------------------------------------------------------------------------
# Every enterprise: the same conditions as SQL (1 met, 0 missed, NULL unknown)
# --------------------------------------------------------------------------------------------------


def _compare(lhs, operator: str, rhs):
    return _LOOKUPS[operator](lhs, rhs)


def _verdict(unknown: Q | None, met) -> Case:
    whens = [When(unknown, then=Value(None, output_field=_INT))] if unknown is not None else []
    return Case(*whens, When(met, then=Value(1)), default=Value(0), output_field=_INT)


def condition_expression(c, date: dt.date):
    """One condition as an SQL expression over ``Enterprise`` rows."""
    kind = c.kind
    if kind == ConditionKind.TIER:
        held = Title.objects.filter(title_valid_on(date), enterprise=OuterRef("pk"), tier__rank__gte=c.tier.rank)
        return _verdict(None, Exists(held))
    if kind == ConditionKind.COUNTY:
        return _verdict(None, Q(county_id=c.county_id))
    if kind == ConditionKind.INDUSTRY:
        return _verdict(Q(industry_id__isnull=True), Q(industry_id__in=sorted(c.industry_ids)))
    if kind == ConditionKind.TAG:
        tagged = Enterprise.tags.through.objects.filter(enterprise_id=OuterRef("pk"), tag_id=c.tag_id)
        return _verdict(None, Exists(tagged))
    if kind == ConditionKind.LISTING:
        reached = ListingRecord.objects.filter(
            enterprise=OuterRef("pk"), stage__in=reached_stages(c.listing_stage), date__lte=date
        )
        return _verdict(None, Exists(reached))
    figure, operator, threshold = c.figure, c.operator, Value(c.threshold, output_field=_DEC)
    if figure == Figure.RD_INSTITUTION_RANK.value:
        best = (
            RDInstitution.objects.filter(enterprise=OuterRef("pk")).order_by("-level__rank").values("level__rank")[:1]
        )
        return _verdict(None, _compare(Coalesce(Subquery(best), Value(0)), operator, threshold))
    if figure in _ANNUAL_FIELD or figure in _ANNUAL_RATIO:
        # The reference year: last year, or the year before when last year's Q4 is not in.
        rows = Statistic.objects.filter(
            enterprise=OuterRef("pk"), quarter=4, year__in=[date.year - 1, date.year - 2]
        ).order_by("-year")
        if figure in _ANNUAL_FIELD:
            name = _ANNUAL_FIELD[figure]
            verdict = _verdict(Q(**{f"{name}__isnull": True}), _compare(F(name), operator, threshold))
        else:
            num, den = _ANNUAL_RATIO[figure]
            verdict = _ratio(num, den, operator, c.threshold)
        return Subquery(rows.annotate(_v=verdict).values("_v")[:1], output_field=_INT)
    if figure in _STOCK_FIELD:
        name = _STOCK_FIELD[figure]
        rows = Statistic.objects.filter(reported_by(date), enterprise=OuterRef("pk"), **{f"{name}__isnull": False})
        verdict = _verdict(None, _compare(F(name), operator, threshold))
        return Subquery(rows.order_by("-year", "-quarter").annotate(_v=verdict).values("_v")[:1], output_field=_INT)
    if figure == Figure.RD_STAFF_SHARE.value:
        rows = Statistic.objects.filter(
            reported_by(date), enterprise=OuterRef("pk"), rd_staff__isnull=False, employees__gt=0
        )
        verdict = _ratio("rd_staff", "employees", operator, c.threshold)
        return Subquery(rows.order_by("-year", "-quarter").annotate(_v=verdict).values("_v")[:1], output_field=_INT)
    raise ValueError(f"figure {figure!r} has no SQL translation")


def _ratio(num: str, den: str, operator: str, threshold: Decimal) -> Case:
    """``num ÷ den × 100 <operator> threshold`` as ``num × 100 <operator> threshold × den`` (den > 0)."""
    lhs = ExpressionWrapper(F(num) * Value(HUNDRED, output_field=_DEC), output_field=_DEC)
    rhs = ExpressionWrapper(Value(threshold, output_field=_DEC) * F(den), output_field=_DEC)
    unknown = Q(**{f"{num}__isnull": True}) | Q(**{f"{den}__isnull": True}) | Q(**{den: 0})
    return _verdict(unknown, _compare(lhs, operator, rhs))


def _is_annual(figure: str) -> bool:
    return figure in _ANNUAL_FIELD or figure in _ANNUAL_RATIO


def _annual_expression(conditions, date: dt.date) -> Subquery:
    """One subquery over the reference year's annual row (last year, or the year before when last
    year's Q4 is not in): Σ digit × 3^i, a digit per condition (0 missed, 1 met, 2 unknown)."""
    rows = Statistic.objects.filter(
        enterprise=OuterRef("pk"), quarter=4, year__in=[date.year - 1, date.year - 2]
    ).order_by("-year")
    packed = None
    for i, c in enumerate(conditions):
        digit = Coalesce(_annual_verdict(c), Value(2), output_field=_INT)
        term = digit * Value(3**i) if i else digit
        packed = term if packed is None else packed + term
    return Subquery(rows.annotate(_v=ExpressionWrapper(packed, output_field=_INT)).values("_v")[:1], output_field=_INT)


def _annual_verdict(c) -> Case:
    operator, threshold = c.operator, Value(c.threshold, output_field=_DEC)
    if c.figure in _ANNUAL_FIELD:
        name = _ANNUAL_FIELD[c.figure]
        return _verdict(Q(**{f"{name}__isnull": True}), _compare(F(name), operator, threshold))
    num, den = _ANNUAL_RATIO[c.figure]
    return _ratio(num, den, operator, c.threshold)


def _reads_statistics(c) -> bool:
    return c.kind == ConditionKind.FIGURE and c.figure != Figure.RD_INSTITUTION_RANK.value


def _groups(conditions) -> dict[str, list]:
    """Conditions by group (alternatives); a condition without a group is a group of its own."""
    groups: dict[str, list] = {}
    for i, c in enumerate(conditions):
        groups.setdefault(c.group or f"_{i}", []).append(c)
    return groups


def _without_two_cheap_misses(enterprises, conditions, date: dt.date):
    """The enterprises that do not already miss two groups of conditions that read no statistics
    (tier, county, industry, tag, listing, R&D institution): the others miss two groups whatever
    their statistics say, so they are left out of every list anyway, and filtering them first spares
    the statistics subqueries for them (PostgreSQL evaluates the select list only for rows that
    pass the WHERE clause). A group is missed when every alternative is 0 (NULL is unknown)."""
    if not any(_reads_statistics(c) for c in conditions):
        return enterprises
    cheap = [cs for cs in _groups(conditions).values() if not any(_reads_statistics(c) for c in cs)]
    if len(cheap) < 2:
        return enterprises
    terms = []
    for cs in cheap:
        all_missed = Q()
        for c in cs:
            all_missed &= Q(Exact(condition_expression(c, date), 0))
        terms.append(Case(When(all_missed, then=Value(1)), default=Value(0), output_field=_INT))
    return enterprises.alias(_cheap_missed=reduce(operator.add, terms)).filter(_cheap_missed__lte=1)


def match_sql(conditions, enterprises, date: dt.date) -> tuple[str, str, list]:
    """SQL of ``(enterprise id, name, county id, status)`` for the enterprises of the queryset
    ``enterprises`` that meet, miss by one or are unknown (the others are left out): the CTE of
    the conditions' values, the query over it, and the parameters."""
    conditions = prepare(conditions)
    q = connection.ops.quote_name
    # Conditions on last year's annual statistics read the same row: one subquery for all of them,
    # each condition's value a base-3 digit of its result (0 missed, 1 met, 2 unknown; NULL: no row).
    annual = [c for c in conditions if c.kind == ConditionKind.FIGURE and _is_annual(c.figure)]
    others = [c for c in conditions if c not in annual]
    annotations = {f"_c{i}": condition_expression(c, date) for i, c in enumerate(others)}
    columns = {id(c): q(f"_c{i}") for i, c in enumerate(others)}
    if annual:
        annotations["_annual"] = _annual_expression(annual, date)
        for digit, c in enumerate(annual):
            packed = f"{q('_annual')}"
            value = f"(({packed} / {3**digit}) %% 3)"  # %% : the statement is run with parameters
            columns[id(c)] = f"(CASE WHEN {packed} IS NULL OR {value} = 2 THEN NULL ELSE {value} END)"
    qs = _without_two_cheap_misses(enterprises, conditions, date).annotate(**annotations)
    inner = qs.values(*annotations, _id=F("pk"), _name=F("name"), _county=F("county_id")).order_by()
    inner_sql, params = inner.query.sql_with_params()
    groups: dict[str, list[str]] = {}
    for i, c in enumerate(conditions):
        groups.setdefault(c.group or f"_{i}", []).append(columns[id(c)])
    group_exprs = []
    for cols in groups.values():
        any_met = " OR ".join(f"{col} = 1" for col in cols)
        any_unknown = " OR ".join(f"{col} IS NULL" for col in cols)
        group_exprs.append(f"CASE WHEN {any_met} THEN 1 WHEN {any_unknown} THEN NULL ELSE 0 END")
    missed = " + ".join(f"(CASE WHEN ({g}) = 0 THEN 1 ELSE 0 END)" for g in group_exprs) or "0"
    unknown = " + ".join(f"(CASE WHEN ({g}) IS NULL THEN 1 ELSE 0 END)" for g in group_exprs) or "0"
    # The conditions' subqueries run once per enterprise: the inner query is a MATERIALIZED CTE
    # (PostgreSQL would otherwise pull it up and repeat each subquery at every reference).
    cte = f"WITH e AS MATERIALIZED ({inner_sql})"
    body = (
        f"SELECT m.id, m.name, m.county_id, CASE WHEN m.missed = 0 AND m.unknown = 0 THEN '{MatchStatus.MET.value}' "
        f"WHEN m.missed = 0 THEN '{MatchStatus.UNKNOWN.value}' ELSE '{MatchStatus.MISSED_ONE.value}' END AS status "
        f"FROM (SELECT e.{q('_id')} AS id, e.{q('_name')} AS name, e.{q('_county')} AS county_id, "
        f"{missed} AS missed, {unknown} AS unknown FROM e) m WHERE m.missed <= 1"
    )
    return cte, body, list(params)


def _fetch(sql: str, params: list) -> list[tuple]:
    """Run one matching statement. On PostgreSQL without JIT compilation: the statement's cost
    estimate (one subquery per enterprise and condition) is far above ``jit_above_cost``, and
    compiling its CASE expressions took longer than running it (EXPLAIN ANALYZE at 100,000
    enterprises: JIT 2.0 s of 3.8 s; README, "Policies")."""
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute("SELECT current_setting('jit')")
            before = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('jit', 'off', true)")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        if postgres:  # this statement only: the transaction may be a caller's (a request, a test)
            cursor.execute("SELECT set_config('jit', %s, true)", [before])
        return rows


def match_rows(conditions, enterprises, date: dt.date) -> list[tuple[int, str, int, str]]:
    cte, body, params = match_sql(conditions, enterprises, date)
    return [tuple(row) for row in _fetch(f"{cte} {body} ORDER BY m.name, m.id", params)]


def match_counts(conditions, enterprises, date: dt.date) -> dict[tuple[int, str], int]:
    """``{(county id, status): count}`` in one statement."""
    cte, body, params = match_sql(conditions, enterprises, date)
    sql = f"{cte} SELECT county_id, status, COUNT(*) FROM ({body}) s GROUP BY county_id, status"
    return {(county_id, status): count for county_id, status, count in _fetch(sql, params)}


__all__ = ["MISSED", "UNKNOWN", "evaluate_enterprises", "match_counts", "match_rows", "match_sql"]
