"""Every endpoint with no key, a read key, a write key and a county-limited key (NetBox pattern):
allowed 200, another county 404, no key 401, a read key writing 403; writes audited; refused writes
change nothing."""

from __future__ import annotations

import pytest

from accounts.choices import AuditAction, AuditCategory
from accounts.models import AuditLog
from tests import factories

from .endpoints import ENDPOINTS, SCOPED, WRITABLE, ids

pytestmark = pytest.mark.django_db

TAISHAN, KAIPING = "440781", "440783"


def data_audit(client, action, obj_type, obj_id):
    return AuditLog.objects.filter(
        category=AuditCategory.DATA,
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        actor=client.api_client.user,
        source="api",
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids(ENDPOINTS))
def test_no_key_is_401(anon_api, endpoint):
    obj = endpoint.make(TAISHAN)
    for response in (anon_api.client.get(endpoint.url), anon_api.client.get(endpoint.detail(obj))):
        assert response.status_code == 401
        assert response.json()["detail"]
        assert response["WWW-Authenticate"].startswith("Api-Key")
    if endpoint.create:
        before = endpoint.model.objects.count()
        assert anon_api.client.post(endpoint.url, {}, format="json").status_code == 401
        assert endpoint.model.objects.count() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids(ENDPOINTS))
def test_read_key_reads_everything_and_cannot_write(read_api, endpoint):
    mine, other = endpoint.make(TAISHAN), endpoint.make(KAIPING)
    listing = read_api.client.get(endpoint.url, {"page_size": 1000})
    assert listing.status_code == 200
    listed = {row["id"] for row in listing.json()["results"]}
    assert {mine.pk, other.pk} <= listed
    assert read_api.client.get(endpoint.detail(other)).status_code == 200
    if endpoint.create is None:
        assert read_api.client.post(endpoint.url, {}, format="json").status_code in (403, 405)
        return
    before = endpoint.model.objects.count()
    enterprise = factories.make_enterprise(TAISHAN)
    assert read_api.client.post(endpoint.url, endpoint.create(enterprise), format="json").status_code == 403
    assert read_api.client.patch(endpoint.detail(mine), endpoint.update, format="json").status_code == 403
    if endpoint.deletable:
        assert read_api.client.delete(endpoint.detail(mine)).status_code == 403
    assert endpoint.model.objects.count() == before + (1 if endpoint.model.__name__ == "Enterprise" else 0)
    assert not AuditLog.objects.filter(category=AuditCategory.DATA).exists()


@pytest.mark.parametrize("endpoint", WRITABLE, ids=ids(WRITABLE))
def test_write_key_creates_updates_deletes_and_is_audited(write_api, endpoint):
    enterprise = factories.make_enterprise(KAIPING)
    created = write_api.client.post(endpoint.url, endpoint.create(enterprise), format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    label = endpoint.model._meta.label_lower
    assert data_audit(write_api, AuditAction.CREATE, label, pk).count() == 1

    changed = write_api.client.patch(f"{endpoint.url}{pk}/", endpoint.update, format="json")
    assert changed.status_code == 200, changed.json()
    field, value = next(iter(endpoint.update.items()))
    assert str(changed.json()[field]) == value
    assert changed.json()["version"] == 2
    entry = data_audit(write_api, AuditAction.UPDATE, label, pk).get()
    assert field in entry.changed_fields

    if endpoint.deletable:
        assert write_api.client.delete(f"{endpoint.url}{pk}/").status_code == 204
        assert not endpoint.model.objects.filter(pk=pk).exists()
        assert data_audit(write_api, AuditAction.DELETE, label, pk).count() == 1
    else:
        assert write_api.client.delete(f"{endpoint.url}{pk}/").status_code == 405
        assert endpoint.model.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("endpoint", SCOPED, ids=ids(SCOPED))
def test_county_key_sees_and_changes_only_its_county(taishan_api, endpoint):
    mine, other = endpoint.make(TAISHAN), endpoint.make(KAIPING)
    listing = taishan_api.client.get(endpoint.url, {"page_size": 1000})
    assert listing.status_code == 200
    listed = {row["id"] for row in listing.json()["results"]}
    assert mine.pk in listed and other.pk not in listed
    assert taishan_api.client.get(endpoint.detail(mine)).status_code == 200
    assert taishan_api.client.get(endpoint.detail(other)).status_code == 404
    if endpoint.create is None:  # a read-only scoped endpoint
        assert taishan_api.client.patch(endpoint.detail(mine), {}, format="json").status_code == 405
        return

    before = {o.pk: o.version for o in endpoint.model.objects.all()}
    assert taishan_api.client.patch(endpoint.detail(other), endpoint.update, format="json").status_code == 404
    assert taishan_api.client.put(endpoint.detail(other), endpoint.update, format="json").status_code == 404
    if endpoint.deletable:
        assert taishan_api.client.delete(endpoint.detail(other)).status_code == 404
    # creating a row in another county is refused too (the county or enterprise "does not exist")
    kaiping_enterprise = factories.make_enterprise(KAIPING)
    before[kaiping_enterprise.pk] = 1 if endpoint.model.__name__ == "Enterprise" else None
    refused = taishan_api.client.post(endpoint.url, endpoint.create(kaiping_enterprise), format="json")
    assert refused.status_code in (400, 404)
    assert refused.json()["errors"] or refused.status_code == 404
    after = {o.pk: o.version for o in endpoint.model.objects.all()}
    before = {k: v for k, v in before.items() if v is not None}
    assert after == before
    assert not AuditLog.objects.filter(category=AuditCategory.DATA).exists()

    # … while its own county works
    own = taishan_api.client.patch(endpoint.detail(mine), endpoint.update, format="json")
    assert own.status_code == 200, own.json()
    assert data_audit(taishan_api, AuditAction.UPDATE, endpoint.model._meta.label_lower, mine.pk).exists()


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if not e.scoped], ids=ids([e for e in ENDPOINTS if not e.scoped])
)
def test_reference_endpoints_are_read_only(write_api, endpoint):
    obj = endpoint.make(TAISHAN)
    assert write_api.client.get(endpoint.detail(obj)).status_code == 200
    assert write_api.client.post(endpoint.url, {"code": "x", "name": "x"}, format="json").status_code == 405
    assert write_api.client.patch(endpoint.detail(obj), {"name": "x"}, format="json").status_code == 405
    assert write_api.client.delete(endpoint.detail(obj)).status_code == 405


def test_roles_without_business_access_are_refused(client, system_admin, viewer, taishan_enterprise):
    """Session authentication (browsable pages): an administrator gets 403, a viewer reads."""
    client.force_login(system_admin)
    assert client.get("/api/v1/enterprises/").status_code == 403
    client.force_login(viewer)
    assert client.get("/api/v1/enterprises/").status_code == 200
    assert client.post("/api/v1/enterprises/", {}, content_type="application/json").status_code == 403
