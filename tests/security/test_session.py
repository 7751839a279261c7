"""Idle timeout (30 minutes) and absolute session limit, with a moved clock."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.choices import AuditAction

from .helpers import events, post_login

pytestmark = pytest.mark.django_db


def test_idle_for_more_than_30_minutes_logs_out(client, taishan_official, settings):
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post_login(client, "taishan")
        assert client.get("/enterprises/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get("/enterprises/").status_code == 200  # activity resets the idle clock
    with time_machine.travel(start + dt.timedelta(minutes=29 + 31), tick=False):
        response = client.get("/enterprises/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/enterprises/")
        assert "_auth_user_id" not in client.session
    logout = events(AuditAction.LOGOUT, actor_username="taishan").get()
    assert logout.message == "idle timeout"
    # and the next request is anonymous
    assert client.get("/enterprises/").status_code == 302


def test_absolute_limit_logs_out_an_active_session(client, taishan_official, settings):
    settings.SESSION_ABSOLUTE_SECONDS = 2 * 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post_login(client, "taishan")
    for minutes in (20, 40, 60, 80, 100, 119):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/enterprises/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=125), tick=False):
        assert client.get("/enterprises/").status_code == 302
    assert events(AuditAction.LOGOUT, actor_username="taishan").get().message == "session limit"


def test_idle_timeout_is_configurable(client, taishan_official, settings):
    settings.SESSION_IDLE_SECONDS = 5 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post_login(client, "taishan")
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        assert client.get("/enterprises/").status_code == 302


def test_health_endpoint_does_not_touch_the_session(client, taishan_official):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post_login(client, "taishan")
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        assert client.get("/health/").status_code == 200
        assert client.get("/enterprises/").status_code == 302


@pytest.mark.django_db
def test_activity_is_recorded_at_most_once_a_minute(client, viewer):
    """A page does not rewrite the session on every request; the idle clock moves in one-minute steps."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(viewer)
    client.get("/enterprises/")  # the first request records the session start
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/enterprises/").status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "django_session"')]
