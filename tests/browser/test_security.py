"""Security flows in a real browser: reveal of masked contact data (CSP-compliant JS), forced
password change at first login."""

import pytest
from django.contrib.auth.models import Permission

from accounts.choices import AuditAction, Role
from accounts.models import AuditLog, User
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_reveal_contact_with_the_permission(page, login, taishan_official):
    enterprise = factories.make_enterprise(
        "440781", name="台山揭示测试有限公司", contact_person="陈大文", contact_phone="13800001111"
    )
    taishan_official.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    login("taishan")
    page.goto(f"/enterprises/{enterprise.pk}/")
    contact = page.locator("#contact")
    assert "138****1111" in contact.inner_text()
    contact.locator("[data-reveal-url]").click()
    page.locator("#contact", has_text="13800001111").wait_for()  # no eval: the CSP forbids it
    assert "陈大文" in contact.inner_text()
    assert AuditLog.objects.filter(action=AuditAction.REVEAL, actor_username="taishan").count() == 1
    assert not [e for e in errors if "Content Security Policy" in e]


def test_first_login_goes_to_the_password_change(page, login):
    user = factories.make_user(Role.COUNTY_OFFICIAL, county_code="440781", username="newbie")
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    login("newbie")
    assert "/accounts/password/" in page.url
    page.fill("input[name=old_password]", factories.PASSWORD)
    page.fill("input[name=new_password1]", "Jiangmen-2026!")
    page.fill("input[name=new_password2]", "Jiangmen-2026!")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/")
    assert not User.objects.get(pk=user.pk).must_change_password


def test_audit_record_masks_personal_data_until_revealed(page, login, city_operator, taishan_enterprise):
    from accounts import audit

    log = audit.record(
        city_operator,
        AuditAction.UPDATE,
        taishan_enterprise,
        before={"contact_phone": "13167558365"},
        after={"contact_phone": "13812345678"},
    )
    auditor = factories.make_user(Role.AUDIT_ADMIN, username="auditor")
    auditor.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    login("auditor")
    page.goto(f"/accounts/audit/{log.pk}/")
    body = page.locator("main")
    assert "131****8365" in body.inner_text() and "13812345678" not in body.inner_text()
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "13167558365" in body.inner_text() and "13812345678" in body.inner_text()
    assert AuditLog.objects.filter(action=AuditAction.REVEAL, actor_username="auditor").count() == 1


def test_password_reset_needs_the_security_administrators_approval(page, login):
    from accounts.models import PasswordResetRequest

    factories.make_user(Role.SYSTEM_ADMIN, username="sysadmin")
    factories.make_user(Role.SECURITY_ADMIN, username="secadmin")
    target = factories.make_user(Role.VIEWER, username="reader")
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm prompts
    login("sysadmin")
    page.goto("/accounts/users/?q=reader")
    page.click("main form[action$='/reset-password/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/accounts/password-resets/")
    assert "reader" in page.locator("main table").inner_text()
    assert PasswordResetRequest.objects.get(user=target).status == "pending"
    assert User.objects.get(pk=target.pk).check_password(factories.PASSWORD)  # nothing changed yet
    page.context.clear_cookies()  # another person at another desk
    login("secadmin")
    page.goto("/accounts/password-resets/")
    page.click("main form[action$='/approve/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    password = page.locator("main code").inner_text().strip()
    assert User.objects.get(pk=target.pk).check_password(password)


def test_an_account_without_a_role_sees_the_page_that_says_so(page, login, taishan_enterprise):
    factories.make_user(Role.NO_ROLE, username="newcomer")
    login("newcomer")
    assert "尚未授予业务角色" in page.locator("main").inner_text()
    page.goto("/enterprises/")
    assert "尚未授予业务角色" in page.locator("main").inner_text()
    assert taishan_enterprise.name not in page.content()


def test_login_captcha_after_three_failures_shows_our_own_picture(page, taishan_official):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/accounts/login/")
    for n in range(3):
        page.fill("input[name=username]", "taishan")
        page.fill("input[name=password]", "Wrong-Passw0rd!")
        if n < 2:
            page.click("main button[type=submit]")
            page.wait_for_load_state("networkidle")
            continue
        with page.expect_response(lambda r: "/captcha/image/" in r.url) as picture:
            page.click("main button[type=submit]")
    assert picture.value.status == 200 and picture.value.headers["content-type"] == "image/png"
    assert picture.value.url.startswith(page.url.split("/accounts/")[0])  # our own server
    assert page.locator("input[name=captcha_1]").is_visible()
    assert not [e for e in errors if "Content Security Policy" in e]
