"""The policy API beyond reading the library: a policy's match lists, and grants recorded by a
department's system (write for the granting department's keys only, idempotent on external_id).

The match lists use the hand-worked dataset of ``test_matching`` (as of 2026-06-30): 甲 and 壬 meet
every condition; 乙, 丙, 戊 and 辛 miss one; 丁's data is unknown; 己 (two missed) and 庚
(deregistered) are on no list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditLog
from policies.models import SupportGrant
from tests import factories
from tests.api.conftest import keyed

from .test_matching import DATE, add_conditions, dataset, make_policy  # noqa: F401  (dataset: a fixture)

pytestmark = pytest.mark.django_db


def _keyed_department(name, department="kjj", write=True):
    from rest_framework.test import APIClient

    from accounts.api.services import api_client_create

    http = APIClient()
    _client, key = api_client_create(name=name, can_write=write, department_code=department)
    http.credentials(HTTP_X_API_KEY=key)
    return http


def _names(body):
    return sorted(row["name"][0] for row in body["results"])


def test_match_lists_by_hand(dataset, monkeypatch):  # noqa: F811
    monkeypatch.setattr(timezone, "localdate", lambda *a: DATE)
    policy = make_policy()
    add_conditions(policy)
    api = keyed("数据平台（只读）").client
    url = f"/api/v1/policies/{policy.pk}/matches/"
    met = api.get(url).json()  # default: meets every condition
    assert met["count"] == 2 and _names(met) == sorted(["甲", "壬"])
    row = next(r for r in met["results"] if r["name"].startswith("甲"))
    assert row == {
        "enterprise": dataset["A"].pk,
        "credit_code": dataset["A"].credit_code,
        "name": dataset["A"].name,
        "county": "440781",
        "status": "met",
    }
    assert _names(api.get(url, {"status": "missed_one"}).json()) == sorted(["乙", "丙", "戊", "辛"])
    assert _names(api.get(url, {"status": "unknown"}).json()) == ["丁"]
    page = api.get(url, {"status": "missed_one", "page_size": 3, "page": 2}).json()
    assert page["count"] == 4 and len(page["results"]) == 1 and page["next"] is None
    bad = api.get(url, {"status": "all"})
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


def test_match_lists_hold_only_the_keys_county(dataset, monkeypatch):  # noqa: F811
    monkeypatch.setattr(timezone, "localdate", lambda *a: DATE)
    policy = make_policy()
    add_conditions(policy)
    taishan = keyed("台山市县区系统", write=True, county="440781").client
    url = f"/api/v1/policies/{policy.pk}/matches/"
    assert _names(taishan.get(url).json()) == ["甲"]  # 壬 is in 开平
    assert _names(taishan.get(url, {"status": "missed_one"}).json()) == sorted(["丙", "辛"])
    assert keyed(None).client.get(url).status_code in (401, 403)


def test_department_key_records_its_grants_once(db):
    enterprise = factories.make_enterprise("440781")
    policy = make_policy()  # issued by 市科技局 (kjj), support type 资金奖补
    api = _keyed_department("市科技局扶持系统")
    payload = {
        "enterprise": enterprise.credit_code,
        "policy": policy.pk,
        "amount": "50.00",
        "granted_on": "2026-10-15",
        "batch": "2026年第二批",
        "document_no": "江科〔2026〕8号",
        "external_id": "KJJ-2026-0815",
    }
    first = api.post("/api/v1/support-grants/", payload, format="json")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["department"] == "kjj" and body["support_type"] == "fund-award"
    assert Decimal(body["amount"]) == Decimal("50.00") and body["credit_code"] == enterprise.credit_code
    grant = SupportGrant.objects.get(pk=body["id"])
    assert grant.granted_on == dt.date(2026, 10, 15) and grant.external_id == "KJJ-2026-0815"
    entry = AuditLog.objects.get(object_id=str(grant.pk), object_type__icontains="supportgrant")
    assert entry.actor_username.startswith("api-") and entry.county_code == "440781"
    again = api.post("/api/v1/support-grants/", {**payload, "amount": "70.00"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == grant.pk
    assert SupportGrant.objects.count() == 1
    grant.refresh_from_db()
    assert grant.amount == Decimal("50.00")  # the repeat changed nothing


def test_only_a_department_key_that_may_write_records_grants(db):
    enterprise = factories.make_enterprise("440781")
    policy = make_policy()
    payload = {
        "enterprise": enterprise.credit_code,
        "policy": policy.pk,
        "amount": "10.00",
        "granted_on": "2026-10-15",
        "external_id": "X-1",
    }
    for api in (
        keyed("数据平台（只读）").client,
        keyed("市财政局上市系统", write=True).client,  # a write key, but no unit's
        keyed("台山市县区系统", write=True, county="440781").client,
        _keyed_department("市科技局查询", write=False),
    ):
        assert api.post("/api/v1/support-grants/", payload, format="json").status_code == 403
    assert SupportGrant.objects.count() == 0
    # the department's key reads like its users: every county's grants
    reader = _keyed_department("市科技局查询二", write=False)
    assert reader.get("/api/v1/support-grants/").status_code == 200


def test_bad_grants_name_the_field_and_change_nothing(db):
    enterprise = factories.make_enterprise("440781")
    api = _keyed_department("市科技局扶持系统")
    base = {
        "enterprise": enterprise.credit_code,
        "policy_text": "省级专精特新奖补（库外）",
        "support_type": "fund-award",
        "amount": "10.00",
        "granted_on": "2026-10-15",
        "external_id": "B-1",
    }
    cases = {
        "enterprise": {"enterprise": "91440700MA00000000"},
        "amount": {"amount": "-5.00"},
        "granted_on": {"granted_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
        "support_type": {"support_type": "no-such-type"},
        "policy": {"policy": 999_999},
        "policy_text": {"policy_text": ""},
    }
    for field, change in cases.items():
        response = api.post("/api/v1/support-grants/", {**base, **change}, format="json")
        assert response.status_code == 400, (field, response.content)
        assert field in response.json()["errors"], (field, response.content)
    assert SupportGrant.objects.count() == 0


def test_a_key_is_a_countys_or_a_departments(db):
    from django.core.exceptions import ValidationError

    from accounts.api.services import api_client_create

    with pytest.raises(ValidationError) as error:
        api_client_create(name="两者皆是", county_code="440781", department_code="kjj")
    assert "department" in error.value.message_dict
    with pytest.raises(ValidationError):
        api_client_create(name="无此部门", department_code="no-such")
