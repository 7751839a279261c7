"""Plain rows (lists of dicts) for the sheets whose data belong to other apps.

The report builders take plain rows and know nothing about those apps; this module reads them
through their selectors (the reports app sits above every other app). An error inside a data
source fails the report job with its message, it is never hidden.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.listings import selectors as listing_selectors
from enterprises.models import StatisticImport
from policies.models import SupportGrant
from support.models import EnterpriseRequest
from support.selectors import coverage, figures_with_total
from targets.choices import IndicatorKind
from targets.models import Indicator
from targets.selectors import dashboard_rows
from tasks.choices import CellStatus
from tasks.models import ProgressReport, ReportingPeriod
from tasks.selectors import slots

from .selectors import ReportScope

GOAL_KEYS = (
    "code",
    "name",
    "unit",
    "baseline",
    "value",
    "target",
    "share_done",
    "share_time",
    "status",
    "status_label",
)


def _get(row, key, default=None):
    if isinstance(row, dict):
        return row.get(key, default)
    return getattr(row, key, default)


def normalise_goal_row(row) -> dict:
    """A dashboard row (dict or object) as the goals sheet expects it. ``now`` and ``value`` are
    accepted for the current figure; shares are fractions (0.5 = 50 %)."""
    out = {key: _get(row, key) for key in GOAL_KEYS}
    if out["value"] is None:
        out["value"] = _get(row, "now")
    status = out["status"]
    if status is not None and hasattr(status, "value"):  # an enum or a choices member
        out["status"] = str(status.value)
        out["status_label"] = out["status_label"] or getattr(status, "label", None)
    if not out["status_label"] and status is not None:
        out["status_label"] = _get(row, "get_status_display", None) or out["status"]
    if callable(out["status_label"]):
        out["status_label"] = out["status_label"]()
    for key in ("code", "name", "unit", "status_label"):
        if out[key] is not None:
            out[key] = str(out[key])
    # from the indicator where the row carries one (a ``DashboardRow``): the cover's column label,
    # the decimals its values are shown with, and whether county figures add up to the city's
    indicator = _get(row, "indicator")
    out["short_name"] = str(_get(indicator, "short_name", None) or _get(row, "short_name", None) or out["name"])
    out["decimals"] = _get(indicator, "decimals", None) if indicator is not None else _get(row, "decimals")
    out["additive"] = bool(_get(indicator, "additive", False) if indicator is not None else _get(row, "additive"))
    return out


def goal_rows(scope: ReportScope) -> list[dict]:
    """Per indicator: code, name, unit, baseline, value, target, share_done, share_time, status —
    exactly what the goals dashboard shows for the same date and scope
    (``targets.selectors.dashboard_rows(date, county=None)``)."""
    return [normalise_goal_row(row) for row in dashboard_rows(scope.as_of, county=scope.county)]


def county_rows(scope: ReportScope) -> list[dict]:
    """Each indicator per county (the dashboard filtered to one county, for every county in scope)."""
    rows = []
    for county in scope.counties():
        for row in dashboard_rows(scope.as_of, county=county):
            rows.append({"county": county.name, "county_code": county.code, **normalise_goal_row(row)})
    return rows


def task_rows(scope: ReportScope) -> list[dict]:
    """Key tasks with each responsible unit's report for the quarter, as the responsibility matrix
    shows them to the report's user (``tasks.selectors.slots``); a county report keeps its county's
    units only. Report texts are included where the user may read the report. Fixed query count."""
    period = ReportingPeriod.objects.filter(code=f"{scope.year}Q{scope.quarter}").first()
    if period is None:
        return []
    texts = {
        r["id"]: r
        for r in ProgressReport.objects.for_user(scope.user, "view")
        .filter(period=period)
        .values("id", "summary", "submitted_at", "progress_percent")
    }
    labels = dict(CellStatus.choices)
    rows = []
    for slot in slots(user=scope.user, period=period, today=scope.today):
        if scope.county is not None and (slot.column.county is None or slot.column.county.pk != scope.county.pk):
            continue
        report = texts.get(slot.report_id, {})
        progress = report.get("progress_percent")
        rows.append(
            {
                "task_code": slot.task.number,
                "task_name": slot.task.title,
                "unit": slot.column.label,
                "is_lead": slot.is_lead,
                "status": slot.status,
                "status_label": str(labels.get(slot.status, slot.status)),
                "progress": progress / 100 if progress is not None else None,
                "text": report.get("summary", ""),
                "submitted_at": report.get("submitted_at"),
            }
        )
    return rows


def import_rows(scope: ReportScope) -> list[dict]:
    """Statistics imports started in the quarter, within the user's (and the report's) scope."""
    start = timezone.make_aware(dt.datetime.combine(scope.start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(scope.end + dt.timedelta(days=1), dt.time.min))
    qs = (
        StatisticImport.objects.for_user(scope.user, "view")
        .filter(created_at__gte=start, created_at__lt=end)
        .select_related("requested_by", "county")
        .order_by("created_at")
    )
    if scope.county is not None:
        qs = qs.filter(county=scope.county)
    return [
        {
            "started_at": imp.created_at,
            "file_name": imp.file_name,
            "user": imp.requested_by.username,
            "county": imp.county.name if imp.county else "",
            "status": imp.state,
            "status_label": imp.get_state_display(),
            "rows_total": imp.row_count,
            "rows_created": imp.new_count,
            "rows_updated": imp.changed_count,
            "rows_failed": imp.error_row_count,
            "message": imp.message,
        }
        for imp in qs
    ]


def listing_data(scope: ReportScope, goal_rows: list[dict] | None = None) -> dict | None:
    """The listing pipeline as of the report date: the projection (from the listings the goal counts
    now, as on the goals sheet: ``goal_rows``) and one row per enterprise. None without a listing
    programme."""
    prog = listing_selectors.programme()
    if prog is None:
        return None
    county_id = scope.county.pk if scope.county is not None else None
    listing_codes = {
        code
        for code, params in Indicator.objects.filter(kind=IndicatorKind.EVENT_COUNT).values_list("code", "params")
        if "listed" in (params or {}).get("stages", [])
    }
    goal_row = next((r for r in goal_rows or [] if r.get("code") in listing_codes), None)
    now = goal_row.get("value") if goal_row is not None else None
    rows = listing_selectors.pipeline(scope.user, today=scope.as_of, county_id=county_id, prog=prog)
    projection = listing_selectors.projection_of(rows, prog, today=scope.as_of, listed=now)
    expected = {p.row.key: p for p in projection.rows}
    out = []
    for r in rows:
        p = expected.get(r.enterprise.pk)
        out.append(
            {
                "enterprise": r.enterprise.name,
                "county": r.enterprise.county.name,
                "stage": r.stage_label,
                "venue": r.venue_label,
                "target_year": r.entry.target_year if r.entry else None,
                "days_in_stage": r.state.days_in_stage,
                "sponsor": r.entry.sponsor if r.entry else "",
                "expected_on": p.expected_on if p else None,
                "within": (str(_("yes")) if p.within else str(_("no"))) if p and p.expected_on else "",
            }
        )
    return {
        "projection": {
            "horizon": projection.horizon,
            "goal": goal_row.get("target") if goal_row is not None else None,
            "listed": projection.listed,
            "in_review": projection.in_review,
            "likely": projection.likely,
            "total_expected": projection.total_expected,
            "total_if_all_list": projection.total_if_all_list,
        },
        "rows": out,
    }


def ledger_rows(scope: ReportScope) -> list[dict]:
    """Support of the ledger granted in the quarter, within the user's (and the report's) scope."""
    qs = (
        SupportGrant.objects.for_user(scope.user, "view")
        .filter(granted_on__gte=scope.start, granted_on__lte=scope.end)
        .select_related("enterprise__county", "policy", "department", "support_type")
        .order_by("granted_on", "pk")
    )
    if scope.county is not None:
        qs = qs.filter(enterprise__county=scope.county)
    return [
        {
            "granted_on": g.granted_on,
            "enterprise": g.enterprise.name,
            "credit_code": g.enterprise.credit_code,
            "county": g.enterprise.county.name,
            "policy": g.policy_name,
            "department": g.department.name,
            "support_type": g.support_type.name,
            "amount": g.amount,
            "batch": g.batch,
            "document_no": g.document_no,
        }
        for g in qs
    ]


def support_rows(scope: ReportScope) -> list[dict]:
    """Request figures per handling department (then all) of the requests received in the quarter,
    within the user's (and the report's) scope; rates as fractions for the percent cells."""
    qs = EnterpriseRequest.objects.for_user(scope.user, "view").filter(
        received_on__gte=scope.start, received_on__lte=scope.end
    )
    if scope.county is not None:
        qs = qs.filter(county=scope.county)
    total, rows = figures_with_total(qs, by="department", today=scope.today)

    def plain(row, label) -> dict:
        def fraction(value):
            return value / 100 if value is not None else None

        return {
            "label": label,
            "total": row.total,
            "response_rate": fraction(row.response_rate),
            "on_time_close_rate": fraction(row.on_time_close_rate),
            "satisfaction_rate": fraction(row.satisfaction_rate),
            "avg_days_to_close": row.avg_days_to_close,
            "open": row.open,
            "overdue": row.overdue,
        }

    return [plain(r, r.label) for r in rows] + [plain(total, _("Sum of all rows"))]


def coverage_rows(scope: ReportScope) -> list[dict]:
    """Commissioner and visit coverage per county (then all) as on the report's date (the quarter's
    end, or today while it runs), within the user's (and the report's) scope; shares as fractions."""
    total, rows = coverage(
        scope.user,
        today=scope.as_of,
        county_id=scope.county.pk if scope.county is not None else None,
        quarter=scope.start,
    )

    def plain(row, label) -> dict:
        def fraction(value):
            return value / 100 if value is not None else None

        return {
            "label": label,
            "srdi": row.srdi,
            "srdi_with_commissioner": row.srdi_with_commissioner,
            "srdi_commissioner_share": fraction(row.srdi_commissioner_share),
            "srdi_visited": row.srdi_visited_this_quarter,
            "srdi_visited_share": fraction(row.srdi_visited_share),
            "srdi_never_visited": row.srdi_never_visited,
            "reserve": row.reserve,
            "reserve_with_commissioner": row.reserve_with_commissioner,
            "reserve_commissioner_share": fraction(row.reserve_commissioner_share),
        }

    return [plain(r, r.label) for r in rows] + [plain(total, _("Sum of all rows"))]
