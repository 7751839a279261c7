"""The ladder page (梯度培育): enterprises per county whose highest valid title is each tier, and
enterprises holding a valid title of each tier, counted by ``Enterprise.objects.tier_counts`` in one
pass over the titles (issue 17). Every figure below is worked out by hand from the titles."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def titled_city(db):
    mk, title = factories.make_enterprise, factories.make_title
    ts = {key: mk("440781", name=f"台山{key}有限公司") for key in "ABCDEF"}
    kp = {key: mk("440783", name=f"开平{key}有限公司") for key in "GH"}
    title(ts["A"], "innovative", D(2024, 1, 10))
    title(ts["A"], "provincial", D(2025, 3, 1))  # A: provincial, also holds innovative
    title(ts["B"], "innovative", D(2022, 5, 1), valid_until=D(2025, 4, 30))  # B: lapsed, no title
    # C: validity ended 2026-05-31 but the review is pending, so the title still holds
    title(ts["C"], "municipal", D(2023, 9, 1), valid_until=D(2026, 5, 31), status="under_review")
    title(ts["D"], "innovative", D(2024, 2, 1))
    title(ts["D"], "innovative", D(2025, 12, 1))  # D: two innovative titles, one enterprise
    title(ts["E"], "provincial", D(2024, 1, 1))
    title(ts["E"], "national", D(2024, 7, 1), ended_on=D(2026, 3, 1), status="revoked")  # E: provincial
    # F: no title at all
    title(kp["G"], "provincial", D(2023, 7, 1), valid_until=D(2026, 6, 30))  # valid through 06-30
    title(kp["G"], "national", D(2025, 7, 1))  # G: national
    title(kp["H"], "innovative", D(2026, 7, 15))  # H: recognised after 2026-06-30
    return ts, kp


def ladder(client, user, date: str):
    client.force_login(user)
    response = client.get("/enterprises/ladder/", {"date": date})
    assert response.status_code == 200
    context = response.context
    cells = {
        (county.code, row["tier"].code): (current, holding)
        for row in context["rows"]
        for county, current, holding in row["cells"]
    }
    no_title = {county.code: n for county, n in context["no_title"]}
    return cells, no_title, context


def test_city_ladder_counts_by_hand(client, city_operator, titled_city):
    cells, no_title, context = ladder(client, city_operator, "2026-06-30")
    # (current, holding) per county and tier; every other cell is (0, 0)
    expected = {
        ("440781", "provincial"): (2, 2),  # A and E (E's national title was revoked)
        ("440781", "municipal"): (1, 1),  # C, under review
        ("440781", "innovative"): (1, 2),  # D is innovative at most; A holds innovative too
        ("440783", "national"): (1, 1),  # G
        ("440783", "provincial"): (0, 1),  # G still holds provincial on its last day
    }
    for key, value in cells.items():
        assert value == expected.get(key, (0, 0)), key
    assert no_title["440781"] == 2  # B (lapsed) and F
    assert no_title["440783"] == 1  # H, not yet recognised
    assert context["no_title_total"] == 3
    totals = {row["tier"].code: (row["total_current"], row["total_holding"]) for row in context["rows"]}
    assert totals == {"national": (1, 1), "provincial": (2, 3), "municipal": (1, 1), "innovative": (1, 2)}


def test_ladder_on_a_later_date(client, city_operator, titled_city):
    cells, no_title, _context = ladder(client, city_operator, "2026-07-20")
    assert cells[("440783", "provincial")] == (0, 0)  # G's provincial title ended on 06-30
    assert cells[("440783", "national")] == (1, 1)
    assert cells[("440783", "innovative")] == (1, 1)  # H
    assert no_title["440783"] == 0


def test_county_official_sees_own_county_only(client, taishan_official, titled_city):
    cells, no_title, _context = ladder(client, taishan_official, "2026-06-30")
    assert {county for county, _tier in cells} == {"440781"}
    assert set(no_title) == {"440781"}
    assert cells[("440781", "provincial")] == (2, 2)
    assert cells[("440781", "innovative")] == (1, 2)
    assert no_title["440781"] == 2


def test_counts_agree_with_the_current_tier_annotation(titled_city):
    """The one-pass count and ``with_current_tier`` (the per-enterprise subquery) tell the same story."""
    from django.db.models import Count

    from enterprises.models import Enterprise

    for date in (D(2025, 1, 1), D(2026, 6, 30), D(2026, 7, 20)):
        current, _holding = Enterprise.objects.tier_counts(date)
        by_annotation = {
            (row["county_id"], row["current_tier_id"]): row["n"]
            for row in Enterprise.objects.with_current_tier(date)
            .values("county_id", "current_tier_id")
            .annotate(n=Count("id"))
            .order_by()
        }
        assert current == by_annotation, date


def test_query_count_does_not_grow_with_enterprises(client, city_operator, titled_city):
    client.force_login(city_operator)
    url = "/enterprises/ladder/?date=2026-06-30"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(6):
        enterprise = factories.make_enterprise("440784")
        factories.make_title(enterprise, "innovative", D(2025, 1, n + 1))
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(large) == len(small)
    assert sum(n for _county, n in response.context["no_title"]) == 3  # B, F and H; the new six hold titles


@pytest.mark.parametrize(
    "tier, names",
    [
        ("national", {"开平G有限公司"}),
        ("provincial", {"台山A有限公司", "台山E有限公司"}),
        ("municipal", {"台山C有限公司"}),
        ("innovative", {"台山D有限公司"}),  # A holds innovative too, but its current tier is provincial
        ("none", {"台山B有限公司", "台山F有限公司", "开平H有限公司"}),
    ],
)
def test_list_tier_filter_is_the_current_tier(client, city_operator, titled_city, tier, names):
    """The enterprise list's 当前层级 filter (semi-joins on the titles) picks the enterprises the
    ladder counts under that tier today."""
    client.force_login(city_operator)
    with time_machine.travel("2026-06-30 10:00 +0800", tick=False):
        response = client.get("/enterprises/", {"tier": tier})
        cells, no_title, _context = ladder(client, city_operator, "2026-06-30")
    assert {e.name for e in response.context["enterprises"]} == names
    if tier == "none":
        assert sum(no_title.values()) == len(names)
    else:
        assert sum(current for (_county, code), (current, _h) in cells.items() if code == tier) == len(names)
