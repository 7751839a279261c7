from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.choices import AuditAction, Role
from accounts.models import AuditLog, User

pytestmark = pytest.mark.django_db


def test_creates_an_admin_with_a_random_one_time_password():
    out = StringIO()
    call_command("create_account", "sys1", "--role", Role.SYSTEM_ADMIN, stdout=out)
    password = out.getvalue().strip().splitlines()[-1]
    user = User.objects.get(username="sys1")
    assert user.check_password(password) and len(password) >= 12
    assert user.must_change_password and not user.is_superuser and not user.is_staff
    assert AuditLog.objects.get(action=AuditAction.CREATE, object_id=str(user.pk)).source == "cli"
    out2 = StringIO()
    call_command("create_account", "sys2", "--role", Role.SYSTEM_ADMIN, stdout=out2)
    assert out2.getvalue().strip().splitlines()[-1] != password  # never a default password


def test_county_official_needs_a_known_county_and_nothing_is_created_otherwise():
    with pytest.raises(CommandError):
        call_command("create_account", "c1", "--role", Role.COUNTY_OFFICIAL, "--county", "999999")
    with pytest.raises(CommandError):
        call_command("create_account", "c1", "--role", Role.COUNTY_OFFICIAL)
    assert not User.objects.filter(username="c1").exists()
    call_command("create_account", "c1", "--role", Role.COUNTY_OFFICIAL, "--county", "440781", stdout=StringIO())
    assert User.objects.get(username="c1").county.code == "440781"


def test_existing_username_is_refused():
    call_command("create_account", "a1", "--role", Role.AUDIT_ADMIN, stdout=StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_account", "a1", "--role", Role.VIEWER, stdout=StringIO())
    assert User.objects.get(username="a1").role == Role.AUDIT_ADMIN
