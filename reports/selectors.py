"""Reads behind the quarterly report: every query is scoped with ``for_user`` and aggregated in the
database (a handful of queries per sheet, none per row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, F, FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Place
from core.scoping import VIEW, scope_for
from enterprises.choices import EnterpriseStatus, TitleStatus
from enterprises.filtersets import StatisticFilterSet, TitleFilterSet
from enterprises.models import Enterprise, Statistic, Tier, Title, period_end, title_valid_on


def parse_period(code: str) -> tuple[int, int]:
    """``"2026Q3"`` → ``(2026, 3)``; a clear message otherwise."""
    raw = (code or "").strip().upper()
    try:
        year_part, quarter_part = raw.split("Q")
        year, quarter = int(year_part), int(quarter_part)
    except ValueError:
        raise ValidationError(
            _("%(value)s is not a period: write the year and the quarter, e.g. 2026Q3.") % {"value": code},
            code="invalid_period",
        )
    if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
        raise ValidationError(
            _("%(value)s is not a period: the quarter must be 1 to 4 and the year between 2000 and 2100.")
            % {"value": code},
            code="invalid_period",
        )
    return year, quarter


def period_start(year: int, quarter: int) -> dt.date:
    return dt.date(year, quarter * 3 - 2, 1)


def period_label(year: int, quarter: int) -> str:
    names = {1: _("first quarter"), 2: _("second quarter"), 3: _("third quarter"), 4: _("fourth quarter")}
    return _("%(year)s, %(quarter)s") % {"year": year, "quarter": names[quarter]}


@dataclass
class ReportScope:
    """Who the report is for, which quarter, which county (None: every county the user may see)."""

    user: object
    year: int
    quarter: int
    county: Place | None = None
    generated_by: str = ""
    generated_at: dt.datetime = field(default_factory=timezone.now)
    today: dt.date = field(default_factory=timezone.localdate)

    def __post_init__(self):
        scope = scope_for(self.user)
        if scope.county_id is not None and (self.county is None or self.county.pk != scope.county_id):
            # A county official's report is always her county's, whatever was asked for.
            self.county = Place.objects.get(pk=scope.county_id)

    @property
    def start(self) -> dt.date:
        return period_start(self.year, self.quarter)

    @property
    def end(self) -> dt.date:
        return period_end(self.year, self.quarter)

    @property
    def as_of(self) -> dt.date:
        """Figures are as at the end of the quarter, or today while the quarter is still running."""
        return min(self.end, self.today)

    @property
    def previous_end(self) -> dt.date:
        return self.start - dt.timedelta(days=1)

    @property
    def period_code(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.quarter)

    @property
    def scope_label(self) -> str:
        return self.county.name if self.county else _("Jiangmen (whole city)")

    def enterprises(self):
        qs = Enterprise.objects.for_user(self.user, VIEW)
        return qs.filter(county=self.county) if self.county else qs

    def titles(self):
        qs = Title.objects.for_user(self.user, VIEW)
        return qs.filter(enterprise__county=self.county) if self.county else qs

    def counties(self) -> list[Place]:
        scope = scope_for(self.user)
        if not scope.read:
            return []
        qs = Place.objects.filter(level="county")
        if self.county is not None:
            qs = qs.filter(pk=self.county.pk)
        return list(qs)


# --- ladder ---------------------------------------------------------------------------------------


def _by_county_tier(qs, county_field: str) -> dict[tuple[int, int | None], int]:
    return {
        (row[county_field], row["tier_id"]): row["n"]
        for row in qs.values(county_field, "tier_id").annotate(n=Count("enterprise_id", distinct=True)).order_by()
    }


def ladder(scope: ReportScope) -> dict:
    """Counts per tier per county at the end of the quarter, and the changes within it.

    ``current``: enterprises whose highest valid title is the tier (the ladder page's first figure);
    ``holding``: enterprises holding a valid title of the tier (the page's second figure, and the
    basis of the cumulative goals); ``new``: enterprises recognised at the tier during the quarter;
    ``ended``: enterprises whose title of the tier was valid at the start and is not at the end;
    ``net``: change of ``holding`` since the end of the previous quarter.
    """
    as_of, prev = scope.as_of, scope.previous_end
    counties = scope.counties()
    tiers = list(Tier.objects.order_by("-rank"))
    current = {
        (row["county_id"], row["current_tier_id"]): row["n"]
        for row in scope.enterprises()
        .with_current_tier(as_of)
        .values("county_id", "current_tier_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    titles = scope.titles()
    county_field = "enterprise__county_id"
    holding = _by_county_tier(titles.filter(title_valid_on(as_of)), county_field)
    holding_before = _by_county_tier(titles.filter(title_valid_on(prev)), county_field)
    new = _by_county_tier(titles.filter(recognised_on__gte=scope.start, recognised_on__lte=as_of), county_field)
    ended = _by_county_tier(titles.filter(title_valid_on(prev)).exclude(title_valid_on(as_of)), county_field)
    rows = []
    for county in counties:
        cells = {}
        for tier in tiers:
            key = (county.pk, tier.pk)
            cells[tier.code] = {
                "current": current.get(key, 0),
                "holding": holding.get(key, 0),
                "new": new.get(key, 0),
                "ended": ended.get(key, 0),
                "net": holding.get(key, 0) - holding_before.get(key, 0),
            }
        rows.append({"county": county, "tiers": cells, "no_title": current.get((county.pk, None), 0)})
    totals = {
        tier.code: {
            k: sum(r["tiers"][tier.code][k] for r in rows) for k in ("current", "holding", "new", "ended", "net")
        }
        for tier in tiers
    }
    return {"tiers": tiers, "rows": rows, "totals": totals, "no_title_total": sum(r["no_title"] for r in rows)}


# --- roster ---------------------------------------------------------------------------------------

ROSTER_FIELDS = (
    "id",
    "name",
    "credit_code",
    "county__name",
    "industry__code",
    "industry__name",
    "niche_market",
    "established_on",
    "status",
    "current_tier_id",
    "stat__output_value",
    "stat__revenue",
    "stat__profit",
    "stat__rd_expense",
    "stat__employees",
)


def roster(scope: ReportScope) -> Iterator[dict]:
    """Every enterprise in scope, highest tier first, with its figures for the quarter: one
    streamed query (the quarter's statistics are joined, not fetched per row)."""
    tiers = {t.pk: t for t in Tier.objects.all()}
    status_labels = dict(EnterpriseStatus.choices)
    qs = (
        scope.enterprises()
        .with_current_tier(scope.as_of)
        .annotate(
            stat=FilteredRelation(
                "statistics", condition=Q(statistics__year=scope.year, statistics__quarter=scope.quarter)
            )
        )
        .order_by(F("current_tier_rank").desc(nulls_last=True), "county__sort_order", "county__code", "name", "id")
        .values(*ROSTER_FIELDS)
    )
    for row in qs.iterator(chunk_size=2000):
        tier = tiers.get(row["current_tier_id"])
        revenue, rd = row["stat__revenue"], row["stat__rd_expense"]
        row["tier_name"] = tier.name if tier else _("No valid title")
        row["tier_short_name"] = tier.short_name if tier else _("No valid title")
        row["tier_code"] = tier.code if tier else ""
        row["status_label"] = str(status_labels.get(row["status"], row["status"]))
        row["rd_ratio"] = (rd / revenue) if (rd is not None and revenue) else None
        yield row


# --- titles expiring and under review -------------------------------------------------------------


def titles_to_watch(scope: ReportScope, window_days: int | None = None) -> list[dict]:
    """Titles under review, and valid titles whose validity ends within ``window_days`` after the
    report date (``REPORT_EXPIRY_WINDOW_DAYS``), soonest first."""
    window_days = settings.REPORT_EXPIRY_WINDOW_DAYS if window_days is None else window_days
    as_of = scope.as_of
    horizon = as_of + dt.timedelta(days=window_days)
    soon = as_of + dt.timedelta(days=settings.REPORT_EXPIRY_URGENT_DAYS)
    labels = dict(TitleStatus.choices)
    qs = (
        scope.titles()
        .filter(title_valid_on(as_of))
        .filter(Q(status=TitleStatus.UNDER_REVIEW) | Q(valid_until__lte=horizon))
        .order_by("valid_until", "enterprise__county__sort_order", "enterprise__name", "id")
        .values(
            "id",
            "enterprise__name",
            "enterprise__credit_code",
            "enterprise__county__name",
            "tier__name",
            "tier__rank",
            "batch",
            "recognised_on",
            "valid_until",
            "status",
            "document_no",
        )
    )
    rows = []
    for row in qs:
        days_left = (row["valid_until"] - as_of).days
        if row["status"] == TitleStatus.UNDER_REVIEW:
            colour_key, label = "under_review", str(labels[TitleStatus.UNDER_REVIEW])
        elif row["valid_until"] <= soon:
            colour_key = "expiring_soon"
            label = _("Expires within %(days)s days") % {"days": settings.REPORT_EXPIRY_URGENT_DAYS}
        else:
            colour_key = "expiring"
            label = _("Expires within %(days)s days") % {"days": window_days}
        row.update(days_left=days_left, status_key=colour_key, status_label=label)
        rows.append(row)
    return rows


# --- the lists the portal exports (pages and export jobs read the same filterset and order) -------

TITLE_ORDER = ("-recognised_on", "-tier__rank", "enterprise__name", "id")
STATISTIC_ORDER = ("-year", "-quarter", "enterprise__county__sort_order", "enterprise__name", "id")


def title_list_filterset(user, params, request=None) -> TitleFilterSet:
    base = Title.objects.for_user(user, VIEW).select_related("enterprise__county", "tier")
    return TitleFilterSet(params, queryset=base, request=request)


def statistic_list_filterset(user, params, request=None) -> StatisticFilterSet:
    base = Statistic.objects.for_user(user, VIEW).select_related("enterprise__county")
    return StatisticFilterSet(params, queryset=base, request=request)
