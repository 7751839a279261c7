"""Reads of the targets app: dashboard rows from stored snapshots, trends, comparison, drill-down
links and the baseline reconciliation. Dashboards never compute: they read snapshots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Place
from core.scoping import VIEW, scope_for
from enterprises.choices import TitleStatus
from enterprises.models import Enterprise, Title, county_on, gone_by, period_end, title_valid_on

from . import compute
from .choices import IndicatorKind, ProgressStatus
from .models import Indicator, Plan, Snapshot, SnapshotValue


@dataclass(frozen=True)
class DashboardRow:
    """One indicator in a snapshot, for the city (``county`` None) or one county.

    ``baseline``/``now``/``target`` are in the indicator's unit (``%`` for shares, times for
    ratios); ``share_done`` and ``share_time`` are fractions (0.5 = 50 %); ``status`` is a
    ``targets.choices.ProgressStatus`` value."""

    indicator: Indicator
    county: Place | None
    as_of: dt.date
    computed_at: dt.datetime
    baseline: Decimal | None
    baseline_records: Decimal | None
    now: Decimal | None
    target: Decimal | None
    share_done: Decimal | None
    share_time: Decimal
    status: str
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    drilldown_url: str = ""
    period: str = ""
    compared: int | None = None
    left_out: int | None = None

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def name(self) -> str:
        return self.indicator.name

    @property
    def unit(self) -> str:
        return self.indicator.unit

    @property
    def left_out_url(self) -> str:
        """Cohort ratios: the enterprise list of the members left out of the comparison."""
        if not self.left_out or not self.period:
            return ""
        params = drilldown_params(self.indicator, self.as_of, self.county) or {}
        p = self.indicator.params
        params["not_compared"] = f"{p['field']}:{self.period}:{p['base_year']}"
        return f"{reverse('enterprises:list')}?{urlencode(params)}"

    @property
    def status_label(self) -> str:
        return str(ProgressStatus(self.status).label)

    @property
    def percent_done(self):
        return None if self.share_done is None else self.share_done * 100

    @property
    def percent_time(self):
        return self.share_time * 100


def default_plan() -> Plan | None:
    return Plan.objects.order_by("-starts_on").first()


def latest_snapshot(*, plan: Plan | None = None, on_or_before: dt.date | None = None) -> Snapshot | None:
    """The snapshot with the latest date (up to ``on_or_before``), most recently computed first."""
    plan = plan or default_plan()
    if plan is None:
        return None
    qs = Snapshot.objects.filter(plan=plan)
    if on_or_before is not None:
        qs = qs.filter(as_of__lte=on_or_before)
    return qs.order_by("-as_of", "-computed_at").first()


def _resolve(snapshot_or_date) -> Snapshot | None:
    if isinstance(snapshot_or_date, Snapshot):
        return snapshot_or_date
    if snapshot_or_date is None:
        return latest_snapshot()
    if isinstance(snapshot_or_date, dt.datetime):
        snapshot_or_date = timezone.localdate(snapshot_or_date)
    return latest_snapshot(on_or_before=snapshot_or_date)


def dashboard_rows(snapshot_or_date=None, county: Place | None = None, *, user=None) -> list[DashboardRow]:
    """Per active indicator: baseline, now, target, share done, share of time and status.

    ``snapshot_or_date``: a ``Snapshot``, a date (the latest snapshot on or before it) or None
    (the latest snapshot). ``county``: a county ``Place`` or None for the city. ``user``: when
    given, rows are read through ``SnapshotValue.objects.for_user(user)`` (a county official gets
    no rows for another county or the city). Two queries; an empty list without a snapshot."""
    snapshot = _resolve(snapshot_or_date)
    if snapshot is None:
        return []
    qs = SnapshotValue.objects.for_user(user, VIEW) if user is not None else SnapshotValue.objects.all()
    qs = qs.filter(snapshot=snapshot, indicator__is_active=True).select_related(
        "indicator", "indicator__lead_department"
    )
    qs = qs.filter(county=county) if county is not None else qs.filter(county__isnull=True)
    values = list(qs.order_by("indicator__sort_order", "indicator__code"))
    return [_row(v, snapshot, county) for v in values]


def _row(v: SnapshotValue, snapshot: Snapshot, county: Place | None) -> DashboardRow:
    return DashboardRow(
        indicator=v.indicator,
        county=county,
        as_of=snapshot.as_of,
        computed_at=snapshot.computed_at,
        baseline=v.baseline,
        baseline_records=v.baseline_records,
        now=v.value,
        target=v.target,
        share_done=v.share_done,
        share_time=v.share_time,
        status=v.status,
        numerator=v.numerator,
        denominator=v.denominator,
        drilldown_url=drilldown_url(v.indicator, snapshot.as_of, county),
        period=v.period,
        compared=v.compared,
        left_out=v.left_out,
    )


def snapshot_table(snapshot: Snapshot | None, *, user) -> tuple[list[DashboardRow], dict[str, list[DashboardRow]]]:
    """The whole snapshot the user may see in ONE query: city rows, and county rows per indicator
    code (for the comparison table and the map)."""
    if snapshot is None:
        return [], {}
    values = (
        SnapshotValue.objects.for_user(user, VIEW)
        .filter(snapshot=snapshot, indicator__is_active=True)
        .select_related("indicator", "indicator__lead_department", "county")
        .defer("indicator__default_allocation")
        .order_by("indicator__sort_order", "indicator__code", "county__sort_order")
    )
    city: list[DashboardRow] = []
    counties: dict[str, list[DashboardRow]] = {}
    for v in values:
        row = _row(v, snapshot, v.county)
        if v.county_id is None:
            city.append(row)
        else:
            counties.setdefault(v.indicator.code, []).append(row)
    return city, counties


def map_series_from(county_rows: dict[str, list[DashboardRow]]) -> dict:
    """For the county map: ``{indicator code: [{name, code, value, target, done, status}]}``."""
    return {
        code: [
            {
                "name": r.county.name if r.county is not None else "",
                "code": r.county.code if r.county is not None else "",
                "value": _float(r.now),
                "target": _float(r.target),
                "done": _float(r.share_done * 100 if r.share_done is not None else None),
                "status": r.status,
                "status_label": str(ProgressStatus(r.status).label),
            }
            for r in rows
        ]
        for code, rows in county_rows.items()
    }


def county_comparison(snapshot: Snapshot | None, indicator: Indicator, *, user) -> list[DashboardRow]:
    """The indicator in each county the user may see (one query)."""
    if snapshot is None:
        return []
    values = (
        SnapshotValue.objects.for_user(user, VIEW)
        .filter(snapshot=snapshot, indicator=indicator, county__isnull=False)
        .select_related("indicator", "county")
        .order_by("county__sort_order", "county__code")
    )
    return [_row(v, snapshot, v.county) for v in values]


def trend(indicator: Indicator, *, county: Place | None = None, user=None) -> list[dict]:
    """The indicator's value at each stored quarter-end snapshot (and the latest), oldest first."""
    qs = SnapshotValue.objects.for_user(user, VIEW) if user is not None else SnapshotValue.objects.all()
    qs = qs.filter(indicator=indicator, snapshot__plan_id=indicator.plan_id)
    qs = qs.filter(county=county) if county is not None else qs.filter(county__isnull=True)
    rows = list(qs.select_related("snapshot").order_by("snapshot__as_of"))
    latest = rows[-1].snapshot.as_of if rows else None
    points = []
    for v in rows:
        as_of = v.snapshot.as_of
        quarter_end = compute.last_quarter_ended(as_of)
        if period_end(*quarter_end) != as_of and as_of != latest:
            continue
        label = f"{quarter_end[0]}Q{quarter_end[1]}" if period_end(*quarter_end) == as_of else as_of.isoformat()
        points.append(
            {
                "label": label,
                "as_of": as_of.isoformat(),
                "value": _float(v.value),
                "target": _float(v.target),
                "status": v.status,
            }
        )
    return points


