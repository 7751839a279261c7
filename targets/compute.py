"""The computation kinds: each turns an indicator's parameters into per-county parts on a date.

Every kind runs a fixed number of aggregate queries (GROUP BY county), whatever the number of
enterprises, titles or statistics. A kind returns ``{county_id: Part}``; the city is the sum of
the counties (enterprises belong to one county), except for manual values, which can be reported
for the city as a whole.

Parameters (``Indicator.params``), per kind:

- ``title_count_valid``: ``tier`` (code). Distinct enterprises holding a title of that tier valid
  on the date (recognised, not ended, within validity or under review).
- ``title_count_cumulative``: ``tier``. Distinct enterprises ever recognised at that tier by the
  date, revoked titles excluded (累计培育).
- ``population_share``: ``population_min_tier`` (code, default ``provincial``): the population is
  the enterprises holding, on the date, a valid title of that tier or higher. ``property``
  (``targets.choices.PopulationProperty``) and ``min``: for statistics fields the enterprise's latest
  reported value up to the date (the latest quarter ended by then) must be ``>= min`` (booleans:
  true); for ``rd_institution`` an R&D institution recognised by the date's year with level rank
  ``>= min`` (1 municipal, 2 provincial, 3 national). Value = hits / population × 100 (%).
- ``cohort_ratio``: ``field`` (a statistics flow figure), ``cohort_tier`` and ``cohort_date``: the
  cohort is the enterprises holding a valid title of that tier on that date; ``base_year``. The
  latest quarter up to the date with reported figures is compared with the same quarter of the
  base year (year-to-date figures, so Q4 compares whole years). Value = sum now / sum base.
- ``event_count``: ``stages`` (listing stages), ``since`` (date), ``min_tier``: distinct enterprises
  with such a listing record dated ``since`` … date, which had been recognised at ``min_tier`` or
  higher by the date.
- ``manual``: no parameters; the latest reported value up to the date.

Counties: every kind counts an enterprise in the county it belonged to ON THE DATE of the figure
(``enterprises.models.county_on``: its moves between counties are effective-dated), not in the
county it has today; so a snapshot as of a past date, or the records on the baseline date, are
what the counties held then, and a move never changes the city total. Cumulative counts
(累计培育) and listing events count in the county on the date of the figure as well (an
enterprise recognised in 台山 that has since moved to 开平 adds to 开平's cumulative count from its
move on). A cohort member's figures (now and in the base year) go with it to the county it
belongs to on the date: the comparison stays like for like. ``compute_all`` reads the moves that
matter on its date once (``moved_after``) and hands them to every kind (``moved``): one query,
whatever the number of indicators; none of the kinds' queries grows with the moves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Aggregate, Count, Exists, Expression, F, Max, OuterRef, Q, Subquery, Sum

from enterprises.choices import TitleStatus
from enterprises.models import (
    Enterprise,
    ListingRecord,
    RDInstitution,
    Statistic,
    Tier,
    Title,
    county_on,
    gone_by,
    moved_after,
    period_end,
    title_valid_on,
)

from .choices import IndicatorKind, PopulationProperty
from .models import ManualValue
from .params import parse_date as _date

HUNDRED = Decimal(100)
STATISTIC_PROPERTIES = {
    PopulationProperty.INVENTION_PATENTS: "invention_patents",
    PopulationProperty.TRADEMARKS: "trademarks",
    PopulationProperty.DIGITAL_LEVEL: "digital_level",
    PopulationProperty.UNIVERSITY_COOPERATION: "university_cooperation",
    PopulationProperty.FILLS_TECH_GAP: "fills_tech_gap",
}
BOOLEAN_PROPERTIES = {PopulationProperty.UNIVERSITY_COOPERATION, PopulationProperty.FILLS_TECH_GAP}


@dataclass(frozen=True)
class Part:
    """A value's parts: the value is ``numerator`` (counts) or ``numerator / denominator``."""

    numerator: Decimal | None
    denominator: Decimal | None = None
    period: str = ""  # cohort ratios: the quarter compared with the same quarter of the base year
    compared: int | None = None  # cohort ratios: members that reported the figure in both quarters
    left_out: int | None = None  # cohort ratios: members left out (figure missing in either quarter)


