"""Coverage figures worked out by hand: commissioners and visits of the provincial-and-above SRDI
enterprises and of the reserve pool, per county and for the city."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from openpyxl import load_workbook

from accounts.models import Place
from enterprises.models import ReserveEntry, Tier
from reports import services
from reports.selectors import ReportScope
from support.models import Visit
from support.selectors import coverage
from support.services import assign_commissioner
from tests import factories
from tests.api.conftest import keyed

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 3, 20)  # the quarter began on 1 Jan 2026
RECOGNISED = dt.date(2025, 6, 1)


def dataset(city_operator, taishan_official, kaiping_official):
    """台山: a (provincial, commissioner from 1 Sep 2025, visited 10 Feb 2026), b (national, visited
    1 Nov 2025), an innovative one (not counted), d (provincial, nothing), r (reserve pool, commissioner
    from 1 Mar 2026), a withdrawn reserve entry; 开平: e (provincial, commissioner from 5 Jan 2026)."""

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
    assign_commissioner(actor=taishan_official, enterprise=a, commissioner=taishan_official, starts_on=D(2025, 9, 1))
    assign_commissioner(actor=taishan_official, enterprise=r, commissioner=taishan_official, starts_on=D(2026, 3, 1))
    assign_commissioner(actor=kaiping_official, enterprise=e, commissioner=kaiping_official, starts_on=D(2026, 1, 5))
    visit(a, D(2026, 2, 10))
    visit(b, D(2025, 11, 1))
    national = Tier.objects.get(code="national")
    ReserveEntry.objects.create(enterprise=r, target_tier=national, year=2026, recommended_on=D(2026, 3, 1))
    ReserveEntry.objects.create(
        enterprise=withdrawn, target_tier=national, year=2026, recommended_on=D(2026, 3, 1), status="withdrawn"
    )


def test_coverage_by_hand(city_operator, taishan_official, kaiping_official):
    dataset(city_operator, taishan_official, kaiping_official)

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


def test_coverage_api_by_hand(city_operator, taishan_official, kaiping_official):
    dataset(city_operator, taishan_official, kaiping_official)
    city, taishan = keyed("数据平台（只读）"), keyed("台山市县区系统", county="440781")
    with time_machine.travel("2026-03-20 10:00 +0800", tick=False):
        body = city.client.get("/api/v1/commissioner-coverage/").json()
        own = taishan.client.get("/api/v1/commissioner-coverage/").json()
    # The same figures as test_coverage_by_hand, per county with its division code.
    fields = [
        "county",
        "name",
        "srdi",
        "srdi_with_commissioner",
        "srdi_commissioner_share",
        "srdi_visited_this_quarter",
        "srdi_visited_share",
        "srdi_never_visited",
        "reserve",
        "reserve_with_commissioner",
        "reserve_commissioner_share",
    ]
    taishan_row = ["440781", "台山市", 3, 1, 33.3, 1, 33.3, 1, 1, 1, 100.0]
    # 开平: e alone, with a commissioner (100 %), not visited (0 %), never visited; no reserve pool.
    kaiping_row = ["440783", "开平市", 1, 1, 100.0, 0, 0.0, 1, 0, 0, None]
    assert body["as_of"] == "2026-03-20"
    assert [[row[f] for f in fields] for row in body["rows"]] == [taishan_row, kaiping_row]
    assert [body["total"][f] for f in fields] == [None, "", 4, 2, 50.0, 1, 25.0, 2, 1, 1, 100.0]
    # A county-limited key reads its county only: the total is 台山's.
    assert [[row[f] for f in fields] for row in own["rows"]] == [taishan_row]
    assert [own["total"][f] for f in fields][2:] == taishan_row[2:]


def sheet_rows(tmp_path, user, *, year, quarter, county=None):
    scope = ReportScope(user=user, year=year, quarter=quarter, county=county, generated_by="t", today=TODAY)
    path = tmp_path / f"report-{year}-{quarter}.xlsx"
    services.report_write(scope=scope, output=str(path))
    ws = load_workbook(path)["服务专员覆盖"]
    return [list(r) for r in ws.iter_rows(min_row=3, values_only=True) if any(v is not None for v in r)]


def test_workbook_coverage_sheet_by_hand(tmp_path, city_operator, taishan_official, kaiping_official):
    dataset(city_operator, taishan_official, kaiping_official)
    third = pytest.approx(1 / 3, abs=0.001)
    # First quarter of 2026, read on 20 Mar: the figures of the page (every commissioner has started).
    assert sheet_rows(tmp_path, city_operator, year=2026, quarter=1) == [
        ["台山市", 3, 1, third, 1, third, 1, 1, 1, 1.0],
        ["开平市", 1, 1, 1.0, 0, 0.0, 1, 0, 0, None],
        ["合计", 4, 2, 0.5, 1, 0.25, 2, 1, 1, 1.0],
    ]
    # Fourth quarter of 2025, as on 31 Dec 2025: only a's commissioner had started (e's from 5 Jan,
    # r's from 1 Mar); b was visited in the quarter (1 Nov); a's visit (10 Feb) came later, so a and
    # d were never visited by then; r was recommended on 1 Mar 2026, so the pool was empty.
    assert sheet_rows(tmp_path, city_operator, year=2025, quarter=4) == [
        ["台山市", 3, 1, third, 1, third, 2, 0, 0, None],
        ["开平市", 1, 0, 0.0, 0, 0.0, 1, 0, 0, None],
        ["合计", 4, 1, 0.25, 1, 0.25, 3, 0, 0, None],
    ]
    # The city operator's report of one county, and a county official's report: that county only.
    kaiping = Place.objects.get(code="440783")
    assert sheet_rows(tmp_path, city_operator, year=2026, quarter=1, county=kaiping) == [
        ["开平市", 1, 1, 1.0, 0, 0.0, 1, 0, 0, None],
        ["合计", 1, 1, 1.0, 0, 0.0, 1, 0, 0, None],
    ]
    assert [r[0] for r in sheet_rows(tmp_path, taishan_official, year=2026, quarter=1)] == ["台山市", "合计"]
