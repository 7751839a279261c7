"""Report test data: a small city with titles and statistics in Taishan and Kaiping for 2026Q3."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tests import factories

D = dt.date


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


#: The day the report tests live on: the fixture's "expires within 90 / 180 days" and "ended in
#: 2026Q3" are as seen from it, so the tests read the same whatever the machine's date.
TODAY = "2026-11-20 10:00 +0800"


@pytest.fixture
def city(db):
    """Enterprises and titles chosen so every ladder measure and every watch status occurs once,
    seen from ``TODAY`` (the clock moves on from there while the test runs)."""
    with time_machine.travel(TODAY, tick=True):
        yield _city()


def _city():
    mk, title, stat = factories.make_enterprise, factories.make_title, factories.make_statistic
    ts1 = mk(
        "440781",
        name='=HYPERLINK("http://evil.example","点我")台山精工',
        contact_person="@SUM(A1)",
        niche_market="-2+3 轴承",
    )
    ts2 = mk("440781", name="台山二号新材料有限公司")
    ts3 = mk("440781", name="台山三号电子有限公司")
    ts4 = mk("440781", name="台山四号五金有限公司")
    kp1 = mk("440783", name="开平一号卫浴有限公司")
    kp2 = mk("440783", name="开平二号机械有限公司")
    kp3 = mk("440783", name="开平三号纸业有限公司")
    title(ts1, "innovative", D(2023, 7, 1))
    title(ts1, "provincial", D(2024, 9, 1))
    title(ts2, "innovative", D(2026, 8, 15))  # new in 2026Q3
    title(ts3, "municipal", D(2023, 7, 10))  # valid until 2026-07-09: ended in 2026Q3
    title(ts4, "innovative", D(2023, 12, 1))  # valid until 2026-11-30: expires within 90 days
    title(kp1, "national", D(2024, 6, 1))
    title(kp2, "provincial", D(2023, 9, 1), valid_until=D(2026, 8, 31), status="under_review")
    title(kp3, "innovative", D(2024, 1, 16))  # valid until 2027-01-15: expires within 180 days
    stat(
        ts1,
        2026,
        3,
        output_value=Decimal("12345.67"),
        revenue=Decimal("10000"),
        profit=Decimal("-50.5"),
        rd_expense=Decimal("500"),
        employees=230,
    )
    stat(ts1, 2026, 2, output_value=Decimal("8000"), revenue=Decimal("7000"))
    stat(kp1, 2026, 3, output_value=Decimal("99999.99"), revenue=Decimal("88888"), employees=1200)
    return {"ts1": ts1, "ts2": ts2, "ts3": ts3, "ts4": ts4, "kp1": kp1, "kp2": kp2, "kp3": kp3}
