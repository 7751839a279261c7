"""Read side of the support app: one query per question, never one per row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Department, Place

from .choices import RequestStatus, Satisfaction
from .models import CommissionerAssignment, EnterpriseRequest, Visit


def current_commissioners(enterprise_ids: Iterable[int]) -> dict[int, Any]:
    """Enterprise id -> its current commissioner (a ``User``), for the enterprises that have one.
    One query (the user joined in)."""
    ids = list(enterprise_ids)
    if not ids:
        return {}
    rows = CommissionerAssignment.objects.filter(enterprise_id__in=ids, is_current=True).select_related("commissioner")
    return {row.enterprise_id: row.commissioner for row in rows}


# --------------------------------------------------------------------------------------------------
# Request figures: 响应率, 按期办结率, 满意率, average days to close, open and overdue
# --------------------------------------------------------------------------------------------------


@dataclass
class FigureRow:
    """The figures of one group (a department, a county, a month, or all). Rates are None when
    nothing counts yet (no denominator)."""

    key: Any
    label: str
    total: int = 0
    accept_counted: int = 0
    accepted_in_time: int = 0
    close_counted: int = 0
    closed_in_time: int = 0
    rated: int = 0
    satisfied: int = 0
    avg_days_to_close: float | None = None
    open: int = 0
    overdue: int = 0
    days_to_close_sum: int = 0
    days_to_close_count: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def response_rate(self) -> float | None:
        """响应率: accepted within the deadline ÷ requests accepted or past the acceptance deadline."""
        return self._rate(self.accepted_in_time, self.accept_counted)

    @property
    def on_time_close_rate(self) -> float | None:
        """按期办结率: closed within the deadline ÷ requests closed or open past the closing deadline."""
        return self._rate(self.closed_in_time, self.close_counted)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: 满意 and 基本满意 ÷ requests rated."""
        return self._rate(self.satisfied, self.rated)


def overdue_q(today: dt.date) -> Q:
    """Open requests past the deadline of the stage that runs now (``EnterpriseRequest.current_due``)."""
    return (
        Q(status=RequestStatus.PENDING, accept_due__lt=today)
        | Q(status=RequestStatus.IN_PROGRESS, replied_on__isnull=True, reply_due__lt=today)
        | Q(status=RequestStatus.IN_PROGRESS, replied_on__isnull=False, close_due__lt=today)
        | Q(status=RequestStatus.REPLIED, close_due__lt=today)
    )


