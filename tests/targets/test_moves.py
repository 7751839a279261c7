"""The goal figures count an enterprise in the county it belonged to on the date of the figure.

``firm``: 台山 (T) until 2025-06-30, 开平 (K) from 2025-07-01 (moved by the city operator); a
provincial title recognised 2023-06-01 (valid through 2026-05-31, so in the cohort of 2023-12-31), a
municipal R&D centre (2020); output 2023Q2 100, 2023Q3 200, 2025Q2 150, 2025Q3 300 (year to date).
``other``: 开平, provincial title 2024-03-01, no R&D centre, no figures.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Place
from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from targets import compute, selectors, services
from targets.compute import CITY
from targets.models import Indicator, Plan, SnapshotValue
from tests import factories

pytestmark = pytest.mark.django_db

T, K = "440781", "440783"
BEFORE, AFTER = dt.date(2025, 6, 30), dt.date(2025, 9, 30)


@pytest.fixture
def moved(db, city_operator):
    firm = factories.make_enterprise(T, name="迁移精密有限公司")
    factories.make_title(firm, "provincial", dt.date(2023, 6, 1))
    factories.make_rd_institution(firm, "municipal-etrc", 2020)
    for year, quarter, output in ((2023, 2, 100), (2023, 3, 200), (2025, 2, 150), (2025, 3, 300)):
        factories.make_statistic(firm, year, quarter, output_value=Decimal(output))
    other = factories.make_enterprise(K, name="开平留守有限公司")
    factories.make_title(other, "provincial", dt.date(2024, 3, 1))
    enterprise_services.enterprise_move(
        actor=city_operator,
        enterprise=Enterprise.objects.get(pk=firm.pk),
        to_county=Place.objects.get(code=K),
        effective_on=dt.date(2025, 7, 1),
    )
    return firm


def values(code, date):
    indicator = Indicator.objects.get(code=code)
    parts = compute.compute_parts(indicator, date)
    places = {p.code: p.pk for p in Place.objects.filter(code__in=[T, K])}
    return {
        "city": compute.value_of(indicator, parts.get(CITY)).value,
        "T": compute.value_of(indicator, parts.get(places[T])).value,
        "K": compute.value_of(indicator, parts.get(places[K])).value,
    }


def test_valid_titles_count_in_the_county_of_the_date(moved):
    # 2025-06-30: firm still in 台山, other in 开平; 2025-09-30: both in 开平. Two titles either way.
    assert values("provincial-srdi-valid", BEFORE) == {"city": 2, "T": 1, "K": 1}
    assert values("provincial-srdi-valid", AFTER) == {"city": 2, "T": 0, "K": 2}


def test_cumulative_counts_follow_the_county_of_the_date_too(moved):
    assert values("provincial-srdi", BEFORE) == {"city": 2, "T": 1, "K": 1}
    assert values("provincial-srdi", AFTER) == {"city": 2, "T": 0, "K": 2}
    # the baseline date (2023-12-31): only firm had its title, in 台山
    assert values("provincial-srdi", dt.date(2023, 12, 31)) == {"city": 1, "T": 1, "K": 0}


def test_population_shares_follow_the_county_of_the_date(moved):
    # R&D coverage: firm has a municipal centre, other none. Before: 台山 1/1, 开平 0/1, city 1/2.
    assert values("rd-coverage", BEFORE) == {"city": 50, "T": 100, "K": 0}
    # After: 台山 has no population (no value), 开平 1/2, city 1/2.
    assert values("rd-coverage", AFTER) == {"city": 50, "T": None, "K": 50}


def test_a_cohort_member_takes_its_figures_to_its_county_of_the_date(moved):
    # Cohort (provincial on 2023-12-31): firm only. Before: 2025Q2 150 against 2023Q2 100, in 台山.
    assert values("cohort-output", BEFORE) == {"city": Decimal("1.5"), "T": Decimal("1.5"), "K": None}
    # After: 2025Q3 300 against 2023Q3 200, in 开平.
    assert values("cohort-output", AFTER) == {"city": Decimal("1.5"), "T": None, "K": Decimal("1.5")}


def test_snapshots_before_and_after_the_move(moved):
    plan = Plan.objects.get(code="jm-srdi-2024-2026")
    indicator = Indicator.objects.get(code="provincial-srdi-valid")

    def stored(as_of):
        snapshot = services.snapshot_compute(plan=plan, as_of=as_of)
        rows = SnapshotValue.objects.filter(snapshot=snapshot, indicator=indicator)
        by_place = {(row.county.code if row.county else "city"): row.value for row in rows.select_related("county")}
        return {key: by_place[key] for key in ("city", T, K)}

    assert stored(BEFORE) == {"city": 2, T: 1, K: 1}
    assert stored(AFTER) == {"city": 2, T: 0, K: 2}


def test_reconciliation_counts_the_county_on_the_baseline_date(moved, taishan_official, kaiping_official):
    # On 2023-12-31 firm (in 台山 then, in 开平 now) held the only valid provincial title.
    indicator = Indicator.objects.get(code="provincial-srdi-valid")
    assert selectors.reconciliation(indicator, user=taishan_official).valid_count == 1
    assert selectors.reconciliation(indicator, user=kaiping_official).valid_count == 0


def test_moves_add_no_query_to_a_snapshot(db, city_operator):
    plan = Plan.objects.get(code="jm-srdi-2024-2026")
    firms = [factories.make_enterprise(T) for _ in range(3)]
    for firm in firms:
        factories.make_title(firm, "provincial", dt.date(2023, 6, 1))
    services.snapshot_compute(plan=plan, as_of=BEFORE)  # the measured runs replace an existing snapshot
    with CaptureQueriesContext(connection) as without_moves:
        services.snapshot_compute(plan=plan, as_of=BEFORE)
    for firm in firms:
        enterprise_services.enterprise_move(
            actor=city_operator,
            enterprise=Enterprise.objects.get(pk=firm.pk),
            to_county=Place.objects.get(code=K),
            effective_on=dt.date(2025, 7, 1),
        )
    with CaptureQueriesContext(connection) as with_moves:
        snapshot = services.snapshot_compute(plan=plan, as_of=BEFORE)
    assert len(with_moves.captured_queries) == len(without_moves.captured_queries)
    row = SnapshotValue.objects.get(
        snapshot=snapshot, indicator__code="provincial-srdi-valid", county__code=T
    )  # the three were in 台山 on 2025-06-30
    assert row.value == 3
