"""The audit table is append-only in the database itself: direct SQL UPDATE and DELETE fail."""

import pytest
from django.db import DatabaseError, connection, transaction

from accounts import audit
from accounts.append_only import installed
from accounts.choices import AuditAction
from accounts.models import AuditLog
from tests.db_role import as_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(city_operator):
    return audit.security_event(city_operator, AuditAction.EXPORT, "enterprises: 3")


def test_triggers_are_installed():
    assert installed(connection)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditlog SET message = 'forged' WHERE id = %s",
        "UPDATE accounts_auditlog SET actor_username = 'someone else'",
        "DELETE FROM accounts_auditlog WHERE id = %s",
        "DELETE FROM accounts_auditlog",
    ],
)
def test_direct_sql_update_or_delete_fails(log, sql):
    params = [log.pk] if "%s" in sql else []
    # as the owner: the trigger holds even for her (the application's role is refused before it
    # reaches the trigger, by its privileges: tests/security/test_db_role.py)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), as_owner(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    stored = AuditLog.objects.get(pk=log.pk)
    assert stored.message == "enterprises: 3"
    assert stored.actor_username == "city"


def test_orm_update_and_delete_fail_too(log):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=log.pk).update(message="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=log.pk).delete()
    assert AuditLog.objects.filter(pk=log.pk, message="enterprises: 3").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
def test_truncate_fails_on_postgresql(log):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), as_owner(), connection.cursor() as cursor:  # the owner too
            cursor.execute("TRUNCATE accounts_auditlog")
    assert AuditLog.objects.filter(pk=log.pk).exists()


def test_inserting_still_works_and_chain_verifies(log, city_operator):
    audit.security_event(city_operator, AuditAction.EXPORT, "enterprises: 4")
    assert AuditLog.objects.count() >= 2
    assert audit.verify_chain() is None


def test_chain_detects_a_row_changed_behind_the_triggers(log, city_operator):
    """Even if someone with owner rights lifts the triggers, the hash chain shows the edit."""
    from accounts.append_only import suspended

    audit.security_event(city_operator, AuditAction.EXPORT, "enterprises: 4")
    with transaction.atomic(), as_owner(), suspended(connection):
        AuditLog.objects.filter(pk=log.pk).update(message="enterprises: 0")
    assert installed(connection)
    assert audit.verify_chain() == log.pk
