"""API keys: header forms, hashing, revocation, last use, security events, the two commands."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.api.authentication import hash_key
from accounts.api.services import api_client_create, api_client_revoke
from accounts.choices import AuditAction, AuditCategory, Role
from accounts.models import ApiClient, AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_authorization_header_and_x_api_key_both_work(read_api):
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Api-Key {read_api.key}")
    assert http.get("/api/v1/places/").status_code == 200
    http.credentials(HTTP_X_API_KEY=read_api.key)
    assert http.get("/api/v1/places/").status_code == 200


@pytest.mark.parametrize("key", ["nonsense", "abcdefgh.wrong", "Api-Key", "12345678."])
def test_wrong_keys_are_401_and_a_security_event(read_api, key):
    http = APIClient()
    http.credentials(HTTP_X_API_KEY=key)
    response = http.get("/api/v1/places/")
    assert response.status_code == 401
    assert response.json() == {"detail": response.json()["detail"], "errors": {}}
    assert AuditLog.objects.filter(category=AuditCategory.SECURITY, action=AuditAction.PERMISSION_DENIED).count() == 1


def test_right_prefix_wrong_secret_is_refused(read_api):
    http = APIClient()
    http.credentials(HTTP_X_API_KEY=read_api.api_client.key_prefix + ".not-the-secret")
    assert http.get("/api/v1/places/").status_code == 401


def test_malformed_authorization_header_is_401(read_api):
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Api-Key {read_api.key} extra")
    assert http.get("/api/v1/places/").status_code == 401


def test_key_is_stored_hashed_only(write_api):
    client = ApiClient.objects.get(pk=write_api.api_client.pk)
    assert write_api.key not in client.key_hash
    assert client.key_hash == hash_key(write_api.key)
    assert write_api.key.startswith(client.key_prefix + ".")
    assert client.user.role == Role.API_CLIENT and not client.user.has_usable_password()


def test_revoked_key_is_refused_at_once(write_api):
    assert write_api.client.get("/api/v1/places/").status_code == 200
    api_client_revoke(client=write_api.api_client)
    assert write_api.client.get("/api/v1/places/").status_code == 401


def test_last_use_recorded_at_most_once_a_minute(read_api):
    for _ in range(5):
        assert read_api.client.get("/api/v1/places/").status_code == 200
    client = ApiClient.objects.get(pk=read_api.api_client.pk)
    assert client.last_used_at is not None
    used = AuditLog.objects.filter(
        category=AuditCategory.SECURITY, action=AuditAction.API_KEY_USED, object_id=str(client.pk)
    )
    assert used.count() == 1
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    assert read_api.client.get("/api/v1/places/").status_code == 200
    assert used.count() == 2


def test_create_api_client_command_prints_the_key_once(db):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_client", "市政务数据平台", "--write", "--county", "440781", stdout=out, stderr=err)
    key = out.getvalue().strip()
    client = ApiClient.objects.get(name="市政务数据平台")
    assert client.can_write and client.user.county.code == "440781"
    assert client.key_hash == hash_key(key) and key not in err.getvalue()
    http = APIClient()
    http.credentials(HTTP_X_API_KEY=key)
    assert http.get("/api/v1/enterprises/").status_code == 200


@pytest.mark.parametrize("args", [["重复"], ["某系统", "--county", "440700"], ["某系统", "--county", "999999"], ["  "]])
def test_create_api_client_refuses_bad_input(db, args):
    api_client_create(name="重复")
    before = ApiClient.objects.count()
    with pytest.raises(CommandError):
        call_command("create_api_client", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert ApiClient.objects.count() == before


def test_revoke_command(read_api):
    call_command("revoke_api_client", read_api.api_client.key_prefix, stdout=io.StringIO())
    assert ApiClient.objects.get(pk=read_api.api_client.pk).revoked_at is not None
    assert read_api.client.get("/api/v1/places/").status_code == 401
    listing = io.StringIO()
    call_command("revoke_api_client", "--list", stdout=listing)
    assert "revoked" in listing.getvalue()
    with pytest.raises(CommandError):
        call_command("revoke_api_client", "no-such-client", stdout=io.StringIO())


def test_throttled_per_client(read_api, write_api, monkeypatch):
    from core.api import ApiClientRateThrottle

    monkeypatch.setattr(ApiClientRateThrottle, "THROTTLE_RATES", {"api_client": "3/minute"})
    codes = [read_api.client.get("/api/v1/places/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # another client has its own bucket
    assert write_api.client.get("/api/v1/places/").status_code == 200


def test_schema_and_docs_need_a_key_and_are_self_hosted(anon_api, read_api):
    assert anon_api.client.get("/api/v1/schema/").status_code == 401
    schema = read_api.client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    body = schema.json()
    assert body["components"]["securitySchemes"]["ApiKeyAuth"]["name"] == "X-API-Key"
    assert "/api/v1/enterprises/" in body["paths"]
    docs = read_api.client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html and "<script>" not in html and "<style>" not in html
    assert "http://" not in html and "https://" not in html


def test_logged_in_users_reach_the_docs_from_the_nav(client, viewer):
    client.force_login(viewer)
    home = client.get("/").content.decode()
    assert 'href="/api/v1/docs/"' in home
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/enterprises/", HTTP_ACCEPT="text/html").status_code == 200  # browsable API