@dataclass(frozen=True)
class Result:
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    period: str = ""
    compared: int | None = None
    left_out: int | None = None


def last_quarter_ended(date: dt.date) -> tuple[int, int]:
    """The latest (year, quarter) whose last day is on or before ``date``."""
    year, quarter = date.year, (date.month - 1) // 3 + 1
    if period_end(year, quarter) > date:
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
    return year, quarter


def _up_to(year: int, quarter: int, prefix: str = "") -> Q:
    return Q(**{f"{prefix}year__lt": year}) | Q(**{f"{prefix}year": year, f"{prefix}quarter__lte": quarter})


def _min_rank_q(tier_code: str, tiers: dict[str, int], prefix: str = "") -> Q:
    return Q(**{f"{prefix}tier__rank__gte": tiers[tier_code]})


# -- the kinds ----------------------------------------------------------------------------------------


def _counts(rows, key="county", value="n") -> dict[int, Part]:
    return {row[key]: Part(Decimal(row[value])) for row in rows}


def title_count_valid(params, date, tiers, moved=None) -> dict[int, Part]:
    """As of ``date``: enterprises gone (deregistered, moved out) on or before it do not count."""
    rows = (
        Title.objects.filter(title_valid_on(date), tier__code=params["tier"])
        .exclude(enterprise_id__in=gone_by(date))
        .values(county=county_on(date, "enterprise", moved))
        .annotate(n=Count("enterprise_id", distinct=True))
        .order_by()
    )
    return _counts(rows)


def title_count_cumulative(params, date, tiers, moved=None) -> dict[int, Part]:
    revoked = Q(status=TitleStatus.REVOKED, ended_on__lte=date)
    rows = (
        Title.objects.filter(tier__code=params["tier"], recognised_on__lte=date)
        .exclude(revoked)
        .values(county=county_on(date, "enterprise", moved))
        .annotate(n=Count("enterprise_id", distinct=True))
        .order_by()
    )
    return _counts(rows)


def population_queryset(date: dt.date, min_tier: str, tiers: dict[str, int]):
    """Enterprises holding, on ``date``, a valid title of ``min_tier`` or higher, and not gone
    (deregistered, moved out) on or before ``date``."""
    holders = Title.objects.filter(title_valid_on(date), _min_rank_q(min_tier, tiers)).values("enterprise_id")
    return Enterprise.objects.filter(pk__in=holders).exclude(pk__in=gone_by(date))


def population_shares(params_list: list[dict], date, tiers, moved=None) -> list[dict[int | None, Part]]:
    """Several share-of-population indicators with the same population in ONE query: the
    population is filtered once and each property is a conditional count."""
    min_tier = params_list[0].get("population_min_tier", "provincial")
    qs = population_queryset(date, min_tier, tiers)
    year, quarter = last_quarter_ended(date)
    annotations: dict[str, Expression | Subquery | Exists] = {}
    hits: dict[str, Aggregate] = {}
    for i, params in enumerate(params_list):
        prop, minimum = params["property"], params.get("min", 1)
        if prop == PopulationProperty.RD_INSTITUTION:
            name = f"rd_{minimum}"
            annotations[name] = Exists(
                RDInstitution.objects.filter(
                    enterprise=OuterRef("pk"), level__rank__gte=minimum, recognised_year__lte=date.year
                )
            )
            hits[f"hits_{i}"] = Count("id", filter=Q(**{name: True}))
        else:
            field = STATISTIC_PROPERTIES[prop]
            name = f"latest_{field}"
            annotations[name] = Subquery(
                Statistic.objects.filter(
                    _up_to(year, quarter), enterprise=OuterRef("pk"), **{f"{field}__isnull": False}
                )
                .order_by("-year", "-quarter")
                .values(field)[:1]
            )
            condition = Q(**{name: True}) if prop in BOOLEAN_PROPERTIES else Q(**{f"{name}__gte": minimum})
            hits[f"hits_{i}"] = Count("id", filter=condition)
    rows = list(
        qs.annotate(**annotations)
        .values(county_then=county_on(date, "", moved))
        .annotate(total=Count("id"), **hits)
        .order_by()
    )
    return [
        {row["county_then"]: Part(Decimal(row[f"hits_{i}"]), Decimal(row["total"])) for row in rows}
        for i in range(len(params_list))
    ]


