"""Incremental synchronisation misses nothing (issue 19, point 3): a write that changes a field a
client reads (a title changes its enterprise's current tier) moves the row into ``updated_since``,
also for the nightly lapse job; deletions leave tombstones at ``/api/v1/deletions/``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import DeletedRecord
from enterprises.dynamics.services import titles_mark_lapsed
from enterprises.models import Enterprise, Title
from tests import factories

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _synced_long_ago(enterprise) -> str:
    """The enterprise as last changed two days ago; the time of a synchronisation one day ago."""
    Enterprise.objects.filter(pk=enterprise.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    return (timezone.now() - dt.timedelta(days=1)).isoformat()


def test_a_new_title_moves_its_enterprise_into_updated_since(write_api, taishan_enterprise):
    since = _synced_long_ago(taishan_enterprise)
    http = write_api.client
    assert ids(http.get("/api/v1/enterprises/", {"updated_since": since})) == []
    created = http.post(
        "/api/v1/titles/",
        {"enterprise": taishan_enterprise.pk, "tier": "innovative", "recognised_on": "2024-07-01"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert ids(http.get("/api/v1/enterprises/", {"updated_since": since})) == [taishan_enterprise.pk]
    row = http.get(f"/api/v1/enterprises/{taishan_enterprise.pk}/").json()
    assert row["current_tier"] == "innovative" and row["version"] == 1  # touched, not edited


def test_an_ended_or_deleted_title_moves_its_enterprise_and_leaves_a_tombstone(write_api, taishan_enterprise):
    title = factories.make_title(taishan_enterprise, "innovative", dt.date(2024, 7, 1))
    since = _synced_long_ago(taishan_enterprise)
    http = write_api.client
    assert http.delete(f"/api/v1/titles/{title.pk}/").status_code == 204
    assert ids(http.get("/api/v1/enterprises/", {"updated_since": since})) == [taishan_enterprise.pk]
    response = http.get("/api/v1/deletions/", {"since": since})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["model"], r["object_id"], r["county"]) for r in rows] == [("enterprises.title", title.pk, "440781")]
    assert http.get("/api/v1/deletions/", {"since": since, "model": "enterprises.statistic"}).json()["results"] == []
    later = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
    assert http.get("/api/v1/deletions/", {"since": later}).json()["results"] == []


def test_the_nightly_lapse_job_moves_the_enterprise_into_updated_since(
    read_api, taishan_enterprise, kaiping_enterprise
):
    factories.make_title(taishan_enterprise, "innovative", dt.date(2021, 7, 1), valid_until=dt.date(2024, 6, 30))
    factories.make_title(kaiping_enterprise, "innovative", dt.date(2024, 7, 1), valid_until=dt.date(2027, 6, 30))
    since = _synced_long_ago(taishan_enterprise)
    _synced_long_ago(kaiping_enterprise)
    assert titles_mark_lapsed(date=dt.date(2024, 7, 1)) == 1
    assert ids(read_api.client.get("/api/v1/enterprises/", {"updated_since": since})) == [taishan_enterprise.pk]
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).version == 1


def test_county_keys_see_only_their_countys_tombstones(write_api, taishan_api, taishan_enterprise, kaiping_enterprise):
    taishan = factories.make_title(taishan_enterprise, "innovative", dt.date(2024, 7, 1))
    kaiping = factories.make_title(kaiping_enterprise, "innovative", dt.date(2024, 7, 1))
    for title in (taishan, kaiping):
        assert write_api.client.delete(f"/api/v1/titles/{title.pk}/").status_code == 204
    assert DeletedRecord.objects.count() == 2
    seen = {r["object_id"] for r in taishan_api.client.get("/api/v1/deletions/").json()["results"]}
    assert seen == {taishan.pk}
    everything = {r["object_id"] for r in write_api.client.get("/api/v1/deletions/").json()["results"]}
    assert everything == {taishan.pk, kaiping.pk}
    assert not Title.objects.exists()


def test_deletions_are_documented_in_the_schema(read_api):
    schema = read_api.client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/deletions/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"since", "model"}
    assert "/api/v1/deletions/{id}/" not in schema["paths"]
