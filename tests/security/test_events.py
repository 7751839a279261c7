"""Security events and business-write audit rows: who, when, from where, what, before and after."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from accounts import audit
from accounts.choices import AuditAction, AuditCategory
from accounts.models import AuditLog
from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from tests import factories

from .helpers import events

pytestmark = pytest.mark.django_db


def grant_reveal(user):
    user.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


def test_permission_denied_is_audited_on_the_web(client, viewer, taishan_enterprise):
    client.force_login(viewer)
    response = client.get(f"/enterprises/{taishan_enterprise.pk}/edit/")
    assert response.status_code == 403
    denial = events(AuditAction.PERMISSION_DENIED).get()
    assert denial.actor_username == "viewer"
    assert denial.message == f"GET /enterprises/{taishan_enterprise.pk}/edit/"
    assert denial.category == AuditCategory.SECURITY


def test_csrf_failure_is_refused_audited_and_explained(taishan_official, taishan_enterprise):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(taishan_official)
    response = client.post(f"/enterprises/{taishan_enterprise.pk}/edit/", {"name": "伪造的名称有限公司"})
    assert response.status_code == 403
    assert "表单无法验证" in response.content.decode()
    denial = events(AuditAction.PERMISSION_DENIED).get()
    assert denial.actor_username == "taishan" and "CSRF" in denial.message
    assert denial.message.startswith(f"POST /enterprises/{taishan_enterprise.pk}/edit/")
    taishan_enterprise.refresh_from_db()
    assert taishan_enterprise.name != "伪造的名称有限公司"


def test_permission_denied_is_audited_in_the_api(client, system_admin):
    """An administrator (no business access) is refused business data in the API, and it is recorded."""
    client.force_login(system_admin)
    response = client.get("/api/v1/enterprises/")
    assert response.status_code == 403
    assert events(AuditAction.PERMISSION_DENIED, message="GET /api/v1/enterprises/").exists()


class TestReveal:
    def url(self, enterprise):
        return f"/accounts/reveal/enterprise/{enterprise.pk}/contact/"

    @pytest.fixture
    def enterprise(self, db):
        return factories.make_enterprise("440781", contact_person="张三丰", contact_phone="13812345678")

    def test_masked_on_the_page_with_a_button_only_for_holders(self, client, taishan_official, enterprise):
        client.force_login(taishan_official)
        html = client.get(enterprise.get_absolute_url()).content.decode()
        assert "13812345678" not in html and "张三丰" not in html
        assert "138****5678" in html
        assert "data-reveal-url" not in html
        client.force_login(grant_reveal(taishan_official))
        html = client.get(enterprise.get_absolute_url()).content.decode()
        assert f'data-reveal-url="{self.url(enterprise)}"' in html
        assert "accounts/js/reveal.js" in html

    def test_without_the_permission_403_and_nothing_revealed(self, client, taishan_official, enterprise):
        client.force_login(taishan_official)
        response = client.post(self.url(enterprise))
        assert response.status_code == 403
        assert not events(AuditAction.REVEAL).exists()
        assert events(AuditAction.PERMISSION_DENIED).exists()

    def test_with_the_permission_values_and_an_audit_row(self, client, taishan_official, enterprise):
        client.force_login(grant_reveal(taishan_official))
        response = client.post(self.url(enterprise))
        assert response.status_code == 200
        assert response.json() == {"contact_person": "张三丰", "contact_phone": "13812345678"}
        assert response["Cache-Control"] == "no-store"
        log = events(AuditAction.REVEAL).get()
        assert log.actor_username == "taishan"
        assert log.object_id == str(enterprise.pk)
        assert log.county_code == "440781"
        assert log.message == "contact_person, contact_phone"

    def test_other_county_is_404_and_not_logged_as_a_reveal(self, client, kaiping_official, enterprise):
        client.force_login(grant_reveal(kaiping_official))
        assert client.post(self.url(enterprise)).status_code == 404
        assert not events(AuditAction.REVEAL).exists()

    def test_get_is_not_allowed(self, client, taishan_official, enterprise):
        client.force_login(grant_reveal(taishan_official))
        assert client.get(self.url(enterprise)).status_code == 405
        assert not events(AuditAction.REVEAL).exists()

    def test_admin_role_with_the_permission_still_has_no_business_access(self, client, system_admin, enterprise):
        client.force_login(grant_reveal(system_admin))
        assert client.post(self.url(enterprise)).status_code == 403


class TestEditFormMasking:
    """The enterprise edit form shows the contact masked to a user without the reveal permission."""

    @pytest.fixture
    def enterprise(self, db):
        return factories.make_enterprise("440781", contact_person="张三丰", contact_phone="13812345678")

    def post(self, enterprise, **changes):
        data = {
            "credit_code": enterprise.credit_code,
            "name": enterprise.name,
            "county": enterprise.county_id,
            "status": "operating",
            "version": enterprise.version,
        }
        data.update(changes)
        return data

    def test_masked_without_the_permission_in_full_with_it(self, client, taishan_official, enterprise):
        client.force_login(taishan_official)
        html = client.get(f"/enterprises/{enterprise.pk}/edit/").content.decode()
        assert "张三丰" not in html and "13812345678" not in html
        assert 'value="张**"' in html and 'value="138****5678"' in html
        client.force_login(grant_reveal(taishan_official))
        html = client.get(f"/enterprises/{enterprise.pk}/edit/").content.decode()
        assert 'value="张三丰"' in html and 'value="13812345678"' in html

    def test_an_unchanged_masked_value_keeps_the_stored_one(self, client, taishan_official, enterprise):
        client.force_login(taishan_official)
        response = client.post(
            f"/enterprises/{enterprise.pk}/edit/",
            self.post(enterprise, name="台山改名有限公司", contact_person="张**", contact_phone="138****5678"),
        )
        assert response.status_code == 302
        enterprise.refresh_from_db()
        assert (enterprise.name, enterprise.contact_person, enterprise.contact_phone) == (
            "台山改名有限公司",
            "张三丰",
            "13812345678",
        )
        log = events(AuditAction.UPDATE, object_id=str(enterprise.pk)).get()
        assert "contact_person" not in log.changed_fields and "contact_phone" not in log.changed_fields

    def test_a_typed_value_replaces_the_stored_one(self, client, taishan_official, enterprise):
        client.force_login(taishan_official)
        response = client.post(
            f"/enterprises/{enterprise.pk}/edit/",
            self.post(enterprise, contact_person="李四", contact_phone="138****5678"),
        )
        assert response.status_code == 302
        enterprise.refresh_from_db()
        assert (enterprise.contact_person, enterprise.contact_phone) == ("李四", "13812345678")
        response = client.post(
            f"/enterprises/{enterprise.pk}/edit/",
            self.post(enterprise, contact_person="李*", contact_phone="13900001111"),
        )
        enterprise.refresh_from_db()
        assert (enterprise.contact_person, enterprise.contact_phone) == ("李四", "13900001111")


class TestBusinessWrites:
    """Every write path of the foundation leaves an audit row with before/after values and the IP."""

    def test_create_update_delete_through_the_web(self, client, taishan_official, taishan_enterprise):
        client.force_login(taishan_official)
        data = {
            "credit_code": taishan_enterprise.credit_code,
            "name": "台山改名有限公司",
            "county": taishan_enterprise.county_id,
            "status": "operating",
            "version": taishan_enterprise.version,
        }
        assert (
            client.post(f"/enterprises/{taishan_enterprise.pk}/edit/", data, REMOTE_ADDR="10.20.30.40").status_code
            == 302
        )
        log = AuditLog.objects.filter(action=AuditAction.UPDATE, object_type="enterprises.enterprise").get()
        assert log.actor_username == "taishan"
        assert log.ip == "10.20.30.40"
        assert log.before["name"] == "台山测试精密有限公司"
        assert log.after["name"] == "台山改名有限公司"
        assert "name" in log.changed_fields
        assert log.county_code == "440781"

        title = factories.make_title(taishan_enterprise, "innovative", dt.date(2024, 7, 1))
        response = client.post(
            f"/enterprises/{taishan_enterprise.pk}/titles/{title.pk}/delete/", {"version": title.version}
        )
        assert response.status_code == 302
        deleted = AuditLog.objects.get(action=AuditAction.DELETE, object_type="enterprises.title")
        assert deleted.before["id"] == title.pk and deleted.after is None

    def test_service_create(self, city_operator):
        enterprise = Enterprise(
            credit_code=factories.make_credit_code("440703", 77),
            name="蓬江新建有限公司",
            county=factories.county("440703"),
        )
        enterprise_services.enterprise_save(actor=city_operator, enterprise=enterprise, tags=[])
        log = AuditLog.objects.get(action=AuditAction.CREATE, object_type="enterprises.enterprise")
        assert log.before is None and log.after["name"] == "蓬江新建有限公司"

    def test_bulk_write_of_many_rows_is_one_chained_batch(self, city_operator, django_assert_max_num_queries):
        entries = [
            audit.Entry(
                action=AuditAction.IMPORT,
                object_type="enterprises.statistic",
                object_id=str(n),
                after={"revenue": str(n)},
            )
            for n in range(2500)
        ]
        # Batched INSERTs (SQLite caps the parameters per statement, hence ~50 batches there), never one per row.
        before = AuditLog.objects.filter(action=AuditAction.IMPORT).count()
        with django_assert_max_num_queries(60):
            audit.record_many(city_operator, entries)
        assert AuditLog.objects.filter(action=AuditAction.IMPORT).count() - before == 2500
        assert audit.verify_chain() is None


def test_large_batch_round_trips_exactly_and_keeps_the_chain(city_operator):
    """Large batches go through COPY on PostgreSQL (INSERTs elsewhere): awkward characters survive,
    JSON stays JSON, NULL stays NULL, and the hash chain still verifies."""
    from accounts.audit import COPY_THRESHOLD

    awkward = 'tab\there, newline\nhere, back\\slash, quote " and 中文'
    entries = [
        audit.Entry(
            action=AuditAction.IMPORT,
            object_type="enterprises.statistic",
            object_id=str(n),
            before=None if n % 2 else {"revenue": "1.00"},
            after={"revenue": str(n), "note": awkward},
            message=awkward,
        )
        for n in range(COPY_THRESHOLD + 5)
    ]
    first_id = AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    audit.record_many(city_operator, entries)
    rows = list(AuditLog.objects.filter(id__gt=first_id).order_by("id"))
    assert len(rows) == COPY_THRESHOLD + 5
    assert rows[0].message == awkward and rows[0].after == {"revenue": "0", "note": awkward}
    assert rows[0].before == {"revenue": "1.00"} and rows[1].before is None
    assert rows[0].changed_fields == ["note", "revenue"] and rows[0].actor_id == city_operator.pk
    assert audit.verify_chain() is None


def test_audit_entries_find_county_codes_without_a_query_per_row(django_assert_max_num_queries):
    """``entry_for`` reads the county code from a per-process map: building the audit entries of a
    bulk write costs at most one query, however many rows."""
    from tests import factories

    enterprises = [factories.make_enterprise(code) for code in ("440781", "440783") * 15]
    with django_assert_max_num_queries(1):
        entries = [audit.entry_for(AuditAction.UPDATE, e, before={}, after={}) for e in enterprises]
    assert [e.county_code for e in entries[:2]] == ["440781", "440783"]