def population_share(params, date, tiers, moved=None) -> dict[int | None, Part]:
    return population_shares([params], date, tiers, moved)[0]


def cohort_ids(params):
    """Ids of the cohort (e.g. the 713 provincial firms valid on 2023-12-31, none of them gone by
    then), as a subquery. A member gone later stays in the cohort (its figures stop: left out)."""
    cohort_date = _date(params["cohort_date"])
    return (
        Title.objects.filter(title_valid_on(cohort_date), tier__code=params["cohort_tier"])
        .exclude(enterprise_id__in=gone_by(cohort_date))
        .values("enterprise_id")
    )


def _period_label(key: int) -> str:
    return f"{key // 10}Q{key % 10}"


def cohort_periods(params_list: list[dict], date, moved=None) -> dict[int, int]:
    """Per county, its latest quarter up to ``date`` (not before the base year) in which a member
    of the cohort reported any of the figures, as ``year * 10 + quarter``. One query."""
    base_year = int(params_list[0]["base_year"])
    year, quarter = last_quarter_ended(date)
    if year < base_year:
        return {}
    reported = Q()
    for params in params_list:
        reported |= Q(**{f"{params['field']}__isnull": False})
    rows = (
        Statistic.objects.filter(
            reported, _up_to(year, quarter), enterprise_id__in=cohort_ids(params_list[0]), year__gte=base_year
        )
        .values(county=county_on(date, "enterprise", moved))
        .annotate(key=Max(F("year") * 10 + F("quarter")))
        .order_by()
    )
    return {row["county"]: row["key"] for row in rows}


