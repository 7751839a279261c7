"""Account administration with separated duties, and the audit administrator's search."""

import pytest
from django.contrib.auth.models import Permission
from django.utils.html import escape

from accounts import audit, services
from accounts.choices import AuditAction, AuditCategory, ResetStatus, Role
from accounts.models import AuditLog, PasswordResetRequest, User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_admin(db):
    return factories.make_user(Role.SECURITY_ADMIN, username="secadmin")


@pytest.fixture
def audit_admin(db):
    return factories.make_user(Role.AUDIT_ADMIN, username="auditor")


class TestSystemAdministrator:
    def test_creates_an_account_with_a_one_time_password_and_no_role(self, client, system_admin, taishan_enterprise):
        client.force_login(system_admin)
        response = client.post("/accounts/users/new/", {"username": "lihua", "full_name": "李华", "email": ""})
        assert response.status_code == 200
        password = response.context["password"]
        user = User.objects.get(username="lihua")
        assert user.role == Role.NO_ROLE and user.county is None and user.department is None
        assert user.must_change_password
        assert user.check_password(password) and len(password) >= 12
        log = AuditLog.objects.get(action=AuditAction.CREATE, object_id=str(user.pk))
        assert log.actor_username == "sysadmin" and log.category == AuditCategory.SECURITY
        assert "password" not in log.after and log.after["role"] == "no_role"
        # the new user must change it at first login
        client.logout()
        client.post("/accounts/login/", {"username": "lihua", "password": password})
        assert client.get("/").url.startswith("/accounts/password/")
        client.post(
            "/accounts/password/",
            {"old_password": password, "new_password1": "Jiangmen-2026!", "new_password2": "Jiangmen-2026!"},
        )
        # ... and then reads no business data at all: a page says that no role has been granted yet
        home = client.get("/")
        assert home.status_code == 200 and "尚未授予业务角色" in home.content.decode()
        for url in (
            "/enterprises/",
            f"/enterprises/{taishan_enterprise.pk}/",
            "/targets/",
            "/tasks/",
            "/reports/",
            "/enterprises/ladder/",
        ):
            response = client.get(url)
            assert response.status_code == 403, url
            assert "尚未授予业务角色" in response.content.decode(), url
            assert taishan_enterprise.name not in response.content.decode()
        api = client.get("/api/v1/enterprises/")
        assert api.status_code == 403 and "尚未授予业务角色" in api.json()["detail"]
        assert client.get("/accounts/password/").status_code == 200  # the account's own pages still open

    def test_duplicate_username_is_refused_and_nothing_created(self, client, system_admin, viewer):
        client.force_login(system_admin)
        before = User.objects.count()
        response = client.post("/accounts/users/new/", {"username": "viewer", "full_name": "x"})
        assert response.status_code == 200
        assert response.context["form"].errors["username"]
        assert User.objects.count() == before

    def test_edits_and_deactivates_but_not_itself(self, client, system_admin, viewer):
        client.force_login(system_admin)
        response = client.post(
            f"/accounts/users/{viewer.pk}/edit/", {"full_name": "王五", "email": "", "is_active": ""}
        )
        assert response.status_code == 302
        viewer.refresh_from_db()
        assert not viewer.is_active and viewer.full_name == "王五"
        response = client.post(f"/accounts/users/{system_admin.pk}/edit/", {"full_name": "", "email": ""})
        assert response.status_code == 200
        assert User.objects.get(pk=system_admin.pk).is_active

    def test_requests_a_password_reset_that_changes_nothing_yet(self, client, system_admin, viewer):
        client.force_login(system_admin)
        response = client.post(f"/accounts/users/{viewer.pk}/reset-password/")
        assert response.status_code == 302 and response["Location"] == "/accounts/password-resets/"
        viewer.refresh_from_db()
        assert viewer.check_password(factories.PASSWORD) and not viewer.must_change_password
        request = PasswordResetRequest.objects.get(user=viewer)
        assert (request.status, request.requested_by) == (ResetStatus.PENDING, system_admin)
        log = AuditLog.objects.get(action=AuditAction.UPDATE, object_id=str(viewer.pk))
        assert (log.actor_username, log.message) == ("sysadmin", "password reset requested")
        page = client.get("/accounts/password-resets/")
        assert page.status_code == 200 and "viewer" in page.content.decode()
        assert "password" not in page.context  # the requester never sees a password
        # a second request while one is pending is refused (one pending request per account)
        client.post(f"/accounts/users/{viewer.pk}/reset-password/")
        assert PasswordResetRequest.objects.filter(user=viewer).count() == 1

    def test_cannot_grant_roles(self, client, system_admin, viewer):
        client.force_login(system_admin)
        assert client.get(f"/accounts/users/{viewer.pk}/grants/").status_code == 403
        response = client.post(f"/accounts/users/{viewer.pk}/grants/", {"role": Role.CITY_OPERATOR})
        assert response.status_code == 403
        assert User.objects.get(pk=viewer.pk).role == Role.VIEWER


