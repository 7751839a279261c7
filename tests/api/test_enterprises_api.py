"""Enterprise API behaviour: filters shared with the web list, incremental sync, errors, ETags,
optimistic locking, masking, page-size cap and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.models import Enterprise, Tag
from tests import factories

from .endpoints import ENDPOINTS, ids

pytestmark = pytest.mark.django_db


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_filters_are_the_web_lists(read_api):
    a = factories.make_enterprise("440781", name="台山甲精密有限公司")
    b = factories.make_enterprise("440783", name="开平乙电子有限公司", status="deregistered")
    factories.make_title(a, "innovative", dt.date(2024, 7, 1))
    a.tags.add(Tag.objects.get(code="core-parts"))
    http = read_api.client
    assert [r["id"] for r in results(http.get("/api/v1/enterprises/", {"county": "440781"}))] == [a.pk]
    assert [r["id"] for r in results(http.get("/api/v1/enterprises/", {"tier": "innovative"}))] == [a.pk]
    assert [r["id"] for r in results(http.get("/api/v1/enterprises/", {"tier": "none"}))] == [b.pk]
    assert [r["id"] for r in results(http.get("/api/v1/enterprises/", {"status": "deregistered"}))] == [b.pk]
    assert [r["id"] for r in results(http.get("/api/v1/enterprises/", {"tag": "core-parts"}))] == [a.pk]
    assert [r["id"] for r in results(http.get("/api/v1/enterprises/", {"q": "乙电子"}))] == [b.pk]
    assert [r["id"] for r in results(http.get("/api/v1/enterprises/", {"credit_code": b.credit_code.lower()}))] == [
        b.pk
    ]
    by_name = [r["id"] for r in results(http.get("/api/v1/enterprises/", {"ordering": "name"}))]
    assert by_name == [r["id"] for r in results(http.get("/api/v1/enterprises/", {"ordering": "-name"}))][::-1]
    assert sorted(by_name) == sorted([a.pk, b.pk])
    row = results(http.get("/api/v1/enterprises/", {"county": "440781"}))[0]
    assert row["current_tier"] == "innovative" and row["tags"] == ["core-parts"] and row["county_name"] == "台山市"
    assert [r["credit_code"] for r in results(http.get("/api/v1/titles/", {"enterprise": a.pk}))] == [a.credit_code]


def test_a_page_of_everything_builds_no_filterset_and_keeps_the_scope(taishan_api, monkeypatch):
    """Only paging parameters: nothing to filter, so no FilterSet is built (core.filters.PortalFilterBackend);
    the county scope is the queryset's and holds. Any other parameter, even an unknown one, builds it."""
    from enterprises.filtersets import EnterpriseFilterSet

    mine = factories.make_enterprise("440781")
    factories.make_enterprise("440783")  # another county's
    built = []
    original = EnterpriseFilterSet.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(EnterpriseFilterSet, "__init__", counting)
    http = taishan_api.client
    for params in ({}, {"page": 1}, {"page_size": 10}, {"cursor": ""}, {"page": 1, "page_size": 10, "format": "json"}):
        assert [r["id"] for r in results(http.get("/api/v1/enterprises/", params))] == [mine.pk], params
    assert built == []
    assert [r["id"] for r in results(http.get("/api/v1/enterprises/", {"county": "440781"}))] == [mine.pk]
    assert [r["id"] for r in results(http.get("/api/v1/enterprises/", {"colour": "red"}))] == [mine.pk]
    assert len(built) == 2
    assert results(http.get("/api/v1/enterprises/", {"status": "deregistered", "page": 1})) == []