def _float(value):
    return None if value is None else float(value)


def milestones_for(indicator: Indicator, county: Place | None, row: DashboardRow | None) -> list[dict]:
    """The milestones a page shows: the plan's (city) milestones for the city, and for a county
    whose target is the city's own (shares and ratios without a county allocation: 1.3, 1.6, 2 倍
    hold for every county); otherwise, for a county, only its own allocation (its target for the
    target date), never the city's counts."""
    same_target = row is not None and not indicator.additive and row.target == indicator.target_value
    if county is None or same_target:
        return [{"year": m.year, "value": m.value, "note": m.note} for m in indicator.milestones.order_by("year")]
    if row is None or row.target is None:
        return []
    return [{"year": indicator.target_date.year, "value": row.target, "note": _("County allocation")}]


@dataclass
class AllocationSummary:
    """Per county: baseline (declared in the allocation, else the records on the baseline date, as
    in the latest snapshot) and allocated target; their sums against the city's, with warnings."""

    rows: list[dict]
    baseline_total: Decimal | None
    target_total: Decimal | None
    city_baseline: Decimal | None
    city_target: Decimal | None
    warnings: list[str]


def allocation_summary(indicator: Indicator, snapshot: Snapshot | None = None) -> AllocationSummary:
    """Two queries (allocations, and the latest snapshot's baselines)."""
    from .models import Allocation

    snapshot = snapshot if snapshot is not None else latest_snapshot(plan=indicator.plan)
    allocations = {a.county_id: a for a in Allocation.objects.filter(indicator=indicator)}
    recorded, city_recorded = {}, None
    if snapshot is not None:
        for county_id, value in SnapshotValue.objects.filter(snapshot=snapshot, indicator=indicator).values_list(
            "county_id", "baseline_records"
        ):
            if county_id is None:
                city_recorded = value
            else:
                recorded[county_id] = value
    places = list(Place.objects.filter(level="county").order_by("sort_order", "code"))
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    for place in places:
        allocation = allocations.get(place.pk)
        declared = allocation.baseline_value if allocation is not None else None
        baseline = declared if declared is not None else recorded.get(place.pk)
        target = allocation.target_value if allocation is not None else None
        below = target is not None and baseline is not None and target < baseline
        rows.append(
            {"county": place, "baseline": baseline, "declared": declared is not None, "target": target, "below": below}
        )
        if below and target is not None and baseline is not None:
            warnings.append(
                _("%(county)s: the allocated target %(target)s is below its baseline %(baseline)s.")
                % {"county": place.name, "target": _plain(target), "baseline": _plain(baseline)}
            )
    city_baseline = indicator.baseline_value if indicator.baseline_value is not None else city_recorded
    city_target = indicator.target_value
    baselines: list[Decimal] = [r["baseline"] for r in rows if r["baseline"] is not None]
    targets: list[Decimal] = [r["target"] for r in rows if r["target"] is not None]
    baseline_total = sum(baselines, Decimal(0)) if baselines else None
    target_total = sum(targets, Decimal(0)) if targets else None
    if indicator.additive:
        if city_baseline is not None and baseline_total is not None and baseline_total != city_baseline:
            warnings.insert(
                0,
                _("The county baselines add up to %(total)s but the city baseline is %(city)s.")
                % {"total": _plain(baseline_total), "city": _plain(city_baseline)},
            )
        if city_target is not None and target_total is not None and target_total != city_target:
            warnings.insert(
                0,
                _("The county targets add up to %(total)s but the city target is %(city)s.")
                % {"total": _plain(target_total), "city": _plain(city_target)},
            )
    return AllocationSummary(
        rows=rows,
        baseline_total=baseline_total,
        target_total=target_total,
        city_baseline=city_baseline,
        city_target=city_target,
        warnings=warnings,
    )


