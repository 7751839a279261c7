"""The audit trail of a bulk write (a statistics import of many rows).

One chained entry, the *seal*, says who, when and from where; the import's change rows say what,
before and after, for every statistic. The change rows are append-only in the database, and the
seal carries their SHA-256, so changing, adding or removing one behind the application's back
breaks the chain. The audit administrator finds the seal by the statistic or the enterprise, and
reads every row on the seal's page.
"""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from accounts import audit
from accounts.append_only import installed, suspended
from accounts.choices import AuditAction, Role
from accounts.models import AuditLog
from core import context
from enterprises.imports import services, writer
from enterprises.models import Statistic, StatisticImportChange
from tests import factories
from tests.db_role import as_owner
from tests.enterprises.imports.conftest import uploaded

pytestmark = pytest.mark.django_db
CHANGE_TABLE = StatisticImportChange._meta.db_table
ROWS = 60


@pytest.fixture
def audit_admin(db):
    return factories.make_user(Role.AUDIT_ADMIN, username="auditor")


@pytest.fixture
def imported(taishan_official):
    """An import of ROWS statistics from 10.1.2.3: 20 updates of stored ones, 40 new."""
    enterprises = [factories.make_enterprise("440781") for _ in range(ROWS // 2)]
    for e in enterprises[:20]:
        factories.make_statistic(e, 2024, 1, revenue=Decimal("10.00"), employees=3)
    rows = [
        factories.statistics_row(e, f"2024Q{q}", revenue=f"{100 + i}.5", employees=i, profit=-1, fills_tech_gap="是")
        for q in (1, 2)
        for i, e in enumerate(enterprises)
    ]
    with context.use(context.ActionContext(ip="10.1.2.3", request_id="req-bulk", source="web")):
        imp = services.statistic_import_create(
            actor=taishan_official, enqueue=False, uploaded_file=uploaded(factories.make_statistics_workbook(rows))
        )
        imp = services.statistic_import_check(import_id=imp.pk)
        services.statistic_import_confirm(
            actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
        )
        imp = services.statistic_import_commit(import_id=imp.pk)
    assert (imp.new_count, imp.changed_count) == (ROWS - 20, 20), imp.errors
    return imp


def seal_of(imp, action=AuditAction.IMPORT) -> AuditLog:
    return AuditLog.objects.get(action=action, object_type="enterprises.statisticimport", object_id=str(imp.pk))


def test_one_seal_with_who_when_where_and_a_change_row_per_statistic(imported):
    seal = seal_of(imported)
    assert (seal.actor_username, seal.ip, seal.request_id, seal.county_code) == (
        "taishan",
        "10.1.2.3",
        "req-bulk",
        "440781",
    )
    assert seal.after["change_set"]["rows"] == ROWS == StatisticImportChange.objects.count()
    updated = StatisticImportChange.objects.filter(created=False)
    assert updated.count() == 20
    for change in updated:
        stored = Statistic.objects.get(pk=change.statistic_id)
        assert (change.before_revenue, change.before_employees) == (Decimal("10.00"), 3)
        assert (change.after_revenue, change.after_employees, change.after_profit) == (
            stored.revenue,
            stored.employees,
            Decimal("-1.00"),
        )
        assert change.after_fills_tech_gap is True and change.version_after == stored.version == 2
    assert audit.verify_chain() is None


@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {CHANGE_TABLE} SET after_revenue = 1",
        f"DELETE FROM {CHANGE_TABLE}",
    ],
)
def test_change_rows_are_append_only_in_the_database(imported, sql):
    assert installed(connection, CHANGE_TABLE)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), as_owner(), connection.cursor() as cursor:  # the trigger holds for the owner too
            cursor.execute(sql)
    assert StatisticImportChange.objects.count() == ROWS


def _behind_the_triggers(sql: str, params=()):
    """What a database owner could do after lifting the triggers."""
    with transaction.atomic(), as_owner(), suspended(connection, [CHANGE_TABLE]), connection.cursor() as cursor:
        cursor.execute(sql, list(params))
    assert installed(connection, CHANGE_TABLE)


@pytest.mark.parametrize("tamper", ["edit", "remove", "add"])
def test_tampering_with_a_change_row_breaks_the_chain_at_the_seal(imported, tamper):
    first = StatisticImportChange.objects.order_by("id").first()
    if tamper == "edit":
        _behind_the_triggers(f"UPDATE {CHANGE_TABLE} SET before_revenue = 99999 WHERE id = %s", [first.pk])
    elif tamper == "remove":
        _behind_the_triggers(f"DELETE FROM {CHANGE_TABLE} WHERE id = %s", [first.pk])
    else:
        StatisticImportChange.objects.create(
            statistic_import=imported,
            statistic_id=first.statistic_id,
            enterprise_id=first.enterprise_id,
            year=2023,
            quarter=4,
            row_no=999,
        )
    assert audit.verify_chain() == seal_of(imported).pk


