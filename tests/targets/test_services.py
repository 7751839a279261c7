"""Status rule, snapshots (idempotent, per county, query count), allocations and reported values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from accounts.models import AuditLog, Place
from targets import selectors, services
from targets.choices import Direction, ProgressStatus
from targets.models import Allocation, Indicator, ManualValue, Plan, Snapshot, SnapshotValue
from tests import factories

from .conftest import D, K, T

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(db):
    return Plan.objects.get(code="jm-srdi-2024-2026")


# -- the rule "时间过半、任务过半" ----------------------------------------------------------------------------


def test_share_of_time(plan):
    # 2024-01-01 … 2025-06-30 is 547 of the plan's 1,096 days.
    assert plan.share_of_time(D) == Decimal(547) / Decimal(1096)
    assert plan.share_of_time(dt.date(2023, 12, 31)) == 0
    assert plan.share_of_time(dt.date(2027, 1, 1)) == 1


@pytest.mark.parametrize(
    ("done", "expected"),
    [
        (Decimal("0.50"), ProgressStatus.ON_TRACK),  # 0.50 / 0.4991 ≥ 1.0
        (Decimal("0.45"), ProgressStatus.BEHIND),  # 0.90: between 0.8 and 1.0
        (Decimal("0.30"), ProgressStatus.AT_RISK),  # 0.60 < 0.8
        (Decimal("1.20"), ProgressStatus.ON_TRACK),  # already beyond the target
    ],
)
def test_status_compares_share_done_with_share_of_time(plan, done, expected):
    time = plan.share_of_time(D)
    status = services.progress_status(
        plan=plan,
        direction=Direction.AT_LEAST,
        value=Decimal(1),
        baseline=Decimal(0),
        target=Decimal(2),
        done=done,
        time=time,
    )
    assert status == expected


def test_thresholds_are_data(plan):
    plan.at_risk_ratio = Decimal("0.5")
    time = plan.share_of_time(D)
    assert (
        services.progress_status(
            plan=plan, direction=Direction.AT_LEAST, value=1, baseline=0, target=2, done=Decimal("0.30"), time=time
        )
        == ProgressStatus.BEHIND
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal(40), ProgressStatus.ON_TRACK),
        (Decimal(30), ProgressStatus.BEHIND),
        (Decimal(20), ProgressStatus.AT_RISK),
        (None, ProgressStatus.NO_DATA),
    ],
)
def test_rising_goals_without_target_only_have_to_rise(plan, value, expected):
    assert (
        services.progress_status(
            plan=plan,
            direction=Direction.RISING,
            value=value,
            baseline=Decimal(30),
            target=None,
            done=None,
            time=Decimal("0.5"),
        )
        == expected
    )


def test_share_done():
    assert services.share_done(value=Decimal(713 + 687 // 2), baseline=Decimal(713), target=Decimal(1400)) == Decimal(
        343
    ) / Decimal(687)
    assert services.share_done(value=Decimal(5), baseline=None, target=Decimal(10)) is None
    assert services.share_done(value=Decimal(5), baseline=Decimal(0), target=None) is None


# -- snapshots -------------------------------------------------------------------------------------------


def test_snapshot_stores_city_and_counties_with_allocations(dataset, plan):
    services.allocations_ensure_defaults()
    snapshot = services.snapshot_compute(plan=plan, as_of=D)
    taishan = Place.objects.get(code=T)
    city = {r.code: r for r in selectors.dashboard_rows(snapshot)}
    county = {r.code: r for r in selectors.dashboard_rows(snapshot, taishan)}
    # City: declared baseline 713, target 1,400, now 4 (ever-recognised records).
    row = city["provincial-srdi"]
    assert (row.baseline, row.now, row.target) == (713, 4, 1400)
    assert row.status == ProgressStatus.AT_RISK
    # Taishan: baseline from the records on 2023-12-31 (e1, e2), allocated target 160.
    row = county["provincial-srdi"]
    assert (row.baseline, row.baseline_records, row.now, row.target) == (2, 2, 2, 160)
    # Ratios apply to each county as to the city: baseline 1, target 2; Taishan 1.8 → 80 % done.
    row = county["cohort-output"]
    assert (row.baseline, row.target, row.now) == (1, 2, Decimal("1.8"))
    assert row.share_done == Decimal("0.8")
    assert row.status == ProgressStatus.ON_TRACK  # 0.8 / 0.4991
    assert row.share_time == round(Decimal(547) / Decimal(1096), 4)
    assert row.drilldown_url == "/enterprises/?holds_tier=provincial&on=2023-12-31&county=440781"
    # Every indicator for the city and seven counties.
    assert (
        SnapshotValue.objects.filter(snapshot=snapshot).count() == Indicator.objects.filter(is_active=True).count() * 8
    )


def test_recompute_is_idempotent_per_date(dataset, plan):
    first = services.snapshot_compute(plan=plan, as_of=D)
    n = SnapshotValue.objects.count()
    second = services.snapshot_compute(plan=plan, as_of=D)
    assert first.pk == second.pk
    assert SnapshotValue.objects.count() == n
    assert Snapshot.objects.count() == 1


def test_history_has_every_quarter_end_since_the_baseline(plan):
    dates = services.snapshot_dates(plan, D, with_history=True)
    assert dates == [
        dt.date(2023, 12, 31),
        dt.date(2024, 3, 31),
        dt.date(2024, 6, 30),
        dt.date(2024, 9, 30),
        dt.date(2024, 12, 31),
        dt.date(2025, 3, 31),
        dt.date(2025, 6, 30),
    ]
    assert services.snapshot_dates(plan, dt.date(2025, 7, 5), with_history=False) == [
        dt.date(2025, 6, 30),
        dt.date(2025, 7, 5),
    ]
    assert services.snapshot_dates(plan, dt.date(2023, 6, 1), with_history=False) == [dt.date(2023, 6, 1)]


def test_trend_reads_quarter_snapshots(dataset, plan):
    run = services.run_create(as_of=D)
    services.run_execute(run_id=run.pk)
    indicator = Indicator.objects.get(code="provincial-srdi-valid")
    points = selectors.trend(indicator)
    assert [p["label"] for p in points] == ["2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    # e1, e3 valid at the end of 2023; e4 joins in 2024Q3.
    assert [p["value"] for p in points] == [2, 2, 2, 3, 3, 3, 3]


def _bulk_dataset(n):
    """``n`` provincial firms with two quarters of statistics each, spread over two counties."""
    from enterprises.models import Enterprise, Statistic, Tier, Title

    tier = Tier.objects.get(code="provincial")
    places = list(Place.objects.filter(code__in=[T, K]))
    start = Enterprise.objects.count()
    firms = Enterprise.objects.bulk_create(
        [
            Enterprise(
                credit_code=f"91440700MA{start + i:07d}X"[:18], name=f"批量企业{start + i}", county=places[i % 2]
            )
            for i in range(n)
        ]
    )
    Title.objects.bulk_create(
        [
            Title(enterprise=e, tier=tier, recognised_on=dt.date(2023, 1, 1), valid_until=dt.date(2025, 12, 31))
            for e in firms
        ]
    )
    Statistic.objects.bulk_create(
        [
            Statistic(enterprise=e, year=y, quarter=2, output_value=Decimal(10), invention_patents=2, digital_level=3)
            for e in firms
            for y in (2023, 2025)
        ]
    )


def test_query_count_does_not_grow_with_enterprises(plan):
    services.allocations_ensure_defaults()
    _bulk_dataset(10)
    services.snapshot_compute(plan=plan, as_of=D)  # both measured runs replace an existing snapshot
    with CaptureQueriesContext(connection) as small:
        services.snapshot_compute(plan=plan, as_of=D)
    _bulk_dataset(60)
    with CaptureQueriesContext(connection) as large:
        snapshot = services.snapshot_compute(plan=plan, as_of=D)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(small.captured_queries) < 60
    row = {r.code: r for r in selectors.dashboard_rows(snapshot)}["provincial-srdi-valid"]
    assert row.now == 70


def test_dashboard_rows_read_with_two_queries(dataset, plan, django_assert_max_num_queries):
    snapshot = services.snapshot_compute(plan=plan, as_of=D)
    with django_assert_max_num_queries(2):
        rows = selectors.dashboard_rows(snapshot)
    assert len(rows) == Indicator.objects.filter(is_active=True).count()


def test_dashboard_rows_accepts_a_date_and_scopes_by_user(dataset, plan, taishan_official):
    services.snapshot_compute(plan=plan, as_of=dt.date(2024, 12, 31))
    later = services.snapshot_compute(plan=plan, as_of=D)
    assert selectors.dashboard_rows(dt.date(2025, 1, 15))[0].as_of == dt.date(2024, 12, 31)
    assert selectors.dashboard_rows(None)[0].as_of == later.as_of
    assert selectors.dashboard_rows(dt.date(2020, 1, 1)) == []
    kaiping = Place.objects.get(code=K)
    assert selectors.dashboard_rows(later, kaiping, user=taishan_official) == []
    assert selectors.dashboard_rows(later, user=taishan_official) == []  # no city rows for a county official
    assert selectors.dashboard_rows(later, Place.objects.get(code=T), user=taishan_official)


# -- allocations -----------------------------------------------------------------------------------------


def _allocation(values):
    return {Place.objects.get(code=code).pk: Decimal(v) if v is not None else None for code, v in values.items()}


ALL = ["440703", "440704", "440705", "440781", "440783", "440784", "440785"]


def test_allocation_must_add_up(city_operator):
    indicator = Indicator.objects.get(code="national-giants")
    services.allocations_ensure_defaults()
    before = list(Allocation.objects.filter(indicator=indicator).values_list("county_id", "target_value"))
    audit_before = AuditLog.objects.count()
    with pytest.raises(ValidationError, match="47"):
        services.allocation_save(
            actor=city_operator,
            indicator=indicator,
            values=_allocation(dict(zip(ALL, [10, 8, 10, 6, 6, 5, 2], strict=True))),
        )
    assert list(Allocation.objects.filter(indicator=indicator).values_list("county_id", "target_value")) == before
    assert AuditLog.objects.count() == audit_before
    saved = services.allocation_save(
        actor=city_operator,
        indicator=indicator,
        values=_allocation(dict(zip(ALL, [9, 8, 10, 6, 6, 5, 4], strict=True))),
    )
    assert sum(a.target_value for a in saved) == 48
    assert Allocation.objects.get(indicator=indicator, county__code="440785").target_value == 4
    assert AuditLog.objects.filter(object_type="targets.allocation").count() == 2  # two counties changed


def test_allocation_refuses_negative_and_is_city_operators_only(city_operator, taishan_official, department_user):
    indicator = Indicator.objects.get(code="rd-coverage")  # not additive: each county its own share
    with pytest.raises(ValidationError):
        services.allocation_save(actor=city_operator, indicator=indicator, values=_allocation({T: -1}))
    assert not Allocation.objects.filter(indicator=indicator).exists()
    services.allocation_save(actor=city_operator, indicator=indicator, values=_allocation({T: 90}))
    assert Allocation.objects.get(indicator=indicator).target_value == 90
    for user in (taishan_official, department_user):
        with pytest.raises(PermissionDenied):
            services.allocation_save(actor=user, indicator=indicator, values=_allocation({T: 80}))
    assert Allocation.objects.get(indicator=indicator).target_value == 90


def test_default_allocations_never_overwrite_edits(city_operator):
    indicator = Indicator.objects.get(code="listings")
    services.allocations_ensure_defaults()
    services.allocation_save(
        actor=city_operator, indicator=indicator, values=_allocation(dict(zip(ALL, [1, 1, 2, 2, 2, 1, 1], strict=True)))
    )
    services.allocations_ensure_defaults()
    assert Allocation.objects.get(indicator=indicator, county__code="440703").target_value == 1


# -- reported values -------------------------------------------------------------------------------------


def test_lead_department_and_city_operators_report_values(city_operator, department_user, taishan_official):
    brands = Indicator.objects.get(code="industry-brands")  # lead: 市市场监管局 (scjgj)
    scjgj = factories.make_user(Role.DEPARTMENT_USER, department_code="scjgj")
    value = services.manual_value_create(
        actor=scjgj,
        indicator=brands,
        value=Decimal(2),
        as_of=dt.date(2025, 3, 1),
        evidence="江门市市场监管局关于认定产业品牌的通知",
    )
    assert value.entered_by == scjgj
    assert AuditLog.objects.filter(object_type="targets.manualvalue", object_id=str(value.pk)).exists()
    services.manual_value_create(
        actor=city_operator, indicator=brands, value=3, as_of=dt.date(2025, 4, 1), evidence="文件"
    )
    for user in (department_user, taishan_official):  # 市科技局 is not the lead; counties do not report
        with pytest.raises(PermissionDenied):
            services.manual_value_create(actor=user, indicator=brands, value=9, as_of=dt.date(2025, 4, 1), evidence="x")
    assert ManualValue.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"evidence": "   "}, "evidence"),
        ({"value": Decimal(-1)}, "value"),
        ({"as_of": dt.date(2099, 1, 1)}, "as_of"),
    ],
)
def test_bad_reported_values_change_nothing(city_operator, fields, field):
    brands = Indicator.objects.get(code="industry-brands")
    data = {"value": Decimal(1), "as_of": dt.date(2025, 1, 1), "evidence": "文件"} | fields
    audit_before = AuditLog.objects.count()
    with pytest.raises(ValidationError) as error:
        services.manual_value_create(actor=city_operator, indicator=brands, **data)
    assert field in error.value.message_dict
    assert not ManualValue.objects.exists()
    assert AuditLog.objects.count() == audit_before


def test_computed_indicators_take_no_reported_values(city_operator):
    with pytest.raises(ValidationError):
        services.manual_value_create(
            actor=city_operator,
            indicator=Indicator.objects.get(code="listings"),
            value=1,
            as_of=dt.date(2025, 1, 1),
            evidence="x",
        )
    assert not ManualValue.objects.exists()
