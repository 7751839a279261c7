"""Reads for dynamic management: the review calendar, the yearly data-update check, the reserve
pool with pre-checks, and the counts the dashboards use.

Every read goes through ``Model.objects.for_user(user, VIEW)``; functions documented as taking
``user_or_none`` read every county when given ``None`` (system jobs, indicator recompute). No query
per row: pre-checks of a whole pool load their records in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Place
from core.scoping import VIEW

from ..choices import EnterpriseStatus, TitleStatus
from ..models import (
    ApplicationWindow,
    CriteriaSet,
    Criterion,
    DataUpdateDeadline,
    Enterprise,
    LadderRule,
    RDInstitution,
    ReserveEntry,
    ReservePoolRefresh,
    ReserveStatus,
    ReserveVerdict,
    ReviewOutcome,
    Statistic,
    Tier,
    Title,
    TitleReview,
    in_force_on,
    title_valid_on,
)
from . import precheck_sql
from .precheck import CriteriaSpec, EnterpriseRecords, PrecheckResult, precheck
from .precheck_sql import Verdict

EXPIRY_WINDOWS = (90, 180)


def _scoped(model, user_or_none):
    return model.objects.all() if user_or_none is None else model.objects.for_user(user_or_none, VIEW)


# --------------------------------------------------------------------------------------------------
# Review calendar
# --------------------------------------------------------------------------------------------------


def expiring_titles(user, *, date: dt.date, days: int):
    """Titles (not under review, not ended) whose validity ends within ``days`` days of ``date``,
    both ends included: a title valid until ``date`` expires today; one valid until ``date + days``
    is inside the window."""
    return (
        _scoped(Title, user)
        .filter(
            status=TitleStatus.VALID,
            ended_on__isnull=True,
            recognised_on__lte=date,
            valid_until__gte=date,
            valid_until__lte=date + dt.timedelta(days=days),
        )
        .select_related("enterprise__county", "tier")
        .order_by("valid_until", "enterprise__name")
    )


def pending_reviews(user):
    return (
        _scoped(TitleReview, user)
        .filter(outcome=ReviewOutcome.PENDING)
        .select_related("title__enterprise__county", "title__tier")
        .order_by("started_on", "id")
    )


def review_outcomes(user, *, date: dt.date, days: int = 365):
    return (
        _scoped(TitleReview, user)
        .filter(decided_on__gt=date - dt.timedelta(days=days), decided_on__lte=date)
        .exclude(outcome=ReviewOutcome.PENDING)
        .select_related("title__enterprise__county", "title__tier")
        .order_by("-decided_on", "-id")
    )


def lost_titles(user, *, date: dt.date, days: int = 365):
    """Titles that stopped being valid in the ``days`` days up to ``date``: ended (failed review,
    revocation) or lapsed at the end of their validity without a pending review."""
    since = date - dt.timedelta(days=days)
    ended = Q(ended_on__gt=since, ended_on__lte=date)
    lapsed = Q(ended_on__isnull=True, valid_until__gte=since, valid_until__lt=date) & ~Q(
        status=TitleStatus.UNDER_REVIEW
    )
    return (
        _scoped(Title, user)
        .filter(ended | lapsed)
        .select_related("enterprise__county", "tier", "revocation")
        .order_by("-valid_until", "enterprise__name")
    )


def _day_end(date: dt.date) -> dt.datetime:
    """The first instant after ``date`` in the portal's time zone."""
    return dt.datetime.combine(date + dt.timedelta(days=1), dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


@dataclass
class DataUpdateCheck:
    deadline: DataUpdateDeadline | None  # the latest deadline that has passed
    missed: QuerySet[Enterprise]
    upcoming: DataUpdateDeadline | None
    not_yet: QuerySet[Enterprise]  # still to update before ``upcoming``


def _without_update(user, deadline: DataUpdateDeadline, entered_by: dt.date | None):
    """Enterprises holding a valid title on the deadline without the annual statistics (Q4 of the
    data year) entered by ``entered_by`` (None: by now)."""
    # NOT EXISTS, which PostgreSQL plans as a hash anti-join over the period index (``statistic_period``
    # holds the enterprise and the entry time: an index-only scan), never as a subquery per row; a
    # NOT IN would build a hashed subplan of every updated enterprise in each worker (issue 17).
    updated = Statistic.objects.filter(year=deadline.data_year, quarter=4, enterprise=OuterRef("pk"))
    if entered_by is not None:
        updated = updated.filter(created_at__lt=_day_end(entered_by))
    titled = Title.objects.filter(title_valid_on(deadline.deadline), enterprise=OuterRef("pk"))
    return (
        _scoped(Enterprise, user)
        .filter(Exists(titled), ~Exists(updated), status=EnterpriseStatus.OPERATING)
        .select_related("county")
        .order_by("county__sort_order", "name", "pk")  # pk: a tie of names never moves rows between pages
    )


def data_update_check(user, *, date: dt.date) -> DataUpdateCheck:
    """Missed: the latest deadline before ``date`` passed without the previous year's annual
    statistics entered on or before it. Not yet: the next deadline (from ``date``) and who still
    lacks the figures."""
    passed = DataUpdateDeadline.objects.filter(deadline__lt=date).order_by("-deadline").first()
    upcoming = DataUpdateDeadline.objects.filter(deadline__gte=date).order_by("deadline").first()
    none = Enterprise.objects.none()
    return DataUpdateCheck(
        deadline=passed,
        missed=_without_update(user, passed, passed.deadline) if passed else none,
        upcoming=upcoming,
        not_yet=_without_update(user, upcoming, None) if upcoming else none,
    )


def upcoming_windows(*, date: dt.date, limit: int = 6):
    return ApplicationWindow.objects.filter(closes_on__gte=date).select_related("tier").order_by("opens_on")[:limit]


# --------------------------------------------------------------------------------------------------
# Dashboard counts
# --------------------------------------------------------------------------------------------------


def expiring_counts(user_or_none, year: int) -> dict[str, dict[str, int]]:
    """Titles whose validity ends in ``year`` and that have not ended early, per county and tier:
    ``{county_code: {tier_code: n, ..., "total": n}}``. Every county in scope is present (zeros
    included). ``user_or_none=None`` counts every county."""
    rows = (
        _scoped(Title, user_or_none)
        .filter(valid_until__year=year)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=dt.date(year, 12, 31)))
        .values("enterprise__county__code", "tier__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    result = {code: {"total": 0} for code in _county_codes(user_or_none)}
    for row in rows:
        counts = result.setdefault(row["enterprise__county__code"], {"total": 0})
        counts[row["tier__code"]] = row["n"]
        counts["total"] += row["n"]
    return result


def _county_codes(user_or_none) -> list[str]:
    counties = Place.objects.filter(level="county")
    if user_or_none is not None:
        county_id = user_or_none.scope.county_id
        if not user_or_none.scope.read:
            return []
        if county_id is not None:
            counties = counties.filter(pk=county_id)
    return list(counties.values_list("code", flat=True))


def reserve_pool_counts(
    user_or_none, *, date: dt.date | None = None, year: int | None = None
) -> dict[str, dict[str, dict[str, int]]]:
    """Reserve pool size per county and target tier:
    ``{county_code: {tier_code: {"eligible": n, "unknown": n, "recommended": n}}}`` where eligible /
    unknown count candidates whose pre-check (criteria in force on ``date``) is met / undetermined,
    and recommended counts reserve entries of ``year`` still in play (recommended or applied).
    Tiers without a criteria set in force are left out of eligible/unknown."""
    date = date or timezone.localdate()
    year = year or date.year
    result: dict[str, dict] = {code: {} for code in _county_codes(user_or_none)}
    county_codes = dict(Place.objects.filter(level="county").values_list("pk", "code"))
    for tier in Tier.objects.order_by("rank"):
        fresh = fresh_verdicts(user_or_none, tier=tier, date=date)
        if fresh is not None:  # precomputed: one GROUP BY
            counted = [
                (row["county_id"], row["status"], row["n"])
                for row in fresh[0]
                .filter(status__in=("eligible", "unknown"))
                .values("county_id", "status")
                .annotate(n=Count("id"))
                .order_by()
            ]
        else:
            pool = reserve_pool_verdicts(user_or_none, tier=tier, date=date)
            counted = [(row.county_id, row.status, 1) for row in pool.verdicts] if pool else []
        for county_id, status, n in counted:
            if status not in ("eligible", "unknown"):
                continue
            cell = result.setdefault(county_codes[county_id], {}).setdefault(
                tier.code, {"eligible": 0, "unknown": 0, "recommended": 0}
            )
            cell[status] += n
    entries = (
        _scoped(ReserveEntry, user_or_none)
        .filter(year=year, status__in=[ReserveStatus.RECOMMENDED, ReserveStatus.APPLIED])
        .values("enterprise__county__code", "target_tier__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in entries:
        cell = result.setdefault(row["enterprise__county__code"], {}).setdefault(
            row["target_tier__code"], {"eligible": 0, "unknown": 0, "recommended": 0}
        )
        cell["recommended"] = row["n"]
    return result


# --------------------------------------------------------------------------------------------------
# Pre-check and reserve pool
# --------------------------------------------------------------------------------------------------


def criteria_set_in_force(tier, date: dt.date) -> CriteriaSet | None:
    return CriteriaSet.objects.for_tier(tier, date)


def venue_criteria_spec(venue: str, date: dt.date) -> CriteriaSpec | None:
    """The entry conditions in force for a listing ``venue`` on ``date`` (3 queries)."""
    cs = (
        CriteriaSet.objects.in_force(date)
        .filter(venue=venue)
        .prefetch_related("dimensions", Prefetch("criteria", queryset=Criterion.objects.select_related("dimension")))
        .order_by("-effective_from")
        .first()
    )
    return CriteriaSpec.from_model(cs) if cs is not None else None


def criteria_spec(tier, date: dt.date) -> CriteriaSpec | None:
    """The criteria set in force for ``tier`` on ``date`` as a ``CriteriaSpec`` (3 queries)."""
    cs = (
        CriteriaSet.objects.in_force(date).filter(tier=tier)
        if not isinstance(tier, str)
        else CriteriaSet.objects.in_force(date).filter(tier__code=tier)
    )
    cs = (
        cs.select_related("tier")
        .prefetch_related("dimensions", Prefetch("criteria", queryset=Criterion.objects.select_related("dimension")))
        .order_by("-effective_from")
        .first()
    )
    return CriteriaSpec.from_model(cs) if cs is not None else None


def required_tiers(tier: Tier, date: dt.date) -> list[Tier]:
    """The rungs a ``tier`` title needs (ladder rules in force on ``date``)."""
    return [r.requires for r in LadderRule.objects.filter(in_force_on(date), tier=tier).select_related("requires")]


def load_records(
    enterprises, *, date: dt.date, target: Tier | None, required: list[Tier] | None = None
) -> dict[int, EnterpriseRecords]:
    """Pre-check records for ``enterprises`` (a list of Enterprise) in five queries (four when the
    ``required`` tiers of ``target`` are given). Without a ``target`` tier (policy conditions,
    ``policies.matching``; a listing venue's entry conditions) no ladder rule is required."""
    ids = [e.pk for e in enterprises]
    if target is None:
        required = []
    elif required is None:
        required = required_tiers(target, date)
    required_codes = [(t.code, t.name) for t in required]
    stats = defaultdict(list)
    for s in Statistic.objects.filter(enterprise_id__in=ids, year__gte=date.year - 4).values_list(
        "enterprise_id", "year", "quarter", *Statistic.FIGURE_FIELDS, named=True
    ):
        stats[s.enterprise_id].append(s)
    ranks = defaultdict(list)
    for enterprise_id, rank in RDInstitution.objects.filter(enterprise_id__in=ids).values_list(
        "enterprise_id", "level__rank"
    ):
        ranks[enterprise_id].append(rank)
    held = defaultdict(set)
    held_ranks = defaultdict(list)
    for enterprise_id, code, rank in Title.objects.filter(title_valid_on(date), enterprise_id__in=ids).values_list(
        "enterprise_id", "tier__code", "tier__rank"
    ):
        held[enterprise_id].add(code)
        held_ranks[enterprise_id].append(rank)
    kinds = defaultdict(set)
    for enterprise_id, kind in Enterprise.tags.through.objects.filter(enterprise_id__in=ids).values_list(
        "enterprise_id", "tag__kind"
    ):
        kinds[enterprise_id].add(kind)
    return {
        e.pk: EnterpriseRecords(
            established_on=e.established_on,
            niche_market=e.niche_market,
            statistics=stats[e.pk],
            rd_institution_ranks=ranks[e.pk],
            held_tier_codes=held[e.pk],
            tag_kinds=kinds[e.pk],
            required_tiers=required_codes,
            held_tier_ranks=held_ranks[e.pk],
        )
        for e in enterprises
    }


def precheck_enterprise(enterprise: Enterprise, *, tier: Tier, date: dt.date) -> PrecheckResult | None:
    spec = criteria_spec(tier, date)
    if spec is None:
        return None
    records = load_records([enterprise], date=date, target=tier)[enterprise.pk]
    return precheck(records, spec, date)


def candidate_enterprises(user_or_none, *, tier: Tier, date: dt.date, required: list[Tier] | None = None):
    """Operating enterprises in scope that may climb to ``tier``: they hold a valid title of the
    rung(s) the ladder requires (else of the rung just below) and no valid title of ``tier`` or
    above. For the lowest rung: enterprises without a valid title of it or above."""
    qs = _scoped(Enterprise, user_or_none).filter(status=EnterpriseStatus.OPERATING)
    at_or_above = Title.objects.filter(title_valid_on(date), enterprise=OuterRef("pk"), tier__rank__gte=tier.rank)
    qs = qs.exclude(Exists(at_or_above))
    below = required_tiers(tier, date) if required is None else list(required)
    if not below:
        lower = Tier.objects.filter(rank__lt=tier.rank).order_by("-rank").first()
        below = [lower] if lower else []
    for rung in below:
        qs = qs.filter(Exists(Title.objects.filter(title_valid_on(date), enterprise=OuterRef("pk"), tier=rung)))
    return qs.select_related("county")


@dataclass
class PoolRow:
    enterprise: Enterprise
    result: PrecheckResult
    entry: ReserveEntry | None

    @property
    def status(self) -> str:
        return self.result.status


STATUS_ORDER = {"eligible": 0, "unknown": 1, "not_eligible": 2}


@dataclass
class Pool:
    """The candidates for a rung with their verdict, best first (``precheck_sql``: one statement),
    and what the explanation of some of them needs."""

    tier: Tier
    spec: CriteriaSpec
    date: dt.date
    verdicts: list[Verdict]
    required: list[Tier]  # the rungs the ladder rules in force require


def sort_verdicts(rows: list[Verdict]) -> list[Verdict]:
    """``rows`` in the pool's order (in place): eligible, undetermined, not eligible; then the
    lowest score descending (none counts as 0), the name, the id."""
    rows.sort(key=lambda r: (STATUS_ORDER[r.status], -(r.score_min or 0), r.name, r.enterprise_id))
    return rows


def reserve_pool_verdicts(user_or_none, *, tier: Tier, date: dt.date) -> Pool | None:
    """Every candidate for ``tier`` in scope with its pre-check status and lowest score (criteria in
    force on ``date``), best first, in a fixed number of queries. None when no criteria set is in force."""
    spec = criteria_spec(tier, date)
    if spec is None:
        return None
    required = required_tiers(tier, date)
    candidates = candidate_enterprises(user_or_none, tier=tier, date=date, required=required)
    rows = sort_verdicts(precheck_sql.verdicts(candidates, spec, date, [t.code for t in required]))
    return Pool(tier=tier, spec=spec, date=date, verdicts=rows, required=required)


# The order of the pool (``sort_verdicts``) over the stored verdicts (``position`` follows the result).
VERDICT_ORDER = ("status_order", "position")


def fresh_verdicts(
    user_or_none, *, tier: Tier, date: dt.date
) -> tuple[QuerySet[ReserveVerdict], ReservePoolRefresh] | None:
    """The precomputed verdicts of ``tier``'s pool in scope, best first, and their refresh, when
    they are fresh: computed for ``date``, which is today, with the criteria set in force on it
    (one query). None otherwise: the caller computes the pool live (``reserve_pool_verdicts``)."""
    if date != timezone.localdate():
        return None
    in_force = CriteriaSet.objects.in_force(date).filter(tier=tier).order_by("-effective_from").values("pk")[:1]
    refresh = ReservePoolRefresh.objects.filter(
        tier=tier, computed_for=date, criteria_set_id=Subquery(in_force)
    ).first()
    if refresh is None:
        return None
    return _scoped(ReserveVerdict, user_or_none).filter(tier=tier).order_by(*VERDICT_ORDER), refresh


@dataclass
class StoredPool:
    """A pool read from its precomputed verdicts: ``pool`` (no ``verdicts``) for the explanation of
    the rows shown, ``rows`` the verdicts in scope best first, and when they were computed."""

    pool: Pool
    rows: QuerySet[ReserveVerdict]
    computed_at: dt.datetime


def stored_pool(user_or_none, *, tier: Tier, date: dt.date) -> StoredPool | None:
    """``fresh_verdicts`` with what ``explain_pool`` needs (five queries), or None (compute live)."""
    fresh = fresh_verdicts(user_or_none, tier=tier, date=date)
    if fresh is None:
        return None
    rows, refresh = fresh
    spec = criteria_spec(tier, date)
    if spec is None or spec.pk != refresh.criteria_set_id:  # the set changed in between
        return None
    pool = Pool(tier=tier, spec=spec, date=date, verdicts=[], required=required_tiers(tier, date))
    return StoredPool(pool=pool, rows=rows, computed_at=refresh.computed_at)


def not_entered(rows: QuerySet[ReserveVerdict], *, tier: Tier, year: int) -> QuerySet[ReserveVerdict]:
    """The verdicts of enterprises without a reserve entry for ``tier`` in ``year`` (any status)."""
    entry = ReserveEntry.objects.filter(target_tier=tier, year=year, enterprise_id=OuterRef("enterprise_id"))
    return rows.filter(~Exists(entry))


def verdict_counts(rows: QuerySet[ReserveVerdict]) -> dict[str, int]:
    """``{status: n}`` of the stored verdicts ``rows`` (one GROUP BY), every status present."""
    counts = {status: 0 for status in STATUS_ORDER}
    for row in rows.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def explain_pool(pool: Pool, verdicts: Sequence[Verdict | ReserveVerdict], *, year: int) -> list[PoolRow]:
    """The rows of ``verdicts`` (some of ``pool``'s, e.g. one page) with the Python pre-check that
    explains each criterion and their reserve entry for ``year``, in the order given (7 queries).
    ``verdicts`` are computed live (``Verdict``) or stored (``ReserveVerdict``)."""
    ids = [v.enterprise_id for v in verdicts]
    by_id = Enterprise.objects.select_related("county").in_bulk(ids)
    enterprises = [by_id[pk] for pk in ids if pk in by_id]
    records = load_records(enterprises, date=pool.date, target=pool.tier, required=pool.required)
    entries = {
        e.enterprise_id: e for e in ReserveEntry.objects.filter(target_tier=pool.tier, year=year, enterprise_id__in=ids)
    }
    return [PoolRow(e, precheck(records[e.pk], pool.spec, pool.date), entries.get(e.pk)) for e in enterprises]


def reserve_pool(user_or_none, *, tier: Tier, date: dt.date, year: int) -> list[PoolRow] | None:
    """Every candidate for ``tier`` with its pre-check (criteria in force on ``date``) explained and
    its reserve entry for ``year`` if any, best first. None when no criteria set is in force. Pages
    use ``reserve_pool_verdicts`` and explain only the rows they show."""
    pool = reserve_pool_verdicts(user_or_none, tier=tier, date=date)
    if pool is None:
        return None
    return explain_pool(pool, pool.verdicts, year=year)


def entered_ids(tier: Tier, year: int) -> set[int]:
    """Enterprises with a reserve entry for ``tier`` in ``year`` (any status)."""
    return set(ReserveEntry.objects.filter(target_tier=tier, year=year).values_list("enterprise_id", flat=True))


def reserve_entries(user):
    """The recommendations in the user's scope (filtered by ``filtersets.ReserveEntryFilterSet``)."""
    return (
        _scoped(ReserveEntry, user)
        .select_related("enterprise__county", "target_tier", "title", "criteria_set")
        .order_by("target_tier__rank", "status", "enterprise__name")
    )