def test_bad_filter_value_is_a_400_naming_the_field(read_api):
    response = read_api.client.get("/api/v1/enterprises/", {"county": "999999", "updated_since": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"county", "updated_since"}


def test_updated_since_gives_an_incremental_sync(write_api):
    old = factories.make_enterprise("440781")
    Enterprise.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    fresh = factories.make_enterprise("440783")
    rows = results(write_api.client.get("/api/v1/enterprises/", {"updated_since": since}))
    assert [r["id"] for r in rows] == [fresh.pk]
    write_api.client.patch(f"/api/v1/enterprises/{old.pk}/", {"niche_market": "精密轴承"}, format="json")
    rows = results(write_api.client.get("/api/v1/enterprises/", {"updated_since": since}))
    assert {r["id"] for r in rows} == {old.pk, fresh.pk}


def test_validation_errors_are_keyed_by_field_in_chinese_and_change_nothing(write_api, taishan_enterprise):
    before = Enterprise.objects.count()
    response = write_api.client.post(
        "/api/v1/enterprises/", {"credit_code": "91440781MA4UXXXX0X", "county": "440781"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert body["errors"]["name"] == ["该字段是必填项。"]
    assert Enterprise.objects.count() == before
    # the service's rules (full_clean: checksum, uniqueness) come back the same way
    duplicate = write_api.client.post(
        "/api/v1/enterprises/",
        {"credit_code": taishan_enterprise.credit_code, "name": "重复企业有限公司", "county": "440781"},
        format="json",
    )
    assert duplicate.status_code == 400 and "credit_code" in duplicate.json()["errors"]
    bad_checksum = taishan_enterprise.credit_code[:-1] + ("0" if taishan_enterprise.credit_code[-1] != "0" else "1")
    checksum = write_api.client.post(
        "/api/v1/enterprises/",
        {"credit_code": bad_checksum, "name": "校验企业有限公司", "county": "440781"},
        format="json",
    )
    assert checksum.status_code == 400 and "credit_code" in checksum.json()["errors"]
    assert Enterprise.objects.count() == before


def test_ladder_rule_applies_to_api_writes(write_api, taishan_enterprise):
    response = write_api.client.post(
        "/api/v1/titles/",
        {"enterprise": taishan_enterprise.pk, "tier": "provincial", "recognised_on": "2024-09-01"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["tier"]
    assert not taishan_enterprise.titles.exists()


def test_future_statistics_period_refused(write_api, taishan_enterprise):
    year = timezone.localdate().year + 1
    response = write_api.client.post(
        "/api/v1/statistics/", {"enterprise": taishan_enterprise.pk, "year": year, "quarter": 1}, format="json"
    )
    assert response.status_code == 400 and "quarter" in response.json()["errors"]


def test_etag_last_modified_and_304(read_api, taishan_enterprise):
    url = f"/api/v1/enterprises/{taishan_enterprise.pk}/"
    first = read_api.client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"1.') and first["Last-Modified"]
    assert read_api.client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # a new title changes the current tier, hence the ETag, though the row's version did not change
    factories.make_title(taishan_enterprise, "innovative", dt.date(2024, 7, 1))
    second = read_api.client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 200 and second["ETag"] != etag


def test_if_match_and_version_refuse_stale_writes(write_api, taishan_enterprise):
    url = f"/api/v1/enterprises/{taishan_enterprise.pk}/"
    etag = write_api.client.get(url)["ETag"]
    assert (
        write_api.client.patch(url, {"name": "第一次改名有限公司"}, format="json", HTTP_IF_MATCH=etag).status_code
        == 200
    )
    stale = write_api.client.patch(url, {"name": "过期改名有限公司"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and "version" in stale.json()["errors"]
    conflict = write_api.client.patch(url, {"name": "过期改名有限公司", "version": 1}, format="json")
    assert conflict.status_code == 409
    garbage = write_api.client.patch(url, {"name": "过期改名有限公司"}, format="json", HTTP_IF_MATCH='"abc"')
    assert garbage.status_code == 400
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).name == "第一次改名有限公司"
    assert (
        write_api.client.patch(url, {"name": "第二次改名有限公司"}, format="json", HTTP_IF_MATCH='"2"').status_code
        == 200
    )


def test_contact_data_masked_on_read_and_masked_values_not_written_back(write_api):
    enterprise = factories.make_enterprise("440781", contact_person="张三丰", contact_phone="13812345678")
    url = f"/api/v1/enterprises/{enterprise.pk}/"
    row = write_api.client.get(url).json()
    assert row["contact_person"] == "张**" and row["contact_phone"] == "138****5678"
    refused = write_api.client.patch(url, {"contact_phone": row["contact_phone"]}, format="json")
    assert refused.status_code == 400 and "contact_phone" in refused.json()["errors"]
    assert Enterprise.objects.get(pk=enterprise.pk).contact_phone == "13812345678"


def test_page_size_has_a_hard_cap(read_api):
    Enterprise.objects.bulk_create(
        [
            Enterprise(
                credit_code=factories.make_credit_code("440781", 900_000 + i),
                name=f"批量{i}",
                county=factories.county("440781"),
            )
            for i in range(12)
        ]
    )
    from core.api import PortalPagination

    assert PortalPagination.max_page_size == 1000
    body = read_api.client.get("/api/v1/enterprises/", {"page_size": 5}).json()
    assert len(body["results"]) == 5 and body["count"] == 12
    # beyond the cap (or not a whole number from 1) is a 400, as the schema states (minimum 1, maximum 1000)
    for value in ("1001", "50000", "0", "-1", "abc", ""):
        response = read_api.client.get("/api/v1/enterprises/", {"page_size": value})
        assert response.status_code == 400, value
        assert response.json()["errors"] == {"page_size": ["请输入 1 至 1000 之间的整数。"]}
    assert read_api.client.get("/api/v1/enterprises/", {"page_size": 1000}).json()["count"] == 12


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids(ENDPOINTS))
def test_list_query_count_does_not_grow_with_page_size(read_api, endpoint, django_assert_num_queries):
    for i in range(12):
        obj = endpoint.make("440781" if i % 2 else "440783")
        if endpoint.name == "enterprises":
            obj.tags.set(Tag.objects.all()[:2])
            factories.make_title(obj, "innovative", dt.date(2024, 7, 1))
    read_api.client.get(endpoint.url)  # first use of the key records last_used_at
    with CaptureQueriesContext(connection) as small:
        assert len(results(read_api.client.get(endpoint.url, {"page_size": 2}))) == 2
    with django_assert_num_queries(len(small.captured_queries)):
        rows = results(read_api.client.get(endpoint.url, {"page_size": 1000}))
    assert len(rows) >= (12 if endpoint.scoped else 1)


def test_county_key_cannot_move_an_enterprise_out_of_its_county(taishan_api, taishan_enterprise):
    url = f"/api/v1/enterprises/{taishan_enterprise.pk}/"
    response = taishan_api.client.patch(url, {"county": "440783"}, format="json")
    assert response.status_code == 400 and "county" in response.json()["errors"]
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).county.code == "440781"


def test_a_move_needs_its_effective_date_and_is_kept(write_api, taishan_enterprise):
    """A city-wide key moves an enterprise like the city operator: with the date of the move."""
    url = f"/api/v1/enterprises/{taishan_enterprise.pk}/"
    refused = write_api.client.patch(url, {"county": "440783"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["county_effective_on"] == ["所属县（市、区）有变更：请填写迁移生效日期。"]
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).county.code == "440781"
    saved = write_api.client.patch(url, {"county": "440783", "county_effective_on": "2025-07-01"}, format="json")
    assert saved.status_code == 200, saved.content
    assert saved.json()["county"] == "440783" and "county_effective_on" not in saved.json()
    move = taishan_enterprise.county_changes.get()
    assert (move.from_county.code, move.to_county.code, move.effective_on) == ("440781", "440783", dt.date(2025, 7, 1))
    back_dated = write_api.client.patch(url, {"county": "440785", "county_effective_on": "2025-06-01"}, format="json")
    assert back_dated.status_code == 400
    assert back_dated.json()["errors"]["county_effective_on"] == [
        "日期不能早于该企业最近一次迁移（2025-07-01）：请按发生先后记录迁移。"
    ]
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).county.code == "440783"


def test_county_key_cannot_move_even_with_a_date(taishan_api, taishan_enterprise):
    url = f"/api/v1/enterprises/{taishan_enterprise.pk}/"
    body = {"county": "440783", "county_effective_on": "2025-07-01"}
    response = taishan_api.client.patch(url, body, format="json")
    assert response.status_code == 400 and "county" in response.json()["errors"]
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).county.code == "440781"
    assert not taishan_enterprise.county_changes.exists()


def test_child_record_cannot_be_moved_to_another_enterprise(write_api, taishan_enterprise):
    other = factories.make_enterprise("440781")
    statistic = factories.make_statistic(taishan_enterprise, 2024, 1, revenue=1)
    response = write_api.client.patch(f"/api/v1/statistics/{statistic.pk}/", {"enterprise": other.pk}, format="json")
    assert response.status_code == 400 and "enterprise" in response.json()["errors"]
    statistic.refresh_from_db()
    assert statistic.enterprise_id == taishan_enterprise.pk and statistic.version == 1


def test_a_status_change_needs_its_effective_date_and_is_kept(write_api, taishan_enterprise):
    url = f"/api/v1/enterprises/{taishan_enterprise.pk}/"
    refused = write_api.client.patch(url, {"status": "moved_out"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["status_effective_on"] == ["状态变更为“已迁出本市”：请填写变更生效日期。"]
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).status == "operating"
    saved = write_api.client.patch(url, {"status": "moved_out", "status_effective_on": "2025-03-31"}, format="json")
    assert saved.status_code == 200, saved.content
    assert "status_effective_on" not in saved.json()
    change = taishan_enterprise.status_changes.get()
    assert (change.status, change.effective_on) == ("moved_out", dt.date(2025, 3, 31))
