"""Login events, lockout after 5 failures and unlock after the 30-minute cool-off (moved clock)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.choices import AuditAction, AuditCategory
from accounts.models import AuditLog

from .helpers import events, post_login

pytestmark = pytest.mark.django_db

WRONG = "Wrong-Passw0rd!"


def test_successful_login_and_logout_are_audited(client, taishan_official):
    response = post_login(client, "taishan")
    assert response.status_code == 302
    assert response["Location"] == "/"
    login = events(AuditAction.LOGIN, actor_username="taishan").get()
    assert login.category == AuditCategory.SECURITY
    assert login.ip == "127.0.0.1"
    client.post("/accounts/logout/")
    assert events(AuditAction.LOGOUT, actor_username="taishan").count() == 1
    assert client.get("/enterprises/").status_code == 302  # logged out


def test_failed_login_is_audited_with_the_username(client, taishan_official):
    response = post_login(client, "taishan", WRONG)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    failed = events(AuditAction.LOGIN_FAILED).get()
    assert failed.actor_username == "taishan"
    assert failed.actor_id is None
    assert WRONG not in (failed.message or "")


def test_locked_at_the_fifth_failure_and_unlocked_after_the_cool_off(client, taishan_official, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            assert post_login(client, "taishan", WRONG).status_code == 200
        assert not events(AuditAction.LOCKOUT).exists()
        fifth = post_login(client, "taishan", WRONG)
        assert fifth.status_code == 429
        assert "锁定" in fifth.content.decode()
        assert events(AuditAction.LOCKOUT, actor_username="taishan").count() == 1
        # Locked: even the right password is refused.
        assert post_login(client, "taishan").status_code == 429
        assert "_auth_user_id" not in client.session

    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert post_login(client, "taishan").status_code == 429

    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        response = post_login(client, "taishan")
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(taishan_official.pk)
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED).count() >= 6


def test_a_success_before_the_limit_resets_the_count(client, taishan_official):
    for _ in range(4):
        post_login(client, "taishan", WRONG)
    assert post_login(client, "taishan").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert post_login(client, "taishan", WRONG).status_code == 200
    assert post_login(client, "taishan").status_code == 302


def test_login_page_is_rendered_in_chinese_without_inline_script(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert "Content-Security-Policy" in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
