"""The endpoint table the access matrix, the query-count test and the docs share.

Adding an endpoint = adding one ``Endpoint`` row here (and the viewset): every row is tested with
no key, a read key, a write key and a county-limited key.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.models import Department, Place
from enterprises.identifiers import make_credit_code
from enterprises.models import (
    Enterprise,
    ListingRecord,
    RDInstitution,
    RDInstitutionLevel,
    ReserveEntry,
    Statistic,
    StatisticImport,
    Tier,
    Title,
    TitleReview,
)
from policies.models import Policy, PolicyCondition, SupportGrant, SupportType
from targets.models import Indicator, SnapshotValue
from tasks.models import KeyTask, ProgressReport
from tests import factories

_serial = itertools.count(500_000)


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    model: type
    make: Callable  # (county_code) -> object in that county
    create: Callable | None = None  # (enterprise in the client's county) -> payload
    update: dict = field(default_factory=dict)
    deletable: bool = False
    scoped: bool = True

    def detail(self, obj) -> str:
        return f"{self.url}{obj.pk}/"


def _enterprise(county: str) -> Enterprise:
    return factories.make_enterprise(county)


def _title(county: str) -> Title:
    return factories.make_title(_enterprise(county), "innovative", dt.date(2024, 7, 1))


def _statistic(county: str) -> Statistic:
    return factories.make_statistic(_enterprise(county), 2024, 1, revenue=100)


def _rd(county: str) -> RDInstitution:
    return RDInstitution.objects.create(
        enterprise=_enterprise(county),
        level=RDInstitutionLevel.objects.first(),
        name="工程技术研究中心",
        recognised_year=2020,
    )


def _listing(county: str) -> ListingRecord:
    return ListingRecord.objects.create(
        enterprise=_enterprise(county), stage="tutoring", venue="sse_main", date=dt.date(2024, 1, 5)
    )


def _title_review(county: str) -> TitleReview:
    return TitleReview.objects.create(title=_title(county), started_on=dt.date(2026, 3, 1))


def _reserve_entry(county: str) -> ReserveEntry:
    return ReserveEntry.objects.create(
        enterprise=_enterprise(county),
        target_tier=Tier.objects.get(code="provincial"),
        year=2026,
        recommended_on=dt.date(2026, 3, 1),
    )


def _progress_report(county: str) -> ProgressReport:
    """A county's report, on the next task without one (the query-count test makes a dozen)."""
    taken = ProgressReport.objects.filter(county__code=county, period__code="2025Q1").values("task_id")
    task = KeyTask.objects.exclude(pk__in=taken).order_by("sort_order", "code").first()
    return factories.make_report(
        task.code, "2025Q1", county_code=county, status="submitted", progress_percent=40, summary="完成走访企业30家"
    )


def _new_enterprise_payload(enterprise: Enterprise) -> dict:
    return {
        "credit_code": make_credit_code(enterprise.county.code, next(_serial)),
        "name": "接口新建精密有限公司",
        "county": enterprise.county.code,
    }


def _policy() -> Policy:
    policy = Policy.objects.create(
        title="接口测试政策",
        issuing_department=Department.objects.get(code="kjj"),
        support_type=SupportType.objects.get(code="fund-award"),
        valid_from=dt.date(2026, 1, 1),
    )
    PolicyCondition.objects.create(policy=policy, kind="figure", figure="revenue", operator="gte", threshold=1000)
    return policy


def _grant(county: str) -> SupportGrant:
    return SupportGrant.objects.create(
        enterprise=_enterprise(county),
        policy_text="接口测试扶持",
        department=Department.objects.get(code="kjj"),
        support_type=SupportType.objects.get(code="other"),
        amount=12,
        granted_on=dt.date(2026, 2, 1),
    )


ENDPOINTS = [
    Endpoint(
        "enterprises",
        "/api/v1/enterprises/",
        Enterprise,
        _enterprise,
        create=_new_enterprise_payload,
        update={"name": "接口改名有限公司"},
    ),
    Endpoint(
        "titles",
        "/api/v1/titles/",
        Title,
        _title,
        create=lambda e: {"enterprise": e.pk, "tier": "innovative", "recognised_on": "2024-07-01"},
        update={"batch": "2024年第一批"},
        deletable=True,
    ),
    Endpoint(
        "statistics",
        "/api/v1/statistics/",
        Statistic,
        _statistic,
        create=lambda e: {"enterprise": e.pk, "year": 2024, "quarter": 2, "revenue": "1000.00"},
        update={"revenue": "2000.00"},
        deletable=True,
    ),
    Endpoint(
        "rd-institutions",
        "/api/v1/rd-institutions/",
        RDInstitution,
        _rd,
        create=lambda e: {
            "enterprise": e.pk,
            "level": "municipal-etrc",
            "name": "江门市工程中心",
            "recognised_year": 2021,
        },
        update={"name": "改名工程中心"},
        deletable=True,
    ),
    Endpoint(
        "listing-records",
        "/api/v1/listing-records/",
        ListingRecord,
        _listing,
        create=lambda e: {"enterprise": e.pk, "stage": "tutoring", "venue": "sse_main", "date": "2024-03-01"},
        update={"note": "已辅导备案"},
        deletable=True,
    ),
    Endpoint("places", "/api/v1/places/", Place, lambda county: Place.objects.get(code=county), scoped=False),
    Endpoint(
        "departments", "/api/v1/departments/", Department, lambda county: Department.objects.first(), scoped=False
    ),
    # read-only: goals and progress (targets), key tasks and progress reports (tasks), import status
    Endpoint("indicators", "/api/v1/indicators/", Indicator, lambda county: Indicator.objects.first(), scoped=False),
    Endpoint("progress", "/api/v1/progress/", SnapshotValue, factories.make_snapshot_value),
    Endpoint("tasks", "/api/v1/tasks/", KeyTask, lambda county: KeyTask.objects.first(), scoped=False),
    Endpoint("progress-reports", "/api/v1/progress-reports/", ProgressReport, _progress_report),
    # read-only: dynamic management (reviews of titles, reserve-pool recommendations)
    Endpoint("title-reviews", "/api/v1/title-reviews/", TitleReview, _title_review),
    Endpoint("reserve-entries", "/api/v1/reserve-entries/", ReserveEntry, _reserve_entry),
    Endpoint("statistics-imports", "/api/v1/statistics-imports/", StatisticImport, factories.make_statistic_import),
    Endpoint("policies", "/api/v1/policies/", Policy, lambda county: _policy(), scoped=False),
    Endpoint("support-grants", "/api/v1/support-grants/", SupportGrant, lambda county: _grant(county)),
]

WRITABLE = [e for e in ENDPOINTS if e.create is not None]
SCOPED = [e for e in ENDPOINTS if e.scoped]


def ids(endpoints):
    return [e.name for e in endpoints]
