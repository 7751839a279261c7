"""The requests API: idempotent creation on the external id, county scoping, figures."""

from __future__ import annotations

import pytest

from support.models import EnterpriseRequest
from tests.api.conftest import keyed

pytestmark = pytest.mark.django_db


def payload(enterprise, **extra):
    return {
        "external_id": "JM-12345-2026",
        "enterprise": enterprise.credit_code,
        "category": "finance",
        "description": "企业申请技改贷款贴息",
        "received_on": "2026-02-13",
        **extra,
    }


def test_same_external_id_twice_creates_one_request(taishan_enterprise):
    api = keyed("市诉求平台", write=True)
    first = api.client.post("/api/v1/requests/", payload(taishan_enterprise), format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    # Routed to 市金融局; received Fri 13 Feb 2026: accept by the 调休 Saturday 14 Feb, reply by 27 Feb.
    assert (body["department"], body["source"], body["accept_due"], body["reply_due"]) == (
        "jrj",
        "platform",
        "2026-02-14",
        "2026-02-27",
    )
    again = api.client.post("/api/v1/requests/", payload(taishan_enterprise, description="改过的内容"), format="json")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert EnterpriseRequest.objects.count() == 1
    assert EnterpriseRequest.objects.get().description == "企业申请技改贷款贴息"


def test_bad_input_answers_in_chinese_and_creates_nothing(taishan_enterprise, kaiping_enterprise):
    api = keyed("台山系统", write=True, county="440781")
    response = api.client.post("/api/v1/requests/", payload(kaiping_enterprise), format="json")
    assert response.status_code == 400 and "信用代码" in response.json()["detail"]
    response = api.client.post("/api/v1/requests/", payload(taishan_enterprise, category="nope"), format="json")
    assert response.status_code == 400 and "类别" in response.json()["detail"]
    read_only = keyed("只读", write=False)
    assert read_only.client.post("/api/v1/requests/", payload(taishan_enterprise), format="json").status_code == 403
    assert not EnterpriseRequest.objects.exists()


def test_county_key_reads_its_county_only(taishan_enterprise, kaiping_enterprise):
    city = keyed("市诉求平台", write=True)
    own = city.client.post("/api/v1/requests/", payload(taishan_enterprise), format="json").json()
    other = city.client.post("/api/v1/requests/", payload(kaiping_enterprise, external_id="JM-2"), format="json").json()
    taishan = keyed("台山系统", county="440781")
    listed = taishan.client.get("/api/v1/requests/").json()
    assert [r["id"] for r in listed["results"]] == [own["id"]]
    assert taishan.client.get(f"/api/v1/requests/{other['id']}/").status_code == 404
    # The same external id from a county key that cannot see the existing request: 404, nothing created.
    taishan_writer = keyed("台山系统写", write=True, county="440781")
    response = taishan_writer.client.post(
        "/api/v1/requests/", payload(taishan_enterprise, external_id="JM-2"), format="json"
    )
    assert response.status_code == 404
    assert EnterpriseRequest.objects.count() == 2
    figures = taishan.client.get("/api/v1/request-figures/?by=county").json()
    # One request in 台山, received 13 Feb 2026, not accepted: past its acceptance deadline (14 Feb).
    assert figures["total"]["total"] == 1 and figures["total"]["overdue"] == 1
    assert [(r["name"], r["total"]) for r in figures["rows"]] == [("台山市", 1)]
    assert taishan.client.get("/api/v1/request-figures/?by=year").status_code == 400
