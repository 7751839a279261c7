"""Keyset (cursor) pagination for synchronisation (issue 17, API part) and the write contract of
issue 19: ``?cursor=`` pages in id order with no count, combined with ``updated_since``; a bad cursor
is a Chinese 404, never a 500; ``version`` in a write body is a whole number from 1."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from enterprises.models import Enterprise
from tests import factories

pytestmark = pytest.mark.django_db


def _cursor(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cursor"][0]


def test_cursor_pages_walk_every_row_once_in_id_order_without_a_count(read_api):
    made = [factories.make_enterprise(code) for code in ("440781", "440783", "440781", "440785", "440703")]
    http = read_api.client
    seen, cursor, pages = [], "", 0
    while cursor is not None:
        # ordering is ignored by cursor pages: the key is the order
        body = http.get("/api/v1/enterprises/", {"cursor": cursor, "page_size": 2, "ordering": "-name"}).json()
        assert body["count"] is None
        seen += [row["id"] for row in body["results"]]
        cursor = _cursor(body["next"]) if body["next"] else None
        pages += 1
    # 5 rows in pages of 2: 2 + 2 + 1 = 3 pages, each row once, ascending ids
    assert pages == 3
    assert seen == sorted(e.pk for e in made)


def test_cursor_pages_apply_updated_since(read_api):
    old = [factories.make_enterprise("440781") for _ in range(3)]
    new = [factories.make_enterprise("440783") for _ in range(3)]
    Enterprise.objects.filter(pk__in=[e.pk for e in old]).update(updated_at=timezone.now() - dt.timedelta(days=2))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    first = read_api.client.get("/api/v1/enterprises/", {"cursor": "", "page_size": 2, "updated_since": since}).json()
    second = read_api.client.get(
        "/api/v1/enterprises/", {"cursor": _cursor(first["next"]), "page_size": 2, "updated_since": since}
    ).json()
    # only the 3 changed since: 2 on the first page, 1 on the second, which is the last
    assert [r["id"] for r in first["results"] + second["results"]] == [e.pk for e in new]
    assert second["next"] is None


def test_a_county_key_pages_by_cursor_through_its_county_only(taishan_api):
    taishan = [factories.make_enterprise("440781") for _ in range(2)]
    factories.make_enterprise("440783")
    body = taishan_api.client.get("/api/v1/enterprises/", {"cursor": "", "page_size": 10}).json()
    assert [r["id"] for r in body["results"]] == [e.pk for e in taishan]


@pytest.mark.parametrize(
    "cursor",
    [
        "YQ",  # not base64 (no padding)
        base64.b64encode(b"p=abc").decode(),  # a position that is no id
        base64.b64encode(b"p=99999999999999999999999").decode(),  # beyond 64 bits
        "缺",
    ],
)
def test_a_bad_cursor_is_a_chinese_404(read_api, cursor):
    response = read_api.client.get("/api/v1/enterprises/", {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["detail"].startswith("游标无效")


def test_current_tier_is_right_on_a_deep_page_chosen_by_ids(read_api):
    rows = [factories.make_enterprise("440781") for _ in range(5)]
    factories.make_title(rows[4], "innovative", dt.date(2024, 7, 1))
    # page 3 of pages of 2: the 5th enterprise alone, with its tier
    body = read_api.client.get("/api/v1/enterprises/", {"page": 3, "page_size": 2}).json()
    assert body["count"] == 5
    assert [(r["id"], r["current_tier"]) for r in body["results"]] == [(rows[4].pk, "innovative")]


@pytest.mark.parametrize("version", ["2", True, 0, -1, 1.5, 2**31])
def test_version_in_a_write_body_is_a_whole_number_from_1(write_api, taishan_enterprise, version):
    response = write_api.client.patch(
        f"/api/v1/enterprises/{taishan_enterprise.pk}/", {"name": "改名有限公司", "version": version}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["version"]
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).version == 1


def test_ordering_takes_several_keys_separated_by_commas(read_api):
    a = factories.make_enterprise("440783", name="乙公司")
    b = factories.make_enterprise("440781", name="乙公司")
    c = factories.make_enterprise("440781", name="甲公司")
    body = read_api.client.get("/api/v1/enterprises/", {"ordering": "county,-name"}).json()
    # 台山 440781 before 开平 440783; within 台山, names descending (乙 after 甲 in code points: 乙 U+4E59 < 甲 U+7532)
    assert [r["id"] for r in body["results"]] == [c.pk, b.pk, a.pk]
