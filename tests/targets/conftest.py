"""A small hand-built dataset whose indicator values are worked out by hand in the tests.

Taishan (T, 440781) and Kaiping (K, 440783); the date of computation D = 2025-06-30, the
baseline B = 2023-12-31.

    e1 T  provincial 2022-09-01 (valid → 2025-08-31), national 2024-06-01, municipal R&D centre (2020)
          stats 2023Q2 output 100 profit 10 · 2023Q4 output 400 · 2024Q4 university cooperation
          2025Q1 patents 3 trademarks 1 digital 3 · 2025Q2 output 180 profit 25 (patents not reported)
          listing record "approved" 2025-01-01 (not a listing)
    e2 T  provincial 2020-12-01 (expired 2023-11-30)
    e3 K  provincial 2023-06-01, provincial R&D centre (2024)
          stats 2023Q2 output 50 profit 5 · 2024Q4 patents 2 · 2025Q2 output 70 profit -5 trademarks 2 digital 2
          listed 2023-11-01 (before the plan)
    e4 K  provincial 2024-09-01; stats 2025Q1 tech gap yes · 2025Q2 output 1000 patents 1 · 2025Q3 patents 5
    e5 K  provincial 2021-01-10, revoked 2022-05-01
    e6 T  national 2019-01-01 (expired 2021-12-31)
    e7 T  municipal 2023-03-01, listed 2024-05-01
    e8 K  no title, listed 2024-07-01
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from enterprises.choices import ListingStage, ListingVenue, TitleStatus
from enterprises.models import ListingRecord, RDInstitution, RDInstitutionLevel
from tests import factories

D = dt.date(2025, 6, 30)
B = dt.date(2023, 12, 31)
T, K = "440781", "440783"


def _rd(enterprise, level_code, year):
    return RDInstitution.objects.create(
        enterprise=enterprise,
        level=RDInstitutionLevel.objects.get(code=level_code),
        name=f"{enterprise.name}研发中心",
        recognised_year=year,
    )


def _listing(enterprise, stage, date):
    return ListingRecord.objects.create(enterprise=enterprise, stage=stage, venue=ListingVenue.SZSE_CHINEXT, date=date)


@pytest.fixture
def dataset(db):
    f = factories
    e = {}
    e["e1"] = f.make_enterprise(T, name="一号精密")
    f.make_title(e["e1"], "provincial", dt.date(2022, 9, 1))
    f.make_title(e["e1"], "national", dt.date(2024, 6, 1))
    _rd(e["e1"], "municipal-etrc", 2020)
    f.make_statistic(e["e1"], 2023, 2, output_value=Decimal(100), profit=Decimal(10))
    f.make_statistic(e["e1"], 2023, 4, output_value=Decimal(400))
    f.make_statistic(e["e1"], 2024, 4, university_cooperation=True)
    f.make_statistic(e["e1"], 2025, 1, invention_patents=3, trademarks=1, digital_level=3)
    f.make_statistic(e["e1"], 2025, 2, output_value=Decimal(180), profit=Decimal(25))
    _listing(e["e1"], ListingStage.APPROVED, dt.date(2025, 1, 1))

    e["e2"] = f.make_enterprise(T, name="二号机械")
    f.make_title(e["e2"], "provincial", dt.date(2020, 12, 1))

    e["e3"] = f.make_enterprise(K, name="三号电子")
    f.make_title(e["e3"], "provincial", dt.date(2023, 6, 1))
    _rd(e["e3"], "provincial-etc", 2024)
    f.make_statistic(e["e3"], 2023, 2, output_value=Decimal(50), profit=Decimal(5))
    f.make_statistic(e["e3"], 2024, 4, invention_patents=2)
    f.make_statistic(e["e3"], 2025, 2, output_value=Decimal(70), profit=Decimal(-5), trademarks=2, digital_level=2)
    _listing(e["e3"], ListingStage.LISTED, dt.date(2023, 11, 1))

    e["e4"] = f.make_enterprise(K, name="四号材料")
    f.make_title(e["e4"], "provincial", dt.date(2024, 9, 1))
    f.make_statistic(e["e4"], 2025, 1, fills_tech_gap=True)
    f.make_statistic(e["e4"], 2025, 2, output_value=Decimal(1000), invention_patents=1)
    f.make_statistic(e["e4"], 2025, 3, invention_patents=5)

    e["e5"] = f.make_enterprise(K, name="五号化工")
    f.make_title(e["e5"], "provincial", dt.date(2021, 1, 10), status=TitleStatus.REVOKED, ended_on=dt.date(2022, 5, 1))

    e["e6"] = f.make_enterprise(T, name="六号五金")
    f.make_title(e["e6"], "national", dt.date(2019, 1, 1))

    e["e7"] = f.make_enterprise(T, name="七号家电")
    f.make_title(e["e7"], "municipal", dt.date(2023, 3, 1))
    _listing(e["e7"], ListingStage.LISTED, dt.date(2024, 5, 1))

    e["e8"] = f.make_enterprise(K, name="八号纸业")
    _listing(e["e8"], ListingStage.LISTED, dt.date(2024, 7, 1))
    return e


def _task_always_eager(value: bool):
    from jiangmen_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = value
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def eager():
    """Run Celery tasks in-process even when CELERY_BROKER_URL points at a real broker."""
    yield from _task_always_eager(True)


@pytest.fixture
def broker():
    """As with a broker: tasks are queued (to a mocked ``apply_async`` in tests), not run eagerly."""
    yield from _task_always_eager(False)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from targets.locks import CACHE_KEY
    from targets.services import PENDING_KEY

    cache.delete_many([PENDING_KEY, CACHE_KEY])
    yield
    cache.delete_many([PENDING_KEY, CACHE_KEY])
