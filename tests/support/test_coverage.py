"""Coverage figures worked out by hand: commissioners and visits of the provincial-and-above SRDI
enterprises and of the reserve pool, per county and for the city."""

from __future__ import annotations

import datetime as dt

import pytest

from enterprises.models import ReserveEntry, Tier
from support.models import Visit
from support.selectors import coverage
from support.services import assign_commissioner
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 20)  # the quarter began on 1 Jan 2026
RECOGNISED = dt.date(2025, 6, 1)


def test_coverage_by_hand(city_operator, taishan_official, kaiping_official):
    def enterprise(county, tier=None):
        e = factories.make_enterprise(county)
        if tier:
            factories.make_title(e, tier, RECOGNISED)
        return e

    def visit(e, day):
        Visit.objects.create(enterprise=e, visited_by=city_operator, visited_on=day)

    a = enterprise("440781", "provincial")  # commissioner, visited this quarter
    b = enterprise("440781", "national")  # visited last quarter only
    enterprise("440781", "innovative")  # below provincial: not counted
    enterprise("440781", "provincial")  # never visited, no commissioner
    r = enterprise("440781")  # in the reserve pool, with a commissioner
    withdrawn = enterprise("440781")  # withdrawn from the pool: not counted
    e = enterprise("440783", "provincial")  # 开平: commissioner, never visited
    assign_commissioner(actor=taishan_official, enterprise=a, commissioner=taishan_official)
    assign_commissioner(actor=taishan_official, enterprise=r, commissioner=taishan_official)
    assign_commissioner(actor=kaiping_official, enterprise=e, commissioner=kaiping_official)
    visit(a, dt.date(2026, 2, 10))
    visit(b, dt.date(2025, 11, 1))
    national = Tier.objects.get(code="national")
    ReserveEntry.objects.create(enterprise=r, target_tier=national, year=2026, recommended_on=dt.date(2026, 3, 1))
    ReserveEntry.objects.create(
        enterprise=withdrawn, target_tier=national, year=2026, recommended_on=dt.date(2026, 3, 1), status="withdrawn"
    )

    total, rows = coverage(city_operator, today=TODAY)
    # City: SRDI a, b, d (台山) and e (开平) = 4; with a commissioner a, e = 2 → 50.0 %; visited this
    # quarter a = 1 → 25.0 %; never visited d, e = 2. Reserve pool r = 1, with a commissioner → 100.0 %.
    assert (total.srdi, total.srdi_with_commissioner, total.srdi_commissioner_share) == (4, 2, 50.0)
    assert (total.srdi_visited_this_quarter, total.srdi_visited_share, total.srdi_never_visited) == (1, 25.0, 2)
    assert (total.reserve, total.reserve_with_commissioner, total.reserve_commissioner_share) == (1, 1, 100.0)
    by_county = {row.label: row for row in rows}
    # 台山: a, b, d = 3; with a commissioner 1 → 33.3 %; visited this quarter 1 → 33.3 %; never visited 1.
    taishan = by_county["台山市"]
    assert (taishan.srdi, taishan.srdi_commissioner_share, taishan.srdi_visited_share, taishan.srdi_never_visited) == (
        3,
        33.3,
        33.3,
        1,
    )
    own_total, own_rows = coverage(taishan_official, today=TODAY)
    assert [row.label for row in own_rows] == ["台山市"] and own_total.srdi == 3


def test_coverage_page(client, taishan_official):
    client.force_login(taishan_official)
    page = client.get("/support/coverage/").content.decode()
    assert "服务专员与走访覆盖" in page and "台山市" in page