def _aggregates(today: dt.date) -> dict[str, Any]:
    closed = Q(status=RequestStatus.CLOSED)
    return {
        "total": Count("id"),
        "accept_counted": Count("id", filter=Q(accepted_on__isnull=False) | Q(accept_due__lt=today)),
        "accepted_in_time": Count("id", filter=Q(accepted_on__lte=F("accept_due"))),
        "close_counted": Count("id", filter=closed | (~closed & Q(close_due__lt=today))),
        "closed_in_time": Count("id", filter=closed & Q(closed_on__lte=F("close_due"))),
        "rated": Count("id", filter=~Q(satisfaction="")),
        "satisfied": Count("id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.MOSTLY_SATISFIED])),
        "avg_days_to_close": Avg("days_to_close", filter=closed),
        "days_to_close_sum": Sum("days_to_close", filter=closed),
        "days_to_close_count": Count("days_to_close", filter=closed),
        "open": Count("id", filter=~closed),
        "overdue": Count("id", filter=overdue_q(today)),
    }


GROUPS = ("department", "county", "month")


def request_figures(
    requests: QuerySet[EnterpriseRequest], *, by: str | None = None, today: dt.date | None = None
) -> list[FigureRow]:
    """The figures of ``requests`` (already scoped: ``EnterpriseRequest.objects.for_user``), for all
    of them (``by`` None) or per department, county or month of receipt: one aggregate query, and
    one for the group names."""
    today = today or timezone.localdate()
    aggregates = _aggregates(today)
    if by is None:
        values = requests.order_by().aggregate(**aggregates)
        return [_row(None, "", values)]
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    key = {"department": "department_id", "county": "county_id", "month": "month"}[by]
    qs = requests.order_by()
    if by == "month":
        qs = qs.annotate(month=TruncMonth("received_on"))
    rows = list(qs.values(key).annotate(**aggregates).order_by(key))
    keys = [r[key] for r in rows]
    if by == "department":
        names = {d.pk: d.short_name or d.name for d in Department.objects.filter(pk__in=keys)}
    elif by == "county":
        names = {p.pk: p.name for p in Place.objects.filter(pk__in=keys)}
    else:
        names = {k: f"{k:%Y-%m}" for k in keys}
    return [_row(r[key], names.get(r[key], ""), r) for r in rows]


COUNTS = (
    "total",
    "accept_counted",
    "accepted_in_time",
    "close_counted",
    "closed_in_time",
    "rated",
    "satisfied",
    "open",
    "overdue",
    "days_to_close_sum",
    "days_to_close_count",
)


def figures_with_total(
    requests: QuerySet[EnterpriseRequest], *, by: str, today: dt.date | None = None
) -> tuple[FigureRow, list[FigureRow]]:
    """The figures per group and for all (summed from the groups: one aggregate query, not two)."""
    rows = request_figures(requests, by=by, today=today)
    sums = {name: sum(getattr(r, name) or 0 for r in rows) for name in COUNTS}
    days = sums.pop("days_to_close_sum")
    closed = sums.pop("days_to_close_count")
    sums["avg_days_to_close"] = days / closed if closed else None
    return _row(None, "", sums), rows


def _row(key: Any, label: str, values: dict[str, Any]) -> FigureRow:
    avg = values["avg_days_to_close"]
    return FigureRow(
        key=key,
        label=label,
        total=values["total"],
        accept_counted=values["accept_counted"],
        accepted_in_time=values["accepted_in_time"],
        close_counted=values["close_counted"],
        closed_in_time=values["closed_in_time"],
        rated=values["rated"],
        satisfied=values["satisfied"],
        avg_days_to_close=round(float(avg), 1) if avg is not None else None,
        open=values["open"],
        overdue=values["overdue"],
        days_to_close_sum=values.get("days_to_close_sum") or 0,
        days_to_close_count=values.get("days_to_close_count") or 0,
    )


# --------------------------------------------------------------------------------------------------
# My enterprises (a commissioner's list)
# --------------------------------------------------------------------------------------------------


def my_enterprises(user: Any) -> QuerySet[Any]:
    """The enterprises ``user`` serves now, with the last visit, the next visit planned and the
    number of open requests (annotations: no query per row)."""
    from enterprises.models import Enterprise

    last_visit = Visit.objects.filter(enterprise_id=OuterRef("pk")).order_by("-visited_on", "-id")
    return (
        Enterprise.objects.for_user(user)
        .filter(commissioner_assignments__commissioner=user, commissioner_assignments__is_current=True)
        .annotate(
            last_visit_on=Subquery(last_visit.values("visited_on")[:1]),
            next_visit_on=Subquery(last_visit.values("next_visit_on")[:1]),
            open_requests=Count("requests", filter=~Q(requests__status=RequestStatus.CLOSED), distinct=True),
        )
        .select_related("county")
        .order_by("name")
    )


# --------------------------------------------------------------------------------------------------
# Coverage: commissioners and visits of the provincial-and-above SRDI enterprises and the reserve pool
# --------------------------------------------------------------------------------------------------

SRDI_TIER = "provincial"  # 专精特新: the provincial tier and above (tiers are reference data, ranked)


@dataclass
class CoverageRow:
    county_id: int | None
    label: str
    srdi: int = 0
    srdi_with_commissioner: int = 0
    srdi_visited_this_quarter: int = 0
    srdi_never_visited: int = 0
    reserve: int = 0
    reserve_with_commissioner: int = 0
    code: str = ""

    @property
    def srdi_commissioner_share(self) -> float | None:
        return FigureRow._rate(self.srdi_with_commissioner, self.srdi)

    @property
    def srdi_visited_share(self) -> float | None:
        return FigureRow._rate(self.srdi_visited_this_quarter, self.srdi)

    @property
    def reserve_commissioner_share(self) -> float | None:
        return FigureRow._rate(self.reserve_with_commissioner, self.reserve)


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def coverage(
    user: Any, *, today: dt.date | None = None, county_id: int | None = None, quarter: dt.date | None = None
) -> tuple[CoverageRow, list[CoverageRow]]:
    """Per county and for the city (the user's scope, narrowed to ``county_id`` if given): of the
    enterprises holding a valid provincial-or-higher title on ``today``, how many have a current
    commissioner, were visited this quarter, were never visited; of the reserve pool (recommended or
    applied), how many have a commissioner. Two grouped queries.

    ``quarter`` (its first day; the quarterly workbook) reads the figures as on ``today`` within that
    quarter: the commissioner serving on that day by the assignment dates (``starts_on`` ≤ day <
    ``ends_on``) rather than the current one, only the visits up to that day, and the reserve pool
    of that day (recommended by then; open, or decided after it; a withdrawal has no date and
    counts as out of the pool)."""
    from enterprises.dynamics.choices import ReserveStatus
    from enterprises.models import Enterprise, Tier

    today = today or timezone.localdate()
    rank = Tier.objects.filter(code=SRDI_TIER).values_list("rank", flat=True).first() or 0
    assignments = CommissionerAssignment.objects.filter(enterprise_id=OuterRef("pk"))
    if quarter is None:
        served = Exists(assignments.filter(is_current=True))
        visits = Visit.objects.filter(enterprise_id=OuterRef("pk"))
        since = quarter_start(today)
    else:
        served = Exists(assignments.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today), starts_on__lte=today))
        visits = Visit.objects.filter(enterprise_id=OuterRef("pk"), visited_on__lte=today)
        since = quarter
    base = Enterprise.objects.for_user(user).order_by()
    if county_id is not None:
        base = base.filter(county_id=county_id)
    srdi = (
        base.with_current_tier(today)
        .filter(current_tier_rank__gte=rank)
        .annotate(served=served, visited=Exists(visits.filter(visited_on__gte=since)), ever=Exists(visits))
        .values("county_id")
        .annotate(
            srdi=Count("id"),
            srdi_with_commissioner=Count("id", filter=Q(served=True)),
            srdi_visited_this_quarter=Count("id", filter=Q(visited=True)),
            srdi_never_visited=Count("id", filter=Q(ever=False)),
        )
    )
    in_pool = Q(reserve_entries__status__in=[ReserveStatus.RECOMMENDED, ReserveStatus.APPLIED])
    if quarter is not None:  # in the pool on that day: recommended by then, still open or decided later
        decided_later = Q(
            reserve_entries__status__in=[ReserveStatus.RECOGNISED, ReserveStatus.NOT_RECOGNISED],
            reserve_entries__decided_on__gt=today,
        )
        in_pool = (in_pool | decided_later) & Q(reserve_entries__recommended_on__lte=today)
    reserve = (
        base.filter(in_pool)
        .distinct()
        .annotate(served=served)
        .values("county_id")
        .annotate(
            reserve=Count("id", distinct=True),
            reserve_with_commissioner=Count("id", filter=Q(served=True), distinct=True),
        )
    )
    rows: dict[int, CoverageRow] = {}
    names = {
        pk: (name, code) for pk, name, code in Place.objects.filter(level="county").values_list("pk", "name", "code")
    }
    for values in list(srdi) + list(reserve):
        name, code = names.get(values["county_id"], ("", ""))
        row = rows.setdefault(values["county_id"], CoverageRow(values["county_id"], name, code=code))
        for name, value in values.items():
            if name != "county_id":
                setattr(row, name, value)
    ordered = sorted(rows.values(), key=lambda r: r.label)
    total = CoverageRow(None, "")
    for name in (
        "srdi",
        "srdi_with_commissioner",
        "srdi_visited_this_quarter",
        "srdi_never_visited",
        "reserve",
        "reserve_with_commissioner",
    ):
        setattr(total, name, sum(getattr(r, name) for r in ordered))
    return total, ordered