class TestSecurityAdministrator:
    def test_grants_a_county_role_and_the_reveal_permission(self, client, security_admin, viewer):
        client.force_login(security_admin)
        county = factories.county("440781")
        response = client.post(
            f"/accounts/users/{viewer.pk}/grants/",
            {"role": Role.COUNTY_OFFICIAL, "county": county.pk, "may_reveal_personal_data": "on"},
        )
        assert response.status_code == 302
        user = User.objects.get(pk=viewer.pk)
        assert user.role == Role.COUNTY_OFFICIAL and user.county == county
        assert user.has_perm("accounts.reveal_personal_data")
        log = AuditLog.objects.get(action=AuditAction.GRANT, object_id=str(viewer.pk))
        assert log.before["role"] == Role.VIEWER and log.after["role"] == Role.COUNTY_OFFICIAL
        assert log.before["may_reveal_personal_data"] is False and log.after["may_reveal_personal_data"] is True

    def test_county_official_without_county_is_refused(self, client, security_admin, viewer):
        client.force_login(security_admin)
        response = client.post(f"/accounts/users/{viewer.pk}/grants/", {"role": Role.COUNTY_OFFICIAL})
        assert response.status_code == 200
        assert response.context["form"].errors["county"]
        assert User.objects.get(pk=viewer.pk).role == Role.VIEWER
        assert not AuditLog.objects.filter(action=AuditAction.GRANT).exists()

    def test_cannot_change_its_own_role(self, client, security_admin):
        client.force_login(security_admin)
        response = client.post(f"/accounts/users/{security_admin.pk}/grants/", {"role": Role.CITY_OPERATOR})
        assert response.status_code == 200
        assert User.objects.get(pk=security_admin.pk).role == Role.SECURITY_ADMIN

    def test_cannot_create_accounts_or_read_the_audit_log(self, client, security_admin):
        client.force_login(security_admin)
        assert client.get("/accounts/users/new/").status_code == 403
        assert client.get("/accounts/audit/").status_code == 403
        assert client.get("/accounts/users/").status_code == 200

    def test_revoking_the_reveal_permission(self, client, security_admin, viewer):
        viewer.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
        client.force_login(security_admin)
        client.post(f"/accounts/users/{viewer.pk}/grants/", {"role": Role.VIEWER})
        assert not User.objects.get(pk=viewer.pk).has_perm("accounts.reveal_personal_data")


