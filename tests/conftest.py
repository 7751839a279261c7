"""Shared fixtures: reference data in every database test, one user per role."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.choices import Role
from tests import db_role, factories

DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "client",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """pytest-django's (the owner creates and migrates the test database), then, with
    ``TEST_DB_APP_ROLE`` set on PostgreSQL, the suite runs as the application's role
    (``tests/db_role.py``); the flush between transactional tests runs as the owner."""
    from django.db import connection

    role = db_role.requested_role(getattr(request.config, "workerinput", {}).get("workerid", "master"))
    if role is None or connection.vendor != "postgresql":
        yield
        return
    from accounts.management.commands import flush

    handle = flush.Command.handle

    def flush_as_owner(self, **options):
        with db_role.as_owner(options["database"]):
            return handle(self, **options)

    with django_db_blocker.unblock():
        db_role.activate(connection.alias, role)
    flush.Command.handle = flush_as_owner
    try:
        yield
    finally:
        flush.Command.handle = handle
        with django_db_blocker.unblock():
            db_role.deactivate(connection.alias)


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_blocker):
    """Load the reference data (places, tiers, …) when a database test finds it missing.

    It runs before the test's own transaction, so the rows persist and are loaded once; a
    transactional test flushes them and the next test loads them again."""
    if request.node.get_closest_marker("django_db") is None and not DB_FIXTURES & set(request.fixturenames):
        return
    from enterprises.models import Tier

    with django_db_blocker.unblock():
        if not Tier.objects.exists():
            call_command("load_reference_data", verbosity=0)


@pytest.fixture
def taishan_official(db):
    return factories.make_user(Role.COUNTY_OFFICIAL, county_code="440781", username="taishan")


@pytest.fixture
def kaiping_official(db):
    return factories.make_user(Role.COUNTY_OFFICIAL, county_code="440783", username="kaiping")


@pytest.fixture
def city_operator(db):
    return factories.make_user(Role.CITY_OPERATOR, department_code="miit", username="city")


@pytest.fixture
def viewer(db):
    return factories.make_user(Role.VIEWER, username="viewer")


@pytest.fixture
def department_user(db):
    return factories.make_user(Role.DEPARTMENT_USER, department_code="kjj", username="kjj")


@pytest.fixture
def system_admin(db):
    return factories.make_user(Role.SYSTEM_ADMIN, username="sysadmin")


@pytest.fixture
def taishan_enterprise(db):
    return factories.make_enterprise("440781", name="台山测试精密有限公司")


@pytest.fixture
def kaiping_enterprise(db):
    return factories.make_enterprise("440783", name="开平测试电子有限公司")


@pytest.fixture
def celery_worker_thread():
    """A real Celery worker (in a thread) consuming from ``CELERY_BROKER_URL``; skips without a broker."""
    import os

    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker:
        pytest.skip("needs CELERY_BROKER_URL (a Redis broker) for a real worker")
    from celery.contrib.testing.worker import start_worker

    from jiangmen_portal.celery import app

    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(task_always_eager=False, broker_url=broker, result_backend=None)
    app.loader.import_default_modules()
    from django.conf import settings

    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        shutdown_timeout=30,
        queues=settings.CELERY_WORKER_QUEUES,  # the tasks are routed by kind (settings.CELERY_TASK_ROUTES)
    ) as worker:
        yield worker
    app.conf.update(saved)
