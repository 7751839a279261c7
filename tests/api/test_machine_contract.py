"""What another municipal system meets (issue 19): JSON-only bodies, messages a machine can act on
(404, stale edits, field labels, the authorization scheme)."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from enterprises.models import Enterprise, Statistic, Tag
from tests import factories

pytestmark = pytest.mark.django_db


# -- 1. JSON only ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["multipart", None])
def test_form_and_multipart_bodies_answer_415_in_chinese_and_change_nothing(write_api, taishan_enterprise, fmt):
    url = f"/api/v1/enterprises/{taishan_enterprise.pk}/"
    if fmt:
        response = write_api.client.patch(url, {"name": "表单改名有限公司"}, format=fmt)
    else:
        response = write_api.client.generic("PATCH", url, "name=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    body = response.json()
    assert body["errors"] == {}
    assert body["detail"].startswith("请求正文必须是 JSON")
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).name == "台山测试精密有限公司"


def test_schema_declares_json_request_bodies_only(read_api):
    schema = read_api.client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    types = {
        media
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "requestBody" in operation
        for media in operation["requestBody"]["content"]
    }
    assert types == {"application/json"}


def test_empty_tag_list_clears_the_tags(write_api, taishan_enterprise):
    taishan_enterprise.tags.add(Tag.objects.get(code="core-parts"))
    response = write_api.client.patch(f"/api/v1/enterprises/{taishan_enterprise.pk}/", {"tags": []}, format="json")
    assert response.status_code == 200 and response.json()["tags"] == []
    assert not taishan_enterprise.tags.exists()


def test_null_stores_null_for_nullable_fields(write_api):
    enterprise = factories.make_enterprise("440781", established_on=dt.date(2015, 3, 1))
    url = f"/api/v1/enterprises/{enterprise.pk}/"
    response = write_api.client.patch(url, {"established_on": None, "industry": None}, format="json")
    assert response.status_code == 200, response.content
    enterprise.refresh_from_db()
    assert enterprise.established_on is None and enterprise.industry_id is None
    statistic = factories.make_statistic(enterprise, 2024, 4, fills_tech_gap=True)
    response = write_api.client.patch(f"/api/v1/statistics/{statistic.pk}/", {"fills_tech_gap": None}, format="json")
    assert response.status_code == 200, response.content
    assert Statistic.objects.get(pk=statistic.pk).fills_tech_gap is None


def test_browsable_pages_and_docs_still_render(client, viewer):
    client.force_login(viewer)
    assert client.get("/api/v1/enterprises/", HTTP_ACCEPT="text/html").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


# -- 5. Messages for machines ----------------------------------------------------------------------


def test_404_is_chinese_and_does_not_name_the_model(read_api):
    response = read_api.client.get("/api/v1/enterprises/987654/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该记录（或不在该密钥的范围内）。", "errors": {}}


def test_stale_edit_tells_a_client_to_read_again_not_to_reload_a_page(write_api, taishan_enterprise):
    url = f"/api/v1/enterprises/{taishan_enterprise.pk}/"
    assert write_api.client.patch(url, {"name": "第一次改名有限公司"}, format="json").status_code == 200
    stale = write_api.client.patch(url, {"name": "过期改名有限公司", "version": 1}, format="json")
    assert stale.status_code == 409
    detail = stale.json()["detail"]
    assert "刷新" not in detail and "页面" not in detail
    assert detail == "该记录在您提交的版本之后已被修改，本次修改未保存：请重新读取（GET）该记录，并基于新版本提交修改。"
    assert stale.json()["errors"] == {"version": [detail]}


def test_detail_names_the_field_by_its_chinese_label(write_api):
    response = write_api.client.post(
        "/api/v1/enterprises/", {"credit_code": "91440781MA4UXXXX0X", "county": "440781"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "名称：该字段是必填项。"  # Enterprise.name, verbose name "name"
    assert body["errors"]["name"] == ["该字段是必填项。"]


def test_bearer_is_accepted_as_an_alias_of_the_api_key(read_api):
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {read_api.key}")
    assert http.get("/api/v1/places/").status_code == 200


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Token abc"])
def test_another_scheme_is_told_which_schemes_are_accepted(read_api, header):
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=header)
    response = http.get("/api/v1/places/")
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert detail.startswith(f"不支持的认证方式“{header.split()[0]}”")
    assert "X-API-Key" in detail and "Api-Key" in detail


def test_every_header_the_api_sends_is_declared_for_that_response(read_api, anon_api, taishan_enterprise):
    """Issue 19: "every response header the API sends is declared" — compared on real responses
    (a list, a detail, a 404, a 401 and an OPTIONS). Content-Type is stated by each response's
    content, as OpenAPI 3.0 asks, so it is the one header not listed."""
    schema = read_api.client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    detail = f"/api/v1/enterprises/{taishan_enterprise.pk}/"
    cases = [
        (read_api, "get", "/api/v1/enterprises/", "/api/v1/enterprises/", "200"),
        (read_api, "get", detail, "/api/v1/enterprises/{id}/", "200"),
        (read_api, "get", "/api/v1/enterprises/999999/", "/api/v1/enterprises/{id}/", "404"),
        (anon_api, "get", "/api/v1/enterprises/", "/api/v1/enterprises/", "401"),
    ]
    for api, method, url, template, code in cases:
        response = getattr(api.client, method)(url)
        assert str(response.status_code) == code, url
        declared = {name.lower() for name in schema["paths"][template][method]["responses"][code].get("headers", {})}
        sent = {name.lower() for name in response.headers} - {"content-type"}
        assert sent <= declared, (url, code, sorted(sent - declared))
