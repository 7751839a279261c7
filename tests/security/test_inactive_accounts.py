"""Accounts unused for 90 days are disabled by the nightly beat job."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

from accounts import tasks
from accounts.choices import AuditAction, Role
from accounts.models import ApiClient, AuditLog, User
from tests import factories

pytestmark = pytest.mark.django_db


def test_beat_schedule_runs_the_job_nightly():
    entry = django_settings.CELERY_BEAT_SCHEDULE["accounts-disable-inactive"]
    assert entry["task"] == "accounts.tasks.disable_inactive_accounts"
    assert tasks.disable_inactive_accounts.name == entry["task"]


def test_unused_accounts_are_disabled_and_audited(db):
    now = timezone.now()
    stale = factories.make_user(Role.VIEWER, username="stale", last_login=now - dt.timedelta(days=91))
    recent = factories.make_user(Role.VIEWER, username="recent", last_login=now - dt.timedelta(days=89))
    never = factories.make_user(Role.VIEWER, username="never")
    User.objects.filter(pk=never.pk).update(date_joined=now - dt.timedelta(days=100))
    fresh = factories.make_user(Role.VIEWER, username="fresh")  # never logged in, created today
    service = factories.make_user(Role.API_CLIENT, username="svc")
    User.objects.filter(pk=service.pk).update(date_joined=now - dt.timedelta(days=400))
    ApiClient.objects.create(name="svc", user=service, key_prefix="p1", key_hash="h")

    assert tasks.disable_inactive_accounts.apply().get() == 2
    active = dict(User.objects.values_list("username", "is_active"))
    assert active == {"stale": False, "recent": True, "never": False, "fresh": True, "svc": True}
    rows = AuditLog.objects.filter(action=AuditAction.UPDATE, object_type="accounts.user")
    assert sorted(rows.values_list("object_id", flat=True)) == sorted([str(stale.pk), str(never.pk)])
    assert {r.source for r in rows} == {"job"}
    assert all(r.after == {"is_active": False} for r in rows)
    assert recent.pk and fresh.pk
    # idempotent: a second run changes nothing
    assert tasks.disable_inactive_accounts.apply().get() == 0


def test_moving_the_clock_past_90_days_disables_an_account(taishan_official, client):
    client.force_login(taishan_official)  # sets last_login now
    with time_machine.travel(timezone.now() + dt.timedelta(days=91)):
        assert tasks.disable_inactive_accounts.apply().get() == 1
    taishan_official.refresh_from_db()
    assert not taishan_official.is_active
    assert client.get("/enterprises/").status_code == 302  # a disabled user's session is no longer valid


def test_period_is_configurable(settings, taishan_official):
    settings.ACCOUNT_INACTIVE_DAYS = 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=1000)):
        assert tasks.disable_inactive_accounts.apply().get() == 0
