"""Dynamic management's read API (``/api/v1/title-reviews/``, ``/api/v1/reserve-entries/``) and its
FilterSets, shared with the web list of recommendations: scoped like the pages (a county key reads
its county's rows, another county's row is a 404), filtered by the same parameters."""

import datetime as dt

import pytest
from django.utils import timezone

from enterprises.models import ReserveEntry, ReviewOutcome, Tier, TitleReview
from tests import factories
from tests.api.conftest import keyed

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(db):
    """Taishan (440781): a pending review, two recommendations (2026 provincial, 2025 national);
    Kaiping (440783): a failed review, one recommendation (2026 provincial)."""
    taishan = factories.make_enterprise("440781", name="台山动态接口有限公司")
    kaiping = factories.make_enterprise("440783", name="开平动态接口有限公司")
    provincial, national = Tier.objects.get(code="provincial"), Tier.objects.get(code="national")
    pending = TitleReview.objects.create(
        title=factories.make_title(taishan, "innovative", dt.date(2023, 7, 1)), started_on=dt.date(2026, 3, 1)
    )
    failed = TitleReview.objects.create(
        title=factories.make_title(kaiping, "innovative", dt.date(2023, 7, 1)),
        started_on=dt.date(2026, 2, 1),
        outcome=ReviewOutcome.FAILED,
        decided_on=dt.date(2026, 4, 15),
    )
    entries = {
        "ts2026": ReserveEntry.objects.create(
            enterprise=taishan, target_tier=provincial, year=2026, recommended_on=dt.date(2026, 3, 1)
        ),
        "ts2025": ReserveEntry.objects.create(
            enterprise=taishan,
            target_tier=national,
            year=2025,
            recommended_on=dt.date(2025, 3, 1),
            status="applied",
            applied_on=dt.date(2025, 5, 1),
        ),
        "kp2026": ReserveEntry.objects.create(
            enterprise=kaiping, target_tier=provincial, year=2026, recommended_on=dt.date(2026, 3, 2)
        ),
    }
    return {"pending": pending, "failed": failed, **entries}


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_reserve_entries_are_scoped_and_filtered(rows):
    city = keyed("数据平台（只读）").client
    taishan = keyed("台山市县区系统", county="440781").client
    assert _ids(city.get("/api/v1/reserve-entries/")) == {rows["ts2026"].pk, rows["ts2025"].pk, rows["kp2026"].pk}
    assert _ids(taishan.get("/api/v1/reserve-entries/")) == {rows["ts2026"].pk, rows["ts2025"].pk}  # 2 of 3
    # year 2026: Taishan's provincial one and Kaiping's; with tier national: only Taishan's 2025 one
    assert _ids(city.get("/api/v1/reserve-entries/", {"year": 2026})) == {rows["ts2026"].pk, rows["kp2026"].pk}
    assert _ids(city.get("/api/v1/reserve-entries/", {"tier": "national"})) == {rows["ts2025"].pk}
    assert _ids(city.get("/api/v1/reserve-entries/", {"status": "applied", "county": "440781"})) == {rows["ts2025"].pk}
    row = taishan.get(f"/api/v1/reserve-entries/{rows['ts2025'].pk}/").json()
    assert (row["county"], row["target_tier"], row["year"], row["status"]) == ("440781", "national", 2025, "applied")
    assert taishan.get(f"/api/v1/reserve-entries/{rows['kp2026'].pk}/").status_code == 404


def test_title_reviews_are_scoped_and_filtered(rows):
    city = keyed("数据平台（只读）").client
    taishan = keyed("台山市县区系统", county="440781").client
    assert _ids(city.get("/api/v1/title-reviews/")) == {rows["pending"].pk, rows["failed"].pk}
    assert _ids(taishan.get("/api/v1/title-reviews/")) == {rows["pending"].pk}
    assert _ids(city.get("/api/v1/title-reviews/", {"outcome": "failed"})) == {rows["failed"].pk}
    # decided 2026-04-15: inside 04-01..04-30, outside from 04-16
    assert _ids(city.get("/api/v1/title-reviews/", {"decided_from": "2026-04-01", "decided_to": "2026-04-30"})) == {
        rows["failed"].pk
    }
    assert _ids(city.get("/api/v1/title-reviews/", {"decided_from": "2026-04-16"})) == set()
    row = city.get(f"/api/v1/title-reviews/{rows['failed'].pk}/").json()
    assert (row["county"], row["tier"], row["outcome"], row["decided_on"]) == (
        "440783",
        "innovative",
        "failed",
        "2026-04-15",
    )
    assert taishan.get(f"/api/v1/title-reviews/{rows['failed'].pk}/").status_code == 404
    bad = city.get("/api/v1/title-reviews/", {"outcome": "maybe"})
    assert bad.status_code == 400 and "outcome" in bad.json()["errors"]


def test_web_list_of_recommendations_uses_the_filterset(client, rows, city_operator):
    client.force_login(city_operator)
    page = client.get("/enterprises/dynamics/reserve/entries/", {"year": 2026})
    assert {e.pk for e in page.context["entries"]} == {rows["ts2026"].pk, rows["kp2026"].pk}
    page = client.get("/enterprises/dynamics/reserve/entries/", {"year": 2025, "tier": "national"})
    assert [e.pk for e in page.context["entries"]] == [rows["ts2025"].pk]
    # a year that is no number is ignored with a message; the list falls back to this year
    page = client.get("/enterprises/dynamics/reserve/entries/", {"year": "abc"})
    assert page.status_code == 200
    assert any("参数“year”已忽略" in str(m) for m in page.context["messages"])
    this_year = timezone.localdate().year
    expected = {rows[key].pk for key in ("ts2026", "ts2025", "kp2026") if rows[key].year == this_year}
    assert {e.pk for e in page.context["entries"]} == expected