def _plain(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


# -- drill-down to the enterprise list --------------------------------------------------------------


def drilldown_params(indicator: Indicator, as_of: dt.date, county: Place | None = None) -> dict | None:
    """Query parameters of ``/enterprises/`` (``EnterpriseFilterSet``) listing the enterprises behind
    the indicator's number (for shares: the population), or None for reported values."""
    p = indicator.params or {}
    kind = indicator.kind
    if kind == IndicatorKind.TITLE_COUNT_VALID:
        params = {"holds_tier": p["tier"], "on": as_of.isoformat()}
    elif kind == IndicatorKind.TITLE_COUNT_CUMULATIVE:
        params = {"ever_tier": p["tier"], "on": as_of.isoformat()}
    elif kind == IndicatorKind.POPULATION_SHARE:
        params = {"min_tier": p.get("population_min_tier", "provincial"), "on": as_of.isoformat()}
        if p.get("property") == "rd_institution":
            params["has_rd"] = p.get("min", 1)
    elif kind == IndicatorKind.COHORT_RATIO:
        params = {"holds_tier": p["cohort_tier"], "on": p["cohort_date"]}
    elif kind == IndicatorKind.EVENT_COUNT:
        params = {"listed_since": p["since"], "on": as_of.isoformat()}
        if p.get("min_tier"):
            params["listed_holding"] = p["min_tier"]
    else:
        return None
    if county is not None:
        params["county"] = county.code
    return params


def drilldown_url(indicator: Indicator, as_of: dt.date, county: Place | None = None) -> str:
    params = drilldown_params(indicator, as_of, county)
    return f"{reverse('enterprises:list')}?{urlencode(params)}" if params else ""


# -- baseline reconciliation --------------------------------------------------------------------------


@dataclass
class Reconciliation:
    indicator: Indicator
    date: dt.date
    declared: Decimal | None
    valid_count: int
    cumulative_count: int
    counted: Decimal | None
    gap: Decimal | None
    not_valid: list = field(default_factory=list)  # ever recognised but not valid on the date
    under_review: list = field(default_factory=list)  # counted only because a review is pending
    tier_code: str = ""


def reconciliation(indicator: Indicator, *, user) -> Reconciliation | None:
    """Declared baseline against the records on the baseline date, with the enterprises that make
    the difference between the two counting definitions (valid on the date vs ever recognised)."""
    p = indicator.params or {}
    if indicator.kind in (IndicatorKind.TITLE_COUNT_VALID, IndicatorKind.TITLE_COUNT_CUMULATIVE):
        tier = p["tier"]
    elif indicator.kind == IndicatorKind.COHORT_RATIO:
        tier = p["cohort_tier"]
    else:
        return None
    date = indicator.baseline_date
    if indicator.kind == IndicatorKind.COHORT_RATIO:
        date = dt.date.fromisoformat(str(p["cohort_date"]))
    enterprises = Enterprise.objects.for_user(user, VIEW)
    counted_in = _in_scope_on(user, date)
    titles = Title.objects.filter(tier__code=tier, enterprise=OuterRef("pk"))
    valid = titles.filter(title_valid_on(date))
    ever = titles.filter(recognised_on__lte=date).exclude(status=TitleStatus.REVOKED, ended_on__lte=date)
    valid_count = counted_in.filter(Exists(valid)).exclude(pk__in=gone_by(date)).count()  # as the valid-title kind
    cumulative_count = counted_in.filter(Exists(ever)).count()
    counted = Decimal(cumulative_count if indicator.kind == IndicatorKind.TITLE_COUNT_CUMULATIVE else valid_count)
    declared = indicator.baseline_value if indicator.kind != IndicatorKind.COHORT_RATIO else None
    not_valid_titles = (
        Title.objects.for_user(user, VIEW)
        .filter(tier__code=tier, recognised_on__lte=date)
        .exclude(title_valid_on(date))
        .exclude(enterprise__in=enterprises.filter(Exists(valid)))
        .select_related("enterprise", "enterprise__county")
        .order_by("enterprise__county__sort_order", "enterprise__name", "-recognised_on")
    )
    seen, not_valid = set(), []
    for t in not_valid_titles:
        if t.enterprise_id in seen:
            continue
        seen.add(t.enterprise_id)
        if t.status == TitleStatus.REVOKED and t.ended_on and t.ended_on <= date:
            reason = "revoked"
        elif t.ended_on and t.ended_on <= date:
            reason = "ended"
        else:
            reason = "expired"
        not_valid.append({"title": t, "enterprise": t.enterprise, "reason": reason})
    under_review = list(
        Title.objects.for_user(user, VIEW)
        .filter(title_valid_on(date), tier__code=tier, valid_until__lt=date, status=TitleStatus.UNDER_REVIEW)
        .select_related("enterprise", "enterprise__county")
        .order_by("enterprise__name")
    )
    return Reconciliation(
        indicator=indicator,
        date=date,
        declared=declared,
        valid_count=valid_count,
        cumulative_count=cumulative_count,
        counted=counted,
        gap=(declared - counted) if declared is not None else None,
        not_valid=not_valid,
        under_review=under_review,
        tier_code=tier,
    )


def _in_scope_on(user, date: dt.date):
    """The enterprises a user's counts on ``date`` cover: a county's are those in the county ON
    ``date`` (``county_on``, as the goal figures count them), so the counts match the snapshot's
    records. The lists of enterprises beside them stay those the user may read today (the county
    today): an enterprise moved away since is counted but not listed to the county."""
    scope = scope_for(user)
    if not scope.may(VIEW):
        return Enterprise.objects.none()
    if scope.county_id is None:
        return Enterprise.objects.all()
    return Enterprise.objects.annotate(county_then=county_on(date, "")).filter(county_then=scope.county_id)


def counties_for(user) -> list[Place]:
    """Counties whose dashboard the user may open."""
    scope = user.scope
    qs = Place.objects.filter(level="county")
    if scope.county_id is not None:
        qs = qs.filter(pk=scope.county_id)
    return list(qs.order_by("sort_order", "code"))


__all__ = [
    "DashboardRow",
    "dashboard_rows",
    "latest_snapshot",
    "trend",
    "county_comparison",
    "snapshot_table",
    "map_series_from",
    "drilldown_url",
    "drilldown_params",
    "reconciliation",
]