class TestPasswordResetTwoPersonRule:
    """A reset asked by the system administrator takes effect when the security administrator approves
    it; the one-time password is shown to the approver only; both steps are audited."""

    @pytest.fixture
    def pending(self, system_admin, viewer):
        return services.password_reset_request(actor=system_admin, user=viewer)

    def test_approval_sets_a_one_time_password_shown_to_the_approver(self, client, security_admin, viewer, pending):
        client.force_login(security_admin)
        listing = client.get("/accounts/password-resets/")
        assert f"/accounts/password-resets/{pending.pk}/approve/" in listing.content.decode()
        response = client.post(f"/accounts/password-resets/{pending.pk}/approve/")
        assert response.status_code == 200
        password = response.context["password"]
        assert escape(password) in response.content.decode()
        viewer.refresh_from_db()
        assert viewer.check_password(password) and viewer.must_change_password
        pending.refresh_from_db()
        assert (pending.status, pending.decided_by) == (ResetStatus.APPROVED, security_admin)
        assert pending.decided_at is not None
        log = AuditLog.objects.filter(object_id=str(viewer.pk)).order_by("id").last()
        assert (log.actor_username, log.action, log.message) == (
            "secadmin",
            AuditAction.UPDATE,
            "password reset approved",
        )
        # a decided request cannot be approved again
        again = client.post(f"/accounts/password-resets/{pending.pk}/approve/")
        assert again.status_code == 302
        viewer.refresh_from_db()
        assert viewer.check_password(password)

    def test_rejection_changes_nothing_and_is_audited(self, client, security_admin, viewer, pending):
        client.force_login(security_admin)
        response = client.post(f"/accounts/password-resets/{pending.pk}/reject/")
        assert response.status_code == 302
        viewer.refresh_from_db()
        assert viewer.check_password(factories.PASSWORD) and not viewer.must_change_password
        pending.refresh_from_db()
        assert (pending.status, pending.decided_by) == (ResetStatus.REJECTED, security_admin)
        assert AuditLog.objects.filter(
            actor_username="secadmin", message="password reset rejected", object_id=str(viewer.pk)
        ).exists()

    def test_the_requester_cannot_approve_and_the_approver_cannot_request(
        self, client, system_admin, security_admin, viewer, pending
    ):
        client.force_login(system_admin)
        assert client.post(f"/accounts/password-resets/{pending.pk}/approve/").status_code == 403
        assert client.post(f"/accounts/password-resets/{pending.pk}/reject/").status_code == 403
        client.force_login(security_admin)
        assert client.post(f"/accounts/users/{viewer.pk}/reset-password/").status_code == 403
        pending.refresh_from_db()
        assert pending.status == ResetStatus.PENDING

    def test_the_approver_cannot_approve_a_reset_of_their_own_account(self, client, system_admin, security_admin):
        own = services.password_reset_request(actor=system_admin, user=security_admin)
        client.force_login(security_admin)
        response = client.post(f"/accounts/password-resets/{own.pk}/approve/")
        assert response.status_code == 302
        own.refresh_from_db()
        assert own.status == ResetStatus.PENDING
        assert User.objects.get(pk=security_admin.pk).check_password(factories.PASSWORD)

    def test_first_role_only_after_the_one_time_password_was_replaced(self, client, system_admin, security_admin):
        new, _password = services.user_create(actor=system_admin, user=User(username="newcomer"))
        client.force_login(security_admin)
        response = client.post(f"/accounts/users/{new.pk}/grants/", {"role": Role.CITY_OPERATOR})
        assert response.status_code == 200 and response.context["form"].non_field_errors()
        assert User.objects.get(pk=new.pk).role == Role.NO_ROLE
        User.objects.filter(pk=new.pk).update(must_change_password=False)  # the user changed it
        response = client.post(f"/accounts/users/{new.pk}/grants/", {"role": Role.CITY_OPERATOR})
        assert response.status_code == 302
        assert User.objects.get(pk=new.pk).role == Role.CITY_OPERATOR