def test_the_database_digest_equals_the_documented_line_format(imported):
    """``change_set_digest`` (one SQL aggregate on PostgreSQL) matches its Python twin."""
    import hashlib

    lines = [
        writer.digest_line(values)
        for values in StatisticImportChange.objects.order_by("id").values_list(*writer.DIGEST_COLUMNS)
    ]
    expected = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    assert writer.change_set_digest(imported.pk) == (ROWS, expected)
    # as documented: booleans t/f, amounts with two decimals, NULL empty
    assert all(line.endswith(",t)") and ",-1.00," in line for line in lines)
    assert sum(",2024,1,f," in line for line in lines) == 20 and sum(",10.00," in line for line in lines) == 20


def test_undo_is_sealed_over_the_same_rows(imported, city_operator):
    services.statistic_import_undo(actor=city_operator, statistic_import=imported)
    undo = seal_of(imported, AuditAction.UNDO)
    assert undo.actor_username == "city" and undo.after["change_set"] == seal_of(imported).after["change_set"]
    assert audit.verify_chain() is None


def test_search_by_statistic_finds_the_seals(client, audit_admin, imported, city_operator):
    change = StatisticImportChange.objects.filter(created=False).first()
    services.statistic_import_undo(actor=city_operator, statistic_import=imported)
    client.force_login(audit_admin)
    response = client.get(
        "/accounts/audit/", {"object_type": "enterprises.statistic", "object_id": change.statistic_id}
    )
    assert response.status_code == 200
    assert [log.action for log in response.context["logs"]] == ["undo", "import"]
    assert f"{ROWS} 条密封记录" in response.content.decode()
    # the import did not change the enterprise itself; a statistic it never wrote has no seal
    response = client.get(
        "/accounts/audit/", {"object_type": "enterprises.enterprise", "object_id": change.enterprise_id}
    )
    assert [log.action for log in response.context["logs"]] == []
    other = factories.make_statistic(factories.make_enterprise("440781"), 2023, 1)
    response = client.get("/accounts/audit/", {"object_type": "enterprises.statistic", "object_id": other.pk})
    assert list(response.context["logs"]) == []
    # the id alone still finds entries by id
    response = client.get("/accounts/audit/", {"object_id": imported.pk})
    assert {log.action for log in response.context["logs"]} >= {"import", "undo"}


def test_the_seal_page_lists_every_row_before_and_after_and_checks_them(
    client, audit_admin, imported, django_assert_max_num_queries
):
    seal = seal_of(imported)
    client.force_login(audit_admin)
    with django_assert_max_num_queries(16):  # one page of 60 rows: no query per row (+ the read is audited)
        response = client.get(f"/accounts/audit/{seal.pk}/")
    assert response.status_code == 200
    changes = response.context["changes"]
    assert len(changes) == ROWS and [c["row_no"] for c in changes] == sorted(c["row_no"] for c in changes)
    updated = next(c for c in changes if c["action"] == "修改")
    assert ("营业收入（万元）", Decimal("10.00"), Decimal("100.50")) in updated["changes"]
    page = response.content.decode()
    assert "10.00 → 100.50" in page and "新增" in page
    assert client.get(f"/accounts/audit/{seal.pk}/", {"verify": "1"}).context["change_set_holds"] is True
    _behind_the_triggers(f"UPDATE {CHANGE_TABLE} SET after_employees = 7 WHERE statistic_import_id = %s", [imported.pk])
    response = client.get(f"/accounts/audit/{seal.pk}/", {"verify": "1"})
    assert response.context["change_set_holds"] is False
    assert "不再与其摘要一致" in response.content.decode()


def test_the_undo_seal_page_reads_the_rows_backwards(client, audit_admin, imported, city_operator):
    services.statistic_import_undo(actor=city_operator, statistic_import=imported)
    client.force_login(audit_admin)
    changes = client.get(f"/accounts/audit/{seal_of(imported, AuditAction.UNDO).pk}/").context["changes"]
    assert {c["action"] for c in changes} == {"删除", "修改"}
    updated = next(c for c in changes if c["action"] == "修改")
    assert ("营业收入（万元）", Decimal("100.50"), Decimal("10.00")) in updated["changes"]


def test_stale_edit_message_names_the_importer(imported, city_operator):
    from core.services import StaleEditError
    from enterprises import services as enterprise_services

    change = StatisticImportChange.objects.filter(created=False).first()
    statistic = Statistic.objects.get(pk=change.statistic_id)
    statistic.revenue = Decimal("1.00")
    with pytest.raises(StaleEditError, match="taishan"):
        enterprise_services.statistic_save(actor=city_operator, statistic=statistic, expected_version=1)
