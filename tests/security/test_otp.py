"""TOTP second factor: required for the administrator roles, available to everybody."""

import subprocess
import sys
import time

import pytest
import time_machine
from django.conf import settings as django_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import ADMIN_ROLES, AuditAction, Role
from tests import factories

from .helpers import confirmed_device, current_code, events, post_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def otp_for_admins(settings):
    settings.OTP_REQUIRED_ROLES = sorted(ADMIN_ROLES)


def test_production_default_requires_otp_for_the_three_admin_roles():
    """The test settings switch the requirement off for force_login; production must have it on."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='jiangmen_portal.settings'; django.setup(); "
        "from django.conf import settings; print(','.join(sorted(settings.OTP_REQUIRED_ROLES)))"
    )
    env = {"DEBUG": "1", "PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=django_settings.BASE_DIR, check=True
    )
    assert out.stdout.strip() == "audit_admin,security_admin,system_admin"


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_admin_without_device_must_enrol_before_anything_else(client, otp_for_admins, role):
    factories.make_user(role, username="admin1")
    assert post_login(client, "admin1").status_code == 302
    response = client.get("/accounts/users/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/setup/")
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/").status_code == 403

    page = client.get("/accounts/otp/setup/")
    assert page.status_code == 200
    assert b"data:image/svg+xml;base64," in page.content
    device = TOTPDevice.objects.get(user__username="admin1", confirmed=False)
    # A wrong code changes nothing.
    assert client.post("/accounts/otp/setup/", {"token": "000000"}).status_code == 200
    assert not TOTPDevice.objects.filter(user__username="admin1", confirmed=True).exists()
    with time_machine.travel(time.time() + 5):  # a failure throttles the device for a second
        response = client.post("/accounts/otp/setup/", {"token": current_code(device), "next": "/"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200


def test_admin_with_device_must_enter_a_code_after_the_password(client, otp_for_admins):
    admin = factories.make_user(Role.AUDIT_ADMIN, username="auditor")
    device = confirmed_device(admin)
    post_login(client, "auditor")
    response = client.get("/accounts/audit/")
    assert response["Location"] == "/accounts/otp/verify/?next=%2Faccounts%2Faudit%2F"
    wrong = client.post("/accounts/otp/verify/", {"token": "123456"})
    assert wrong.status_code == 200
    assert events(AuditAction.LOGIN_FAILED, actor_username="auditor").exists()
    assert client.get("/accounts/audit/").status_code == 302
    with time_machine.travel(time.time() + 5):
        ok = client.post("/accounts/otp/verify/?next=/accounts/audit/", {"token": current_code(device)})
    assert ok.status_code == 302
    assert ok["Location"] == "/accounts/audit/"
    assert client.get("/accounts/audit/").status_code == 200


def test_non_digit_code_is_refused_with_a_message(client, otp_for_admins):
    admin = factories.make_user(Role.AUDIT_ADMIN, username="auditor")
    confirmed_device(admin)
    post_login(client, "auditor")
    response = client.post("/accounts/otp/verify/", {"token": "abcdef"})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]


def test_county_official_goes_straight_through(client, otp_for_admins, taishan_official):
    response = post_login(client, "taishan")
    assert response["Location"] == "/"
    assert client.get("/enterprises/").status_code == 200


def test_any_user_may_enrol_and_is_then_asked_for_the_code(client, otp_for_admins, taishan_official):
    post_login(client, "taishan")
    client.get("/accounts/otp/setup/")
    device = TOTPDevice.objects.get(user=taishan_official)
    client.post("/accounts/otp/setup/", {"token": current_code(device)})
    assert client.get("/enterprises/").status_code == 200
    client.post("/accounts/logout/")

    post_login(client, "taishan")
    response = client.get("/enterprises/")
    assert response["Location"].startswith("/accounts/otp/verify/")


def test_security_admin_resets_a_lost_second_factor(client, otp_for_admins):
    security = factories.make_user(Role.SECURITY_ADMIN, username="sec")
    auditor = factories.make_user(Role.AUDIT_ADMIN, username="auditor")
    confirmed_device(auditor)
    device = confirmed_device(security)
    post_login(client, "sec")
    client.post("/accounts/otp/verify/", {"token": current_code(device)})
    assert client.post(f"/accounts/users/{auditor.pk}/reset-otp/").status_code == 302
    assert not TOTPDevice.objects.filter(user=auditor).exists()
    assert events(AuditAction.GRANT, object_id=str(auditor.pk), message="second factor reset").exists()


@pytest.mark.parametrize("otp_required", [True, False])
def test_a_password_alone_cannot_enrol_a_new_device_over_an_existing_one(client, settings, otp_required):
    """Someone who learnt the password must not replace the owner's device to skip the code."""
    settings.OTP_REQUIRED_ROLES = sorted(ADMIN_ROLES) if otp_required else []
    admin = factories.make_user(Role.SECURITY_ADMIN, username="sec")
    device = confirmed_device(admin)
    post_login(client, "sec")
    response = client.get("/accounts/otp/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/verify/")
    assert client.post("/accounts/otp/setup/", {"token": "123456"}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=admin)) == [device]