class TestAuditAdministrator:
    def test_searches_the_audit_log(self, client, audit_admin, city_operator, taishan_official):
        audit.security_event(city_operator, AuditAction.EXPORT, "enterprises: 12")
        audit.security_event(taishan_official, AuditAction.LOGIN)
        client.force_login(audit_admin)
        response = client.get("/accounts/audit/", {"user": "city", "action": AuditAction.EXPORT})
        assert response.status_code == 200
        logs = list(response.context["logs"])
        assert [log.actor_username for log in logs] == ["city"]
        assert client.get("/accounts/audit/", {"q": "enterprises: 12"}).context["logs"][0].action == "export"
        detail = client.get(f"/accounts/audit/{logs[0].pk}/")
        assert detail.status_code == 200

    def test_invalid_filter_shows_the_form_error_not_a_crash(self, client, audit_admin):
        client.force_login(audit_admin)
        response = client.get("/accounts/audit/", {"date_from": "2026-13-45", "action": "nonsense"})
        assert response.status_code == 200
        assert response.context["filter"].errors

    def test_verifies_the_chain(self, client, audit_admin, city_operator):
        audit.security_event(city_operator, AuditAction.EXPORT, "enterprises: 1")
        client.force_login(audit_admin)
        response = client.get("/accounts/audit/", {"verify": "1"})
        assert response.context["chain_ok"] is True

    def test_reading_the_audit_trail_is_itself_audited(self, client, audit_admin, city_operator):
        log = audit.security_event(city_operator, AuditAction.EXPORT, "enterprises: 3")
        client.force_login(audit_admin)
        client.get("/accounts/audit/", {"user": "city", "verify": "1"})
        client.get(f"/accounts/audit/{log.pk}/")
        reads = AuditLog.objects.filter(action=AuditAction.AUDIT_READ).order_by("id")
        assert [(r.actor_username, r.category, r.message) for r in reads] == [
            ("auditor", AuditCategory.SECURITY, "查询：user=city&verify=1；哈希链完整"),
            ("auditor", AuditCategory.SECURITY, f"记录 #{log.pk}"),
        ]
        assert audit.verify_chain() is None

    @pytest.fixture
    def contact_change(self, city_operator, taishan_enterprise):
        return audit.record(
            city_operator,
            AuditAction.UPDATE,
            taishan_enterprise,
            before={"name": "台山测试精密有限公司", "contact_person": "张三丰", "contact_phone": "13167558365"},
            after={"name": "台山测试精密有限公司", "contact_person": "李四光", "contact_phone": "13812345678"},
        )

    def test_personal_fields_are_masked_in_the_record(self, client, audit_admin, contact_change):
        client.force_login(audit_admin)
        html = client.get(f"/accounts/audit/{contact_change.pk}/").content.decode()
        for full in ("张三丰", "李四光", "13167558365", "13812345678"):
            assert full not in html
        for masked in ("张**", "李**", "131****8365", "138****5678", "台山测试精密有限公司"):
            assert masked in html
        assert f"/accounts/audit/{contact_change.pk}/reveal/" not in html  # no permission, no button

    def test_account_names_and_e_mail_are_masked_too(self, client, audit_admin, system_admin, viewer):
        client.force_login(system_admin)
        client.post(
            f"/accounts/users/{viewer.pk}/edit/",
            {"full_name": "王小明", "email": "wangxm@jiangmen.gov.cn", "is_active": "on"},
        )
        log = AuditLog.objects.get(action=AuditAction.UPDATE, object_id=str(viewer.pk))
        client.force_login(audit_admin)
        html = client.get(f"/accounts/audit/{log.pk}/").content.decode()
        assert "wangxm@" not in html and "小明" not in html
        assert "w***@jiangmen.gov.cn" in html and "王** (viewer)" in html
        listing = client.get("/accounts/audit/", {"object_type": "accounts.user"}).content.decode()
        assert "小明" not in listing and "王** (viewer)" in listing

    def test_revealing_needs_the_permission_and_is_audited(self, client, audit_admin, contact_change):
        client.force_login(audit_admin)
        url = f"/accounts/audit/{contact_change.pk}/reveal/"
        assert client.post(url).status_code == 403
        assert not AuditLog.objects.filter(action=AuditAction.REVEAL).exists()
        audit_admin.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
        html = client.get(f"/accounts/audit/{contact_change.pk}/").content.decode()
        assert f'action="{url}"' in html and "查看完整信息" in html
        response = client.post(url)
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        html = response.content.decode()
        for full in ("张三丰", "李四光", "13167558365", "13812345678"):
            assert full in html
        reveal = AuditLog.objects.get(action=AuditAction.REVEAL)
        assert (reveal.actor_username, reveal.object_type, reveal.object_id, reveal.message) == (
            "auditor",
            "accounts.auditlog",
            str(contact_change.pk),
            "contact_person, contact_phone",
        )
        assert client.get(url).status_code == 405

    def test_has_no_user_administration(self, client, audit_admin):
        client.force_login(audit_admin)
        assert client.get("/accounts/users/").status_code == 403

    def test_list_queries_do_not_grow_with_rows(
        self, client, audit_admin, city_operator, django_assert_max_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(audit_admin)
        client.get("/accounts/audit/")  # the session's first request also stamps its activity
        counts = []
        for rows in (5, 60):
            for n in range(rows):
                audit.security_event(city_operator, AuditAction.EXPORT, f"enterprises: {n}")
            with CaptureQueriesContext(connection) as captured:
                assert client.get("/accounts/audit/").status_code == 200
            counts.append(len(captured))
        assert counts[0] == counts[1], counts
        # the page, plus recording its own read in the audit trail (4 queries on PostgreSQL)
        with django_assert_max_num_queries(14):
            assert client.get("/accounts/audit/").status_code == 200


def test_user_list_queries_do_not_grow_with_rows(client, system_admin, django_assert_max_num_queries):
    for n in range(30):
        factories.make_user(Role.COUNTY_OFFICIAL, county_code="440781", username=f"u{n}")
    client.force_login(system_admin)
    with django_assert_max_num_queries(12):
        assert client.get("/accounts/users/").status_code == 200


def test_user_list_filters_by_active_state(client, system_admin, viewer):
    viewer.is_active = False
    viewer.save()
    client.force_login(system_admin)
    names = lambda params: {u.username for u in client.get("/accounts/users/", params).context["users"]}  # noqa: E731
    assert names({"is_active": "false"}) == {"viewer"}
    assert "viewer" not in names({"is_active": "true"})
    assert {"viewer", "sysadmin"} <= names({})