def cohort_ratios(params_list: list[dict], date, tiers, moved=None) -> list[dict[int | None, Part]]:
    """Several figures of the same cohort and base year (output value, profit), like for like.

    Each scope (each county, and the city) compares its OWN latest reported quarter with the same
    quarter of the base year, so a county that has not reported the latest quarter yet is judged
    on the quarter it has. Only members that reported the figure in both quarters are summed
    (可比口径); the others are counted as left out. The city part (key ``None``) is computed on the
    city's latest quarter, not summed from the counties. Four queries, whatever the cohort size."""
    base_year = int(params_list[0]["base_year"])
    cohort = cohort_ids(params_list[0])
    moved = moved_after(date) if moved is None else moved
    periods = cohort_periods(params_list, date, moved)
    members = dict(
        Enterprise.objects.filter(pk__in=cohort)
        .values(county_then=county_on(date, "", moved))
        .annotate(n=Count("id"))
        .order_by()
        .values_list("county_then", "n")
    )
    results: list[dict[int | None, Part]] = [{} for _ in params_list]
    if not periods:
        return results
    same_quarter = Statistic.objects.filter(
        enterprise_id=OuterRef("enterprise_id"), year=base_year, quarter=OuterRef("quarter")
    )
    annotations: dict[str, Expression | Subquery | Exists] = {}
    sums: dict[str, Aggregate] = {}
    for i, params in enumerate(params_list):
        field = params["field"]
        annotations[f"base_{i}"] = Subquery(same_quarter.values(field)[:1])
        both = Q(**{f"{field}__isnull": False, f"base_{i}__isnull": False})
        sums[f"now_{i}"] = Sum(field, filter=both)
        sums[f"base_sum_{i}"] = Sum(f"base_{i}", filter=both)
        sums[f"n_{i}"] = Count("id", filter=both)
    in_own_period = Q()
    for county_id, key in periods.items():
        in_own_period |= Q(county_then=county_id, year=key // 10, quarter=key % 10)
    compared = Statistic.objects.filter(enterprise_id__in=cohort).annotate(**annotations)
    by_county = {
        row["county_then"]: row
        for row in (
            compared.annotate(county_then=county_on(date, "enterprise", moved))
            .filter(in_own_period)
            .values("county_then")
            .annotate(**sums)
            .order_by()
        )
    }
    city_key = max(periods.values())
    city = compared.filter(year=city_key // 10, quarter=city_key % 10).aggregate(**sums)

    def part(row, i, key, size) -> Part:
        n = (row.get(f"n_{i}") or 0) if row else 0
        if not n:
            return Part(None, None, _period_label(key) if key else "", 0, size)
        return Part(Decimal(row[f"now_{i}"]), Decimal(row[f"base_sum_{i}"]), _period_label(key), n, size - n)

    for i in range(len(params_list)):
        for county_id, size in members.items():
            results[i][county_id] = part(by_county.get(county_id), i, periods.get(county_id), size)
        results[i][CITY] = part(city, i, city_key, sum(members.values()))
    return results


def cohort_ratio(params, date, tiers, moved=None) -> dict[int | None, Part]:
    return cohort_ratios([params], date, tiers, moved)[0]


def event_count(params, date, tiers, moved=None) -> dict[int, Part]:
    """Enterprises with an event of the stages between ``since`` and ``date``; with ``min_tier``,
    only those holding a valid title of that tier or higher ON THE DAY of the event (a title
    revoked or lapsed before the listing does not count, one recognised after it neither)."""
    since = _date(params["since"])
    qs = ListingRecord.objects.filter(stage__in=params["stages"], date__gte=since, date__lte=date)
    if params.get("min_tier"):
        held = Title.objects.filter(
            title_valid_on(OuterRef("date")),
            _min_rank_q(params["min_tier"], tiers),
            enterprise=OuterRef("enterprise_id"),
        )
        qs = qs.filter(Exists(held))
    rows = (
        qs.values(county=county_on(date, "enterprise", moved))
        .annotate(n=Count("enterprise_id", distinct=True))
        .order_by()
    )
    return _counts(rows)


CITY = None  # the key of the city-level part in manual results


def manual(indicator, date) -> dict[int | None, Part]:
    """Latest reported value per county and for the city (key ``None``) up to ``date``; when the
    city has no report of its own and the indicator is additive, the sum of the counties' latest
    reports (a share reported per county is not summed)."""
    latest: dict[int | None, Decimal] = {}
    rows = (
        ManualValue.objects.filter(indicator=indicator, as_of__lte=date)
        .order_by("county_id", "-as_of", "-id")
        .values_list("county_id", "value")
    )
    for county_id, value in rows:
        latest.setdefault(county_id, value)
    parts = {county_id: Part(value) for county_id, value in latest.items()}
    if CITY not in parts and parts and indicator.additive:
        parts[CITY] = Part(sum((p.numerator or Decimal(0) for p in parts.values()), Decimal(0)))
    return parts


KINDS: dict[str, Callable[..., dict[Any, Part]]] = {
    IndicatorKind.TITLE_COUNT_VALID: title_count_valid,
    IndicatorKind.TITLE_COUNT_CUMULATIVE: title_count_cumulative,
    IndicatorKind.POPULATION_SHARE: population_share,
    IndicatorKind.COHORT_RATIO: cohort_ratio,
    IndicatorKind.EVENT_COUNT: event_count,
}


def tier_ranks() -> dict[str, int]:
    return dict(Tier.objects.values_list("code", "rank"))


BATCHED: dict[str, tuple[Callable[..., list[dict[int | None, Part]]], Callable[[dict], tuple]]] = {
    IndicatorKind.POPULATION_SHARE: (
        population_shares,
        lambda p: ("population", p.get("population_min_tier", "provincial")),
    ),
    IndicatorKind.COHORT_RATIO: (
        cohort_ratios,
        lambda p: ("cohort", p["cohort_tier"], str(p["cohort_date"]), int(p["base_year"])),
    ),
}


def compute_all(indicators, date: dt.date, tiers: dict[str, int] | None = None) -> dict[int, dict[int | None, Part]]:
    """Parts of every indicator on ``date`` (``{indicator id: {county id or None: Part}}``).
    Indicators that share a population or a cohort are computed together, one query per group.
    The moves between counties that matter on ``date`` are read once, for every kind."""
    tiers = tiers if tiers is not None else tier_ranks()
    moved = moved_after(date)
    raw: dict[int, dict] = {}
    groups: dict[tuple, list] = {}
    for indicator in indicators:
        if indicator.kind in BATCHED:
            function, key = BATCHED[indicator.kind]
            groups.setdefault((indicator.kind, *key(indicator.params)), []).append(indicator)
        elif indicator.kind == IndicatorKind.MANUAL:
            raw[indicator.pk] = manual(indicator, date)
        else:
            raw[indicator.pk] = dict(KINDS[indicator.kind](indicator.params, date, tiers, moved))
    for (kind, *_key), members in groups.items():
        function = BATCHED[kind][0]
        parts_list = function([m.params for m in members], date, tiers, moved)
        for indicator, parts in zip(members, parts_list, strict=True):
            raw[indicator.pk] = dict(parts)
    result = {}
    for indicator in indicators:
        parts = raw[indicator.pk]
        if indicator.kind != IndicatorKind.MANUAL and CITY not in parts:
            parts[CITY] = _city(indicator, parts)
        result[indicator.pk] = parts
    return result


def _city(indicator, parts: dict) -> Part:
    numerator = sum((p.numerator or Decimal(0) for p in parts.values()), Decimal(0))
    if indicator.kind in (IndicatorKind.POPULATION_SHARE, IndicatorKind.COHORT_RATIO):
        if not parts:
            return Part(None, None)
        return Part(numerator, sum((p.denominator or Decimal(0) for p in parts.values()), Decimal(0)))
    return Part(numerator)


def compute_parts(indicator, date: dt.date, tiers: dict[str, int] | None = None) -> dict[int | None, Part]:
    """Per-county parts and the city part (key ``None``) of ``indicator`` on ``date``."""
    return compute_all([indicator], date, tiers)[indicator.pk]


def value_of(indicator, part: Part | None) -> Result:
    """The value of a part; counts with no rows are 0, shares and ratios with nothing to divide
    by have no value."""
    kind = indicator.kind
    if part is None:
        if kind in (IndicatorKind.TITLE_COUNT_VALID, IndicatorKind.TITLE_COUNT_CUMULATIVE, IndicatorKind.EVENT_COUNT):
            return Result(Decimal(0), Decimal(0), None)
        return Result(None, None, None)
    if kind == IndicatorKind.POPULATION_SHARE:
        if not part.denominator or part.numerator is None:
            return Result(None, part.numerator, part.denominator)
        return Result(part.numerator * HUNDRED / part.denominator, part.numerator, part.denominator)
    if kind == IndicatorKind.COHORT_RATIO:
        value = part.numerator / part.denominator if part.denominator and part.numerator is not None else None
        return Result(
            value,
            part.numerator,
            part.denominator,
            period=part.period,
            compared=part.compared,
            left_out=part.left_out,
        )
    return Result(part.numerator, part.numerator, None)
